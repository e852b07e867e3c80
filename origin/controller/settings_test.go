package controller

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/transcode"
)

// TestStepSettingsRoundTrip: what the controller publishes, a worker
// of the same build reads back, keeping its own binaries' paths.
func TestStepSettingsRoundTrip(t *testing.T) {
	cfg := DefaultConfig("/data")
	ladder, err := transcode.ParseLadder("480p,240p:300k")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Transcode.Ladder, cfg.Transcode.SegmentDuration, cfg.Transcode.Preset = ladder, 2*time.Second, "medium"
	cfg.Transcode.ChunkDuration, cfg.Transcode.FFmpeg = transcode.NoChunks, "/controller/ffmpeg"
	cfg.Scanners = []string{"http://scanner.example/scan"}
	b, err := stepSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "/controller/ffmpeg") {
		t.Errorf("the published settings carry the controller's ffmpeg path: %s", b)
	}
	s, err := DecodeStepSettings(b)
	if err != nil {
		t.Fatal(err)
	}
	worker := Config{DataDir: "/data"}
	worker.Transcode.FFmpeg = "/worker/ffmpeg"
	s.Apply(&worker)
	got := worker.Transcode
	if got.Ladder.String() != ladder.String() || got.SegmentDuration != 2*time.Second || got.Preset != "medium" || got.ChunkDuration != transcode.NoChunks {
		t.Errorf("transcode settings %+v, want the controller's", got)
	}
	if got.FFmpeg != "/worker/ffmpeg" || worker.QC != cfg.QC || len(worker.Scanners) != 1 {
		t.Errorf("worker config %+v: want its own ffmpeg, the controller's QC and scanners", worker)
	}
}

// TestStepSettingsRefused: settings of a newer version, with a field
// this build does not know, or with bad values are refused with a
// message saying why.
func TestStepSettingsRefused(t *testing.T) {
	b, err := stepSettings(DefaultConfig("/data"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	with := func(k string, v any) []byte {
		c := map[string]any{}
		for key, val := range m {
			c[key] = val
		}
		c[k] = v
		out, _ := json.Marshal(c)
		return out
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"newer version", with("version", StepSettingsVersion+1), "understands versions 1 to 1"},
		{"no version", with("version", 0), "version 0"},
		{"unknown field", with("denoise", true), `unknown field "denoise"`},
		{"bad preset", with("transcode", map[string]any{"Preset": "warp"}), "warp"},
		{"bad scanner", with("scanners", []string{"ftp://x"}), "ftp://x"},
		{"not JSON", []byte("{"), "step settings"},
	} {
		_, err := DecodeStepSettings(tc.in)
		if !errors.Is(err, ErrStepSettings) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want ErrStepSettings mentioning %q", tc.name, err, tc.want)
		}
	}
}

func FuzzDecodeStepSettings(f *testing.F) {
	b, _ := stepSettings(DefaultConfig("/data"))
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := DecodeStepSettings(in)
		if err != nil {
			return
		}
		if s.Version < 1 || s.Version > StepSettingsVersion || s.Transcode.SegmentDuration <= 0 {
			t.Fatalf("accepted %+v", s)
		}
	})
}
