package main

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/transcode"
)

// TestWorkerOverrides: encoding flags given to a worker replace those
// settings of the controller's and only those; --ffmpeg is not an
// override.
func TestWorkerOverrides(t *testing.T) {
	cmd := newOriginWorkerCmd(&globalOpts{})
	if err := cmd.Flags().Parse([]string{"--ladder", "360p", "--preset", "slow", "--ffmpeg", "/opt/ffmpeg", "--scanner", "http://mine/scan"}); err != nil {
		t.Fatal(err)
	}
	ws := &workerSettings{flags: cmd.Flags(), overrides: overriddenFlags(cmd.Flags()), deps: controller.Deps{Logger: slog.New(slog.DiscardHandler)}}
	if want := []string{"ladder", "preset", "scanner"}; !slices.Equal(ws.overrides, want) {
		t.Fatalf("overrides %v, want %v", ws.overrides, want)
	}
	ws.base.Transcode.FFmpeg = "/opt/ffmpeg"
	c := controller.DefaultConfig("/data")
	ladder, _ := transcode.ParseLadder("240p")
	c.Transcode.Ladder, c.Transcode.SegmentDuration, c.Transcode.FFmpeg = ladder, 2*time.Second, "/opt/ffmpeg"
	c.Transcode.Codecs = []transcode.Codec{transcode.H264, transcode.HEVC}
	c.QC.BlackFail = 7 * time.Second
	c.Scanners = []string{"http://theirs/scan"}
	if err := ws.override(&c); err != nil {
		t.Fatal(err)
	}
	got := c.Transcode
	if got.Ladder.String() != "360p:800k" || got.Preset != "slow" || !slices.Equal(c.Scanners, []string{"http://mine/scan"}) {
		t.Errorf("overridden settings: ladder %s, preset %s, scanners %v", got.Ladder, got.Preset, c.Scanners)
	}
	if got.SegmentDuration != 2*time.Second || len(got.Codecs) != 2 || c.QC.BlackFail != 7*time.Second || got.FFmpeg != "/opt/ffmpeg" {
		t.Errorf("settings not overridden changed: %+v, QC black fail %v", got, c.QC.BlackFail)
	}
}
