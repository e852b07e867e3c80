package qc

import (
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
)

// flashSource writes 6 s of testsrc2 through vf.
func flashSource(t *testing.T, vf string) string {
	return mediatest.Filtered(t, 6, vf, "")
}

func alternate(a, b string) string { return mediatest.Flashing(a, b, 2, 4) }

func flashScanner(t *testing.T, action FlashAction) Flashes {
	th := testThresholds()
	th.Flashes = action
	return Flashes{FFmpeg: testenv.Tool(t, "ffmpeg"), Thresholds: th}
}

func checks(r Report) map[string][]Finding {
	out := map[string][]Finding{}
	for _, f := range r.Findings {
		out[f.Check] = append(out[f.Check], f)
	}
	return out
}

func wantStretch(t *testing.T, what string, fs []Finding, sev Severity) {
	t.Helper()
	if len(fs) != 1 {
		t.Fatalf("%s: %d findings %+v; want one stretch", what, len(fs), fs)
	}
	f := fs[0]
	if f.Start < 1.9 || f.Start > 2.2 || f.End < 3.7 || f.End > 4.1 || f.Severity != sev {
		t.Errorf("%s: %+v; want a %s over about 2.0–4.0 s", what, f, sev)
	}
	if f.Value < 5 || f.Value > 7 {
		t.Errorf("%s: %.1f flashes a second; want about 6", what, f.Value)
	}
	t.Logf("%s: %s", what, f.Message)
}

func TestFlashesFindsGeneralFlashing(t *testing.T) {
	src := flashSource(t, alternate("white", "black"))
	r := scan(t, flashScanner(t, FlashHold), input(t, src))
	c := checks(r)
	wantStretch(t, "white/black at 6 Hz", c[CheckFlash], Error)
	if len(c[CheckRedFlash]) != 0 {
		t.Errorf("white/black flashing reported as red: %+v", c[CheckRedFlash])
	}
	if r.Passed {
		t.Error("a report with flashing passed in hold mode")
	}
}

func TestFlashesFindsRedFlashing(t *testing.T) {
	// Red and a grey of the same luminance: only a red flash.
	src := flashSource(t, alternate("0xFF0000", "0x808080"))
	r := scan(t, flashScanner(t, FlashWarn), input(t, src))
	c := checks(r)
	wantStretch(t, "red/grey at 6 Hz", c[CheckRedFlash], Warning)
	if len(c[CheckFlash]) != 0 {
		t.Errorf("red/grey of equal luminance reported as general flashing: %+v", c[CheckFlash])
	}
	if !r.Passed {
		t.Error("a report with flashing failed in warn mode")
	}
}

func TestFlashesLeavesCalmSourceAlone(t *testing.T) {
	// Two ordinary cuts: to a dark blue scene at 3 s and back at 4.5 s.
	src := flashSource(t, "drawbox=c=navy:t=fill:enable='between(t,3,4.5)'")
	r := scan(t, flashScanner(t, FlashHold), input(t, src))
	if len(r.Findings) != 0 {
		t.Errorf("calm source with two cuts: findings %+v", r.Findings)
	}
}

func TestSwingCountsAFadeOnce(t *testing.T) {
	var s swing
	n := 0
	for i := range 100 { // black to white in 100 small steps, then back
		v := float32(i) / 99
		if s.step(v, v < lumaDarkBelow, lumaStep, true) != 0 {
			n++
		}
	}
	for i := range 100 {
		v := 1 - float32(i)/99
		if s.step(v, v < lumaDarkBelow, lumaStep, true) != 0 {
			n++
		}
	}
	if n != 2 {
		t.Errorf("a fade up and down made %d transitions; want 2", n)
	}
}

func TestSwingIgnoresBrightFlicker(t *testing.T) {
	var s swing
	for i := range 60 { // 0.85 ↔ 1.0: both states above 0.8
		v := float32(0.85)
		if i%2 == 1 {
			v = 1
		}
		if d := s.step(v, v < lumaDarkBelow, lumaStep, true); d != 0 {
			t.Fatalf("frame %d: transition %d between two bright states", i, d)
		}
	}
}

func TestFlashStretches(t *testing.T) {
	var ev []flashEvent
	for i := range 7 { // 7 transitions in 0.6 s: 3.5 flashes
		ev = append(ev, flashEvent{t: 1 + 0.1*float64(i)})
	}
	if got := flashStretches(ev, 3); len(got) != 1 || got[0].Start != 1 || got[0].End < 1.59 || got[0].PerSecond != 3.5 {
		t.Errorf("7 transitions in a second: %+v", got)
	}
	if got := flashStretches(ev[:6], 3); len(got) != 0 {
		t.Errorf("6 transitions (3 flashes) in a second: %+v; want none", got)
	}
	spread := []flashEvent{{t: 0}, {t: 0.4}, {t: 0.8}, {t: 1.2}, {t: 1.6}, {t: 2.0}, {t: 2.4}, {t: 2.8}}
	if got := flashStretches(spread, 3); len(got) != 0 {
		t.Errorf("transitions 0.4 s apart: %+v; want none", got)
	}
}

// frames of flashW×flashH rgb24: the left half grey level a, the right
// half b.
func halves(a, b byte) []byte {
	f := make([]byte, 3*flashCells)
	for i := range flashCells {
		v := a
		if i%flashW >= flashW/2 {
			v = b
		}
		f[3*i], f[3*i+1], f[3*i+2] = v, v, v
	}
	return f
}

// TestDetectorCountsAStaggeredChangeOnce: at 30 fps, the left half
// toggles black/white at 6 Hz and the right half follows one frame
// later. Each change is one transition, not one per half.
func TestDetectorCountsAStaggeredChangeOnce(t *testing.T) {
	d := newFlashDetector(0.25, 2)
	level := func(frame int) byte { // 3 frames white, 2 black
		if frame >= 0 && frame%5 < 3 {
			return 255
		}
		return 0
	}
	for n := range 60 {
		d.frame(halves(level(n), level(n-1)), float64(n)/30)
	}
	got := flashStretches(d.lumaTrack.events, 3)
	if len(got) != 1 || got[0].PerSecond < 5 || got[0].PerSecond > 7 {
		t.Errorf("staggered 6 Hz flash: %d events, stretches %+v; want about 6 flashes a second", len(d.lumaTrack.events), got)
	}
	// Half-screen flashing at 2 Hz: under the limit.
	d = newFlashDetector(0.25, 2)
	for n := range 60 {
		v := byte(0)
		if n%15 < 8 {
			v = 255
		}
		d.frame(halves(v, 40), float64(n)/30)
	}
	if got := flashStretches(d.lumaTrack.events, 3); len(got) != 0 {
		t.Errorf("2 Hz flashing: %+v; want none", got)
	}
}
