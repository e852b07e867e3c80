package packager

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/vodedge/vodedge/origin/transcode"
)

// The subset of the DASH MPD schema (ISO/IEC 23009-1) the packager writes.
type mpdRoot struct {
	XMLName                   xml.Name  `xml:"urn:mpeg:dash:schema:mpd:2011 MPD"`
	Profiles                  string    `xml:"profiles,attr"`
	Type                      string    `xml:"type,attr"`
	MediaPresentationDuration string    `xml:"mediaPresentationDuration,attr"`
	MinBufferTime             string    `xml:"minBufferTime,attr"`
	Periods                   []*period `xml:"Period"`
}

type period struct {
	ID    string           `xml:"id,attr"`
	Start string           `xml:"start,attr"`
	Sets  []*adaptationSet `xml:"AdaptationSet"`
}

type adaptationSet struct {
	ID               int               `xml:"id,attr"`
	ContentType      string            `xml:"contentType,attr"`
	MimeType         string            `xml:"mimeType,attr"`
	Lang             string            `xml:"lang,attr,omitempty"`
	SegmentAlignment bool              `xml:"segmentAlignment,attr,omitempty"`
	StartWithSAP     int               `xml:"startWithSAP,attr,omitempty"`
	Role             *descriptor       `xml:"Role,omitempty"`
	Label            string            `xml:"Label,omitempty"`
	Representations  []*representation `xml:"Representation"`
}

type representation struct {
	ID                string           `xml:"id,attr"`
	Bandwidth         int64            `xml:"bandwidth,attr"`
	Codecs            string           `xml:"codecs,attr,omitempty"`
	Width             int              `xml:"width,attr,omitempty"`
	Height            int              `xml:"height,attr,omitempty"`
	FrameRate         string           `xml:"frameRate,attr,omitempty"`
	AudioSamplingRate int              `xml:"audioSamplingRate,attr,omitempty"`
	Channels          *audioChannels   `xml:"AudioChannelConfiguration,omitempty"`
	Template          *segmentTemplate `xml:"SegmentTemplate"`
	BaseURL           string           `xml:"BaseURL,omitempty"`
}

// descriptor is a DASH descriptor element (Role).
type descriptor struct {
	Scheme string `xml:"schemeIdUri,attr"`
	Value  string `xml:"value,attr"`
}

type audioChannels struct {
	Scheme string `xml:"schemeIdUri,attr"`
	Value  string `xml:"value,attr"`
}

type segmentTemplate struct {
	Timescale      int      `xml:"timescale,attr"`
	Initialization string   `xml:"initialization,attr"`
	Media          string   `xml:"media,attr"`
	StartNumber    int      `xml:"startNumber,attr"`
	Timeline       timeline `xml:"SegmentTimeline"`
}

type timeline struct {
	S []timelineEntry `xml:"S"`
}

type timelineEntry struct {
	T *int64 `xml:"t,attr,omitempty"`
	D int64  `xml:"d,attr"`
	R int    `xml:"r,attr,omitempty"`
}

// MPD renders a static DASH manifest over the variants' segments, with
// a text adaptation set per subtitle track.
func MPD(vs []Variant, durationMS int64, subs ...SubtitleTrack) ([]byte, error) {
	p := &period{ID: "0", Start: "PT0S"}
	byCodec := map[transcode.Codec]*adaptationSet{}
	for _, v := range vs {
		if v.Kind == transcode.Audio {
			set := &adaptationSet{ContentType: "audio", MimeType: "audio/mp4", Lang: v.Language}
			set.Representations = append(set.Representations, audioRepresentation(v))
			p.Sets = append(p.Sets, set)
			continue
		}
		set := byCodec[v.Codec]
		if set == nil {
			set = &adaptationSet{ContentType: "video", MimeType: "video/mp4"}
			byCodec[v.Codec] = set
			p.Sets = append(p.Sets, set)
		}
		set.Representations = append(set.Representations, videoRepresentation(v))
	}
	for i, s := range p.Sets {
		s.ID, s.SegmentAlignment, s.StartWithSAP = i, true, 1
	}
	for _, s := range textSets(subs, durationMS) {
		s.ID = len(p.Sets)
		p.Sets = append(p.Sets, s)
	}
	root := mpdRoot{
		Profiles: "urn:mpeg:dash:profile:isoff-live:2011", Type: "static",
		MediaPresentationDuration: isoDuration(durationMS), MinBufferTime: "PT2S",
		Periods: []*period{p},
	}
	out, err := xml.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("packager: MPD: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

func videoRepresentation(v Variant) *representation {
	return &representation{
		ID: v.Name, Bandwidth: v.PeakBandwidth, Codecs: v.Codecs,
		Width: v.Width, Height: v.Height, FrameRate: frameRate(v.FPS),
		Template: template(v),
	}
}

func audioRepresentation(v Variant) *representation {
	return &representation{
		ID: v.Name, Bandwidth: v.PeakBandwidth, Codecs: v.Codecs, AudioSamplingRate: 48000,
		Channels: &audioChannels{Scheme: "urn:mpeg:dash:23003:3:audio_channel_configuration:2011", Value: "2"},
		Template: template(v),
	}
}

// template points at the rendition's files; segment names follow
// transcode.SegmentPattern (seg-%05d.m4s), numbered from 0.
func template(v Variant) *segmentTemplate {
	return &segmentTemplate{
		Timescale:      1000,
		Initialization: v.Name + "/" + v.InitURI,
		Media:          v.Name + "/" + strings.Replace(transcode.SegmentPattern, "%05d", "$Number%05d$", 1),
		StartNumber:    0,
		Timeline:       timelineOf(v.Segments),
	}
}

// timelineOf run-length encodes segment durations (S@r repeats).
func timelineOf(segs []Segment) timeline {
	var tl timeline
	zero := int64(0)
	for i, s := range segs {
		n := len(tl.S)
		if n > 0 && tl.S[n-1].D == s.DurationMS {
			tl.S[n-1].R++
			continue
		}
		e := timelineEntry{D: s.DurationMS}
		if i == 0 {
			e.T = &zero
		}
		tl.S = append(tl.S, e)
	}
	return tl
}

func isoDuration(ms int64) string {
	return "PT" + strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64) + "S"
}

func frameRate(fps float64) string {
	if fps == float64(int(fps)) {
		return strconv.Itoa(int(fps))
	}
	// NTSC rates as fractions, others rounded to thousandths.
	for _, base := range []int{24, 30, 60} {
		if r := float64(base) * 1000 / 1001; fps > r-0.01 && fps < r+0.01 {
			return strconv.Itoa(base*1000) + "/1001"
		}
	}
	return strconv.Itoa(int(fps*1000+0.5)) + "/1000"
}
