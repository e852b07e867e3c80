package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller/client"
)

// demoSubtitleStep is the length of each cue of the demo's generated
// subtitles: one cue follows another, so some cue is always on screen.
const demoSubtitleStep = 2

// demoSubtitles is an English SubRip file for a title of seconds: cues
// "Line N" back to back, so the browse page's subtitles menu has a track
// to show at any time of playback.
func demoSubtitles(seconds int) client.Subtitle {
	var b strings.Builder
	for i, at := 1, 0; at < seconds; i, at = i+1, at+demoSubtitleStep {
		end := min(at+demoSubtitleStep, seconds)
		fmt.Fprintf(&b, "%d\n%s --> %s\nLine %d\n\n", i, srtTime(at), srtTime(end), i)
	}
	return client.Subtitle{Language: "en", FileName: "demo.en.srt", Body: strings.NewReader(b.String())}
}

func srtTime(s int) string { return fmt.Sprintf("%02d:%02d:%02d,000", s/3600, s/60%60, s%60) }

// demoMarkers are the markers the demo sets on a generated title: an
// intro over the first quarter and credits over the last sixth, so the
// player's "Skip intro" and "Next" have somewhere to be.
func demoMarkers(seconds int) catalog.Markers {
	return catalog.Markers{
		Intro:   &catalog.Marker{Start: 0, End: float64(seconds) / 4},
		Credits: &catalog.Marker{Start: float64(seconds) * 5 / 6},
	}
}

// putMarkers sets a title's playback markers through the controller's
// API (PUT /v1/titles/{id}/markers).
func putMarkers(ctx context.Context, cli *client.Client, id string, seconds int) error {
	if _, err := cli.SetMarkers(ctx, id, demoMarkers(seconds)); err != nil {
		return fmt.Errorf("demo: markers: %w", err)
	}
	return nil
}
