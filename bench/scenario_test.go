package bench

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseScenario(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Scenario
	}{
		{"hot-2MiB", DefaultScenarios()[0]},
		{"hot-16KiB", DefaultScenarios()[1]},
		{"big=8x4MiB", Scenario{Name: "big", Objects: 8, Size: 4 << 20}},
		{"s=50x16KiB:rps>=1.2", Scenario{Name: "s", Objects: 50, Size: 16 << 10, Target: Target{MetricRequests, 1.2}}},
		{" t=3x1000:throughput>=0.9 ", Scenario{Name: "t", Objects: 3, Size: 1000, Target: Target{MetricThroughput, 0.9}}},
		{"mix=8xplayer:rps>=1", Scenario{Name: "mix", Objects: 8, Mix: MixPlayer, Target: Target{MetricRequests, 1}}},
	} {
		got, err := ParseScenario(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseScenario(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseScenarioErrors(t *testing.T) {
	for in, want := range map[string]string{
		"nosuch":                 "not a default scenario",
		"a=8":                    "COUNTxSIZE",
		"a=ex2MiB":               "object count",
		"a=8x2QiB":               "not a byte count",
		"a=0x2MiB":               "objects must be",
		"a=8x0":                  "object size",
		"../etc=8x1":             "scenario name",
		"a=8x1:rps":              "METRIC>=RATIO",
		"a=8x1:latency>=1":       "target metric",
		"a=8x1:rps>=0":           "target ratio",
		"a=8x1:rps>=NaN":         "target ratio",
		"a=2000000x1":            "objects must be",
		"a=1x2GiB":               "object size",
		"a=8x1:throughput>=abc":  "invalid syntax",
		"a=8x1:throughput>=+Inf": "target ratio",
		"a=8xplayers":            "not a byte count",
	} {
		_, err := ParseScenario(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseScenario(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func TestParseScenariosRejectsDuplicates(t *testing.T) {
	if _, err := ParseScenarios([]string{"hot-2MiB", "hot-2MiB=1x1"}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("err = %v, want 'given twice'", err)
	}
	if _, err := ParseScenarios(nil); err == nil {
		t.Error("no scenarios accepted")
	}
}

func TestScenarioStringRoundTrip(t *testing.T) {
	for _, s := range append(DefaultScenarios(), Scenario{Name: "odd", Objects: 3, Size: 1000}, Scenario{Name: "m", Objects: 2, Mix: MixPlayer}) {
		back, err := ParseScenario(s.String())
		if err != nil || !reflect.DeepEqual(back, s) {
			t.Errorf("ParseScenario(%q) = %+v, %v; want %+v", s.String(), back, err, s)
		}
	}
}

func TestScenarioPaths(t *testing.T) {
	got := Scenario{Name: "x", Objects: 3, Size: 1}.Paths()
	want := []string{"/x/00001.m4s", "/x/00002.m4s", "/x/00003.m4s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Paths = %v, want %v", got, want)
	}
}

// TestPlayerMix: a session is 3 playlists then video and audio
// segments in turn, and the proportions are those documented in mix.go.
func TestPlayerMix(t *testing.T) {
	s := Scenario{Name: "m", Objects: 2, Mix: MixPlayer}
	fs := s.Files()
	if len(fs) != 2*(3+2*playerSegments) || fs[0].path != "/m/t001/master.m3u8" || fs[4].path != "/m/t001/audio-aac-128k/seg-00001.m4s" {
		t.Fatalf("files: %d, %v", len(fs), fs[:5])
	}
	var video int64
	for _, f := range fs {
		if strings.Contains(f.path, "video-720p/seg-") {
			video += f.size
		}
	}
	if share := float64(video) / float64(s.Bytes()); share < 0.94 || share > 0.96 {
		t.Errorf("video is %.3f of the bytes, want about 0.95", share)
	}
	if err := s.validate(); err != nil {
		t.Error(err)
	}
	if err := (Scenario{Name: "m", Objects: 2, Mix: "other"}).validate(); err == nil {
		t.Error("an unknown mix was accepted")
	}
}

func FuzzParseScenario(f *testing.F) {
	for _, s := range []string{"hot-2MiB", "a=8x2MiB", "s=50x16KiB:rps>=1.2", "a=8x1:throughput>=abc", "m=2xplayer:rps>=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseScenario(in)
		if err != nil {
			return
		}
		back, err := ParseScenario(s.String())
		if err != nil {
			t.Fatalf("ParseScenario(%q) ok, but its String %q does not parse: %v", in, s.String(), err)
		}
		if back.Name != s.Name || back.Objects != s.Objects || back.Size != s.Size || back.Target.Metric != s.Target.Metric {
			t.Fatalf("round trip of %q: %+v became %+v", in, s, back)
		}
	})
}
