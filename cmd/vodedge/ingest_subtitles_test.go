package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestIngestSubtitlesFlag: malformed --subtitles values, and subtitles
// with several FILEs, are refused before anything is uploaded.
func TestIngestSubtitlesFlag(t *testing.T) {
	for _, args := range [][]string{
		{"--subtitles", "en", "movie.mp4"},
		{"--subtitles", "=en.srt", "movie.mp4"},
		{"--subtitles", "en=a.srt", "one.mp4", "two.mp4"},
	} {
		cmd := newIngestCmd(nil)
		cmd.SetArgs(append([]string{"--origin", "http://127.0.0.1:1"}, args...))
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--subtitles") {
			t.Errorf("%v: %v, want an error naming --subtitles", args, err)
		}
	}
}

// TestIngestSubtitlesThroughEdge runs `vodedge ingest --subtitles` against
// a real `vodedge origin`, then plays the subtitle rendition through a
// real edge (pull-through from the controller), which serves the WebVTT
// segments as text/vtt; a bad file is refused naming its line.
func TestIngestSubtitlesThroughEdge(t *testing.T) {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("origin-test-token-0123456789\n"), 0o600)
	src := filepath.Join(dir, "film.mp4")
	writeSource(t, ffmpeg, src, "320x180", 25, 3)
	en, bad := filepath.Join(dir, "film.en.srt"), filepath.Join(dir, "bad.vtt")
	os.WriteFile(en, []byte("1\n00:00:00,400 --> 00:00:02,600\nA line through the edge\n"), 0o644)
	os.WriteFile(bad, []byte("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 --> 00:00:02.000\nbackwards\n"), 0o644)
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	org := start(t, "origin", "--data", filepath.Join(dir, "data"), "--listen", listen, "--admin", adminAddr, "--api-token-file", tokens,
		"--ladder", "144p", "--preset", "ultrafast", "--segment-duration", "1s", "--workers", "2", "--ffmpeg", ffmpeg, "--ffprobe", testenv.Tool(t, "ffprobe"))
	org.waitReady(t, "http://"+adminAddr+"/readyz")
	base := "http://" + listen

	out, err := exec.Command(testenv.Vodedge(t), "ingest", src, "--subtitles", "fr="+bad, "--origin", base, "--token-file", tokens, "--progress", "off").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "422") || !strings.Contains(string(out), "line 6") {
		t.Errorf("ingest with a bad subtitle file: %v\n%s", err, out)
	}
	out, err = exec.Command(testenv.Vodedge(t), "ingest", src, "--subtitles", "en="+en, "--origin", base, "--token-file", tokens, "--progress", "off").CombinedOutput()
	line := regexp.MustCompile(`(?m)^(film-[0-9a-f]{6})\tpublished\t`).FindStringSubmatch(string(out))
	if err != nil || line == nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	edgeAddr, edgeAdmin := testenv.FreeAddr(t), testenv.FreeAddr(t)
	edge := start(t, "edge", "--listen", edgeAddr, "--admin", edgeAdmin, "--origin", base, "--disk-bytes", "0", "--access-log", "off")
	edge.waitReady(t, "http://"+edgeAdmin+"/readyz")
	title := "http://" + edgeAddr + "/titles/" + line[1] + "/"
	out, err = exec.Command(ffmpeg, "-v", "error", "-i", title+"subs-en/index.m3u8", "-f", "webvtt", "-").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "00:00.400 --> 00:02.600\nA line through the edge") {
		t.Errorf("subtitles through the edge: %v\n%s", err, out)
	}
	resp, err := http.Get(title + "subs-en/seg-00000.vtt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/vtt" || !strings.Contains(string(body), "X-TIMESTAMP-MAP=") {
		t.Errorf("segment through the edge: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// Kept like a media segment: a later request is a hit (the RAM
	// tier's admission is asynchronous, so ask until it is).
	testenv.Eventually(t, 20*time.Second, "a cache hit for the subtitle segment", func() bool {
		resp, err := http.Get(title + "subs-en/seg-00000.vtt")
		if err != nil {
			return false
		}
		again, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.HasPrefix(resp.Header.Get("X-Cache"), "HIT") && string(again) == string(body)
	})
}
