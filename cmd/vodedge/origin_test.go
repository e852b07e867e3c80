package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestOriginIngestThroughEdge runs the three binaries an operator would:
// `vodedge origin`, `vodedge ingest` (plain progress) and `vodedge edge`
// with the controller as its origin, then plays the title through the
// edge with ffmpeg.
func TestOriginIngestThroughEdge(t *testing.T) {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("# operators\norigin-test-token-0123456789\n"), 0o600)
	src := filepath.Join(dir, "test_pattern.mp4")
	writeSource(t, ffmpeg, src, "320x180", 25, 3)
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	org := start(t, "origin", "--data", filepath.Join(dir, "data"), "--listen", listen, "--admin", adminAddr, "--api-token-file", tokens,
		"--ladder", "180p,144p", "--preset", "ultrafast", "--segment-duration", "2s", "--workers", "2", "--ffmpeg", ffmpeg, "--ffprobe", testenv.Tool(t, "ffprobe"))
	org.waitReady(t, "http://"+adminAddr+"/readyz")
	base := "http://" + listen

	out, err := exec.Command(testenv.Vodedge(t), "ingest", src, "--origin", base, "--token-file", tokens, "--progress", "plain", "--tags", "demo").CombinedOutput()
	line := regexp.MustCompile(`(?m)^(test-pattern-[0-9a-f]{6})\tpublished\t(\S+)$`).FindStringSubmatch(string(out))
	if err != nil || line == nil || !strings.Contains(string(out), "transcode/video-h264-180p done") {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	id := line[1]
	if out, err := exec.Command(testenv.Vodedge(t), "ingest", src, "--origin", base, "--progress", "off").CombinedOutput(); err == nil || !strings.Contains(string(out), "401") {
		t.Errorf("ingest without a token: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"origin", "jobs"}, {"origin", "titles", "pattern"}} {
		out, err := exec.Command(testenv.Vodedge(t), append(args, "--origin", base, "--token-file", tokens)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), id) {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}

	edgeAddr, edgeAdmin := testenv.FreeAddr(t), testenv.FreeAddr(t)
	edge := start(t, "edge", "--listen", edgeAddr, "--admin", edgeAdmin, "--origin", base, "--disk-bytes", "0", "--access-log", "off")
	edge.waitReady(t, "http://"+edgeAdmin+"/readyz")
	if out, err := exec.Command(ffmpeg, "-v", "error", "-i", "http://"+edgeAddr+"/titles/"+id+"/master.m3u8", "-map", "0", "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("play through the edge: %v\n%s", err, out)
	}

	org.cmd.Process.Signal(syscall.SIGTERM)
	if err := org.wait(t, 30*time.Second); err != nil {
		t.Errorf("origin exit after SIGTERM: %v\n%s", err, org.stderr.String())
	}
}

func TestOriginRefusesAnOpenAPIUnlessAsked(t *testing.T) {
	out, err := exec.Command(testenv.Vodedge(t), "origin", "--data", t.TempDir(), "--listen", testenv.FreeAddr(t), "--admin", testenv.FreeAddr(t)).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--api-token-file") {
		t.Errorf("origin without tokens: %v\n%s", err, out)
	}
}
