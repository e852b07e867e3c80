package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

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
func demoMarkers(seconds int) map[string]map[string]float64 {
	return map[string]map[string]float64{
		"intro":   {"start": 0, "end": float64(seconds) / 4},
		"credits": {"start": float64(seconds) * 5 / 6},
	}
}

// putMarkers sets a title's playback markers through the controller's
// API (PUT /v1/titles/{id}/markers).
func putMarkers(ctx context.Context, cli *client.Client, token, id string, seconds int) error {
	body, err := json.Marshal(demoMarkers(seconds))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, cli.URL("/v1/titles/"+id+"/markers"), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("demo: markers: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("demo: markers: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
