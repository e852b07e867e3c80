package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/subtitle"
)

// Subtitles arrive two ways: as parts of the upload named
// "subtitles.{lang}" (WebVTT or SubRip, checked and normalised to WebVTT
// while the request is still open, so a bad file gets a 422 naming its
// line), and as text streams inside the source (extracted with ffmpeg by
// the subtitles step). The subtitles step writes each track's whole
// WebVTT into work/{id}/subs-{lang}/; the package step cuts it into
// segments beside the video's and lists it in both manifests.

const (
	stepSubtitles = "subtitles"
	// subtitlePart prefixes the upload's subtitle parts.
	subtitlePart = "subtitles."
	// maxSubtitleBytes bounds one subtitle file (a feature's is tens of
	// kilobytes), maxSubtitleTracks their number per title.
	maxSubtitleBytes  = 4 << 20
	maxSubtitleTracks = 32
	// maxTagLen bounds a language tag (it names a directory).
	maxTagLen = 35
)

// subtitleUpload is a checked subtitle part, held until the title exists.
type subtitleUpload struct {
	lang language.Tag
	vtt  []byte
}

// subtitleSpec is one track of the subtitles step: an uploaded file (in
// the source directory) or a stream of the source.
type subtitleSpec struct {
	packager.SubtitleTrack
	Upload string `json:"upload,omitempty"`
	Stream *int   `json:"stream,omitempty"`
}

// readSubtitle checks one "subtitles.{lang}" part.
func readSubtitle(name string, part *multipart.Part) (subtitleUpload, error) {
	tag, ok := subtitleTag(strings.TrimPrefix(name, subtitlePart))
	if !ok {
		return subtitleUpload{}, fmt.Errorf("%w: part %q: want subtitles.{language}, a BCP 47 tag such as subtitles.en or subtitles.pt-BR", errBadRequest, clip(name))
	}
	vtt, err := readSubtitleFile(part, fmt.Sprintf("part %q (%s)", clip(name), clip(part.FileName())))
	return subtitleUpload{lang: tag, vtt: vtt}, err
}

// subtitleTag reads the language of a track, upload part or PUT: a
// BCP 47 tag short enough to name a directory.
func subtitleTag(s string) (language.Tag, bool) {
	tag, err := language.Parse(s)
	if err != nil || len(tag.String()) > maxTagLen {
		return language.Und, false
	}
	return tag, true
}

// readSubtitleFile reads one subtitle file, WebVTT or SubRip, of at
// most maxSubtitleBytes, and normalises it to WebVTT: 413 when it is
// larger, 422 naming the bad line; what names the file in the errors.
func readSubtitleFile(r io.Reader, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSubtitleBytes+1))
	if err != nil {
		return nil, uploadError(err)
	}
	if len(data) > maxSubtitleBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", errTooLarge, what, maxSubtitleBytes)
	}
	tr, err := subtitle.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errUnprocessable, what, err)
	}
	return tr.VTT(), nil
}

// subtitlePlan names every track, uploads first, then the text
// streams of the source; bitmap streams are left out.
func subtitlePlan(ups []subtitleUpload, info *probe.Info) []subtitleSpec {
	var specs []subtitleSpec
	used := map[string]bool{}
	for i, u := range ups {
		specs = append(specs, subtitleSpec{SubtitleTrack: track(u.lang, used), Upload: uploadName(i)})
	}
	for _, st := range info.Subtitle {
		if !st.TextSubtitle() || len(specs) == maxSubtitleTracks {
			continue
		}
		tag, err := language.Parse(st.Language)
		if err != nil {
			tag = language.Und
		}
		idx := st.Index
		specs = append(specs, subtitleSpec{SubtitleTrack: track(tag, used), Stream: &idx})
	}
	return specs
}

// track names a track after its language ("English", "français"), its
// directory subs-{tag}; a second track of a language gets " 2" / "-2".
func track(tag language.Tag, used map[string]bool) packager.SubtitleTrack {
	name := display.Self.Name(tag)
	if name == "" || tag == language.Und {
		name = "Subtitles"
	}
	t := packager.SubtitleTrack{Language: tag.String(), Name: name, Dir: "subs-" + tag.String()}
	for n := 2; used[t.Dir] || used["name:"+t.Name]; n++ {
		t.Name, t.Dir = name+" "+strconv.Itoa(n), "subs-"+tag.String()+"-"+strconv.Itoa(n)
	}
	used[t.Dir], used["name:"+t.Name] = true, true
	return t
}

func uploadName(i int) string { return fmt.Sprintf("subtitle-%02d.vtt", i) }

// keepSubtitles writes the checked uploads into the title's source
// directory, beside the source.
func (s *Server) keepSubtitles(id string, ups []subtitleUpload) error {
	for i, u := range ups {
		if err := os.WriteFile(filepath.Join(s.sourceDir(id), uploadName(i)), u.vtt, 0o644); err != nil {
			return fmt.Errorf("controller: keep subtitles: %w", err)
		}
	}
	return nil
}

