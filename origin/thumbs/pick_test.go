package thumbs

import (
	"strings"
	"testing"
)

// frames samples a 100 s title at 4/s: colourful and detailed
// everywhere, with the changes each test makes.
func frames(change func(f *Frame)) []Frame {
	var out []Frame
	for i := range 400 {
		f := Frame{Time: float64(i) / 4, Luma: 120, Sat: 40, Entropy: 0.6, Diff: 2, Scene: 0.01}
		change(&f)
		out = append(out, f)
	}
	return out
}

// TestPosterRules: a poster is never black, never within a second of a
// cut and never flat, even when those frames would score best.
func TestPosterRules(t *testing.T) {
	r := DefaultConfig().Rules
	fs := frames(func(f *Frame) {
		switch {
		case f.Time >= 20 && f.Time < 30: // the best detail, but cut every 2 s
			f.Entropy = 0.95
		case f.Time >= 32 && f.Time < 40: // bright and saturated but flat
			f.Entropy, f.Sat, f.Luma = 0.1, 100, 128
		case f.Time >= 40 && f.Time < 50:
			f.Luma, f.Entropy = 16, 0.99 // black (noise in the dark)
		case f.Time >= 60 && f.Time < 61:
			f.Entropy = 0.8 // the best that passes every rule
		}
		if f.Time >= 20 && f.Time <= 32 && int(f.Time*4)%8 == 0 {
			f.Scene = 0.9
		}
	})
	p, err := r.PickPoster(fs, 100)
	if err != nil {
		t.Fatal(err)
	}
	if p.Time < 60 || p.Time >= 61 {
		t.Fatalf("poster at %.2f s (%s), want in [60, 61)", p.Time, p.Reason)
	}
	for _, want := range []string{"black", "near a cut", "low detail"} {
		if !strings.Contains(p.Reason, want) {
			t.Errorf("reason %q does not count %q rejections", p.Reason, want)
		}
	}
}

// TestPosterFallback: when every frame is black, the pick says so.
func TestPosterFallback(t *testing.T) {
	p, err := DefaultConfig().Rules.PickPoster(frames(func(f *Frame) { f.Luma = 16 }), 100)
	if err != nil || !strings.HasPrefix(p.Reason, "no candidate passed") {
		t.Fatalf("pick %+v, %v", p, err)
	}
	if _, err := DefaultConfig().Rules.PickPoster(nil, 100); err == nil {
		t.Fatal("no frames: want an error")
	}
}

// TestClipRules: the preview is the liveliest stretch without black,
// away from the opening and the credits.
func TestClipRules(t *testing.T) {
	r := DefaultConfig().Rules
	fs := frames(func(f *Frame) {
		switch {
		case f.Time < 8 || f.Time > 90: // lively opening and credits
			f.Diff = 50
		case f.Time >= 30 && f.Time < 40: // lively, but with black flashes
			f.Diff = 40
			if int(f.Time*4)%8 == 0 {
				f.Luma = 16
			}
		case f.Time >= 60 && f.Time < 70:
			f.Diff = 20
		}
	})
	p := r.PickClip(fs, 100, 6)
	if p.Time < 60 || p.Time+p.Length > 70 || p.Length != 6 {
		t.Fatalf("clip %+v, want 6 s inside [60, 70)", p)
	}
	if short := r.PickClip(fs, 4, 6); short.Time != 0 || short.Length != 4 {
		t.Fatalf("a 4 s title: clip %+v, want all of it", short)
	}
}
