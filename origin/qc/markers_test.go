package qc

import (
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
)

func TestMarkersFindIntroAndCredits(t *testing.T) {
	vf, af := mediatest.Episode()
	src := mediatest.Filtered(t, 16, vf, af)
	r := scan(t, Markers{FFmpeg: testenv.Tool(t, "ffmpeg")}, input(t, src))
	c := checks(r)
	for _, f := range r.Findings {
		t.Logf("%s: %s", f.Check, f.Message)
	}
	if len(c[CheckIntro]) != 1 || len(c[CheckCredits]) != 1 || len(c[CheckSceneCuts]) != 1 {
		t.Fatalf("findings %+v; want an intro, credits and a cut count", r.Findings)
	}
	intro, cred, cuts := c[CheckIntro][0], c[CheckCredits][0], c[CheckSceneCuts][0]
	if intro.Start != 0 || intro.End < 3.4 || intro.End > 3.8 || intro.Value < 0.85 {
		t.Errorf("intro %+v; want 0–3.6 s with the fast-cut bonus", intro)
	}
	if cred.Start < 11.4 || cred.Start > 11.8 || cred.Value < 0.85 {
		t.Errorf("credits %+v; want from 11.6 s, dark and calm", cred)
	}
	if cuts.Value < 6 || cuts.Value > 14 {
		t.Errorf("scene cuts %v; want about 9", cuts.Value)
	}
	if !r.Passed || r.Errors+r.Warnings != 0 {
		t.Errorf("markers must only inform: %+v", r)
	}
}

func TestMarkersNothingOnPlainSource(t *testing.T) {
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 320, Height: 180})
	r := scan(t, Markers{FFmpeg: testenv.Tool(t, "ffmpeg")}, input(t, src))
	c := checks(r)
	if len(c[CheckIntro])+len(c[CheckCredits]) != 0 {
		t.Errorf("plain testsrc2 got markers: %+v", r.Findings)
	}
}

func TestDetectMarkersRules(t *testing.T) {
	cases := []struct {
		name           string
		black, silence []Interval
		cuts           []float64
		intro, credits bool
		noAudio        bool
	}{
		{"no gaps", nil, nil, []float64{5, 10}, false, false, false},
		{"black without silence", []Interval{{10, 11}}, nil, nil, false, false, false},
		{"gap past the first third", []Interval{{40, 41}}, []Interval{{40, 41}}, nil, false, false, false},
		{"intro gap and credits gap", []Interval{{10, 11}, {80, 81}}, []Interval{{10, 11}, {80, 81}}, nil, true, true, false},
		{"credits on black only", []Interval{{90, 100}}, nil, nil, false, true, false},
		{"short dark end", []Interval{{99, 100}}, nil, nil, false, false, false},
		{"no audio: black gaps", []Interval{{10, 11}, {80, 81}}, nil, nil, true, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := detectMarkers(c.black, c.silence, c.cuts, 100, !c.noAudio)
			if (m.Intro != nil) != c.intro || (m.Credits != nil) != c.credits {
				t.Errorf("intro %+v credits %+v; want intro %v credits %v", m.Intro, m.Credits, c.intro, c.credits)
			}
			if c.noAudio && m.Intro != nil && m.Intro.Confidence > 0.71 {
				t.Errorf("intro without audio at confidence %v", m.Intro.Confidence)
			}
		})
	}
}

func FuzzParseCuts(f *testing.F) {
	f.Add("[scdet @ 0x1] lavfi.scd.score: 34.7, lavfi.scd.time: 1\n[scdet @ 0x1] lavfi.scd.time: NaN\n")
	f.Add("[scdet lavfi.scd.time: -3\nlavfi.scd.time: 2\n")
	f.Fuzz(func(t *testing.T, log string) {
		cuts := ParseCuts(strings.NewReader(log))
		if len(cuts) > maxIntervals {
			t.Fatalf("%d cuts", len(cuts))
		}
		for _, c := range cuts {
			if c < 0 || c != c {
				t.Fatalf("cut at %v", c)
			}
		}
	})
}
