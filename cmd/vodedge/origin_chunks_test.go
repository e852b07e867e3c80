package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/transcode"
)

func TestChunkDurationFlag(t *testing.T) {
	var d time.Duration
	f := chunkFlag{&d}
	if err := f.Set("90s"); err != nil || d != 90*time.Second || f.String() != "1m30s" {
		t.Errorf("90s: %v, %v, %q", err, d, f.String())
	}
	if err := f.Set("0"); err != nil || d != transcode.NoChunks || f.String() != "0s" {
		t.Errorf("0: %v, %v, %q", err, d, f.String())
	}
	if err := f.Set("soon"); err == nil {
		t.Error("accepted soon")
	}
	out, err := runBinary(t, "origin", "--chunk-duration", "soon")
	if err == nil || !strings.Contains(out, "--chunk-duration") {
		t.Errorf("origin --chunk-duration soon: %v, %q", err, out)
	}
}
