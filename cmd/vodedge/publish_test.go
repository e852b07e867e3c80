package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
)

// writeTestSource writes a 4-second 320×180 test pattern with a tone to
// src, for a controller to ingest.
func writeTestSource(t *testing.T, ffmpeg, src string) { writeSource(t, ffmpeg, src, "320x180", 25, 4) }

// writeSource writes a generated H.264/AAC source of the given size
// (WxH), frame rate and length to src.
func writeSource(t testing.TB, ffmpeg, src, size string, fps, seconds int) {
	t.Helper()
	d := strconv.Itoa(seconds)
	if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=%s:r=%d:d=%s", size, fps, d), "-f", "lavfi", "-i", "sine=d="+d,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", src).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// ingestPublished ingests src through the controller at ctl with `vodedge
// ingest` and returns the published title, read with get (GET path of
// the controller's API into out, returning the status).
func ingestPublished(t *testing.T, ctl, tokens, src string, get func(path string, out any) int) catalog.Title {
	t.Helper()
	out, err := exec.Command(testenv.Vodedge(t), "ingest", src, "--origin", ctl, "--token-file", tokens, "--progress", "plain").CombinedOutput()
	line := regexp.MustCompile(`(?m)^(\S+)\tpublished\t`).FindStringSubmatch(string(out))
	if err != nil || line == nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	var title catalog.Title
	if code := get("/v1/titles/"+line[1], &title); code != 200 || len(title.Files) == 0 {
		t.Fatalf("title %s: %d, %d files", line[1], code, len(title.Files))
	}
	return title
}