// withSubtitles adds the subtitles step to an ingest graph, before
// package.
func withSubtitles(spec pipeline.Spec, tracks []subtitleSpec) pipeline.Spec {
	if len(tracks) == 0 {
		return spec
	}
	step := pipeline.Step{Name: stepSubtitles, Kind: stepSubtitles, Deps: []string{stepProbe}, Args: mustJSON(tracks)}
	i := slices.IndexFunc(spec.Steps, func(s pipeline.Step) bool { return s.Name == stepPackage })
	if i < 0 {
		return spec
	}
	spec.Steps = slices.Insert(slices.Clone(spec.Steps), i, step)
	spec.Steps[i+1].Deps = append(slices.Clone(spec.Steps[i+1].Deps), stepSubtitles)
	return spec
}

// runSubtitles writes each track's whole WebVTT into its directory of
// the work tree. An embedded stream without a cue is left out.
func (s *Server) runSubtitles(ctx context.Context, t *pipeline.Task) (any, error) {
	var specs []subtitleSpec
	if err := t.Args(&specs); err != nil {
		return nil, err
	}
	title, err := s.title(t)
	if err != nil {
		return nil, err
	}
	var out []packager.SubtitleTrack
	for i, sp := range specs {
		ok, err := s.writeTrack(ctx, title, sp)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, sp.SubtitleTrack)
		}
		t.Progress(float64(i+1)/float64(len(specs)), "subtitles")
	}
	return out, nil
}

// writeTrack fills the track's directory through a temporary one.
func (s *Server) writeTrack(ctx context.Context, title *catalog.Title, sp subtitleSpec) (bool, error) {
	id := title.ID
	final := s.renditionDir(id, sp.Dir)
	tmp, err := runDir(final)
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	vtt, err := s.trackVTT(ctx, title, sp, filepath.Join(tmp, "extracted.vtt"))
	if errors.Is(err, subtitle.ErrInvalid) && sp.Stream != nil {
		s.log.Warn("embedded subtitle stream left out", "title", id, "stream", *sp.Stream, "err", err)
		return false, os.RemoveAll(tmp)
	}
	if err != nil {
		return false, err
	}
	if err := os.WriteFile(filepath.Join(tmp, packager.SubtitleFile), vtt, 0o644); err != nil {
		return false, err
	}
	os.Remove(filepath.Join(tmp, "extracted.vtt"))
	return true, moveIntoPlace(tmp, final, "subtitles")
}

// trackVTT is the track's normalised WebVTT: the kept upload, or the
// stream extracted by ffmpeg (into scratch) and checked like an upload.
func (s *Server) trackVTT(ctx context.Context, title *catalog.Title, sp subtitleSpec, scratch string) ([]byte, error) {
	if sp.Stream == nil {
		b, err := os.ReadFile(filepath.Join(s.sourceDir(title.ID), filepath.Base(sp.Upload)))
		if errors.Is(err, os.ErrNotExist) {
			return nil, pipeline.Permanent(err)
		}
		return b, err
	}
	if s.enc == nil {
		return nil, pipeline.Permanent(errNoTranscoder)
	}
	if err := s.enc.ExtractSubtitle(ctx, s.sourcePath(title), *sp.Stream, scratch); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(scratch)
	if err != nil {
		return nil, err
	}
	tr, err := subtitle.Parse(data)
	if err != nil {
		return nil, err
	}
	return tr.VTT(), nil
}

// packagedSubtitles is the subtitles step's result; none when the
// graph has no such step.
func packagedSubtitles(t *pipeline.Task) ([]packager.SubtitleTrack, error) {
	if t.Job.Step(stepSubtitles) == nil {
		return nil, nil
	}
	var out []packager.SubtitleTrack
	if err := t.Result(stepSubtitles, &out); err != nil {
		return nil, pipeline.Permanent(err)
	}
	return out, nil
}

// catalogSubtitles is what the catalog lists of each track.
func catalogSubtitles(ts []packager.SubtitleTrack) []catalog.Subtitle {
	var out []catalog.Subtitle
	for _, t := range ts {
		out = append(out, catalog.Subtitle{Language: t.Language, Name: t.Name, Playlist: t.Dir + "/index.m3u8", File: t.Dir + "/" + packager.SubtitleFile, Cues: t.Cues})
	}
	return out
}

// readPart applies a metadata part or checks a subtitle part.
func readPart(meta *catalog.Metadata, subs []subtitleUpload, part *multipart.Part) ([]subtitleUpload, error) {
	defer part.Close()
	if !strings.HasPrefix(part.FormName(), subtitlePart) {
		return subs, readField(meta, part)
	}
	if len(subs) == maxSubtitleTracks {
		return nil, fmt.Errorf("%w: more than %d subtitle parts", errBadRequest, maxSubtitleTracks)
	}
	u, err := readSubtitle(part.FormName(), part)
	return append(subs, u), err
}

// trailingSubtitles reads the parts after the file: subtitle parts only.
func trailingSubtitles(mr *multipart.Reader, subs []subtitleUpload) ([]subtitleUpload, error) {
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return subs, nil
		}
		if err != nil {
			return nil, uploadError(err)
		}
		if !strings.HasPrefix(part.FormName(), subtitlePart) {
			part.Close()
			return nil, fmt.Errorf("%w: part %q after the file: metadata must come before the file (only subtitles.{lang} parts may follow it)", errBadRequest, clip(part.FormName()))
		}
		if subs, err = readPart(nil, subs, part); err != nil {
			return nil, err
		}
	}
}
