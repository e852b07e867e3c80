package thumbs

import (
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAnalyzeFindsCuts runs the analysis on a real source of four 3 s
// shots (test pattern, colour bars, another pattern, a flat colour):
// the cuts are found at 3, 6 and 9 s and nowhere else, the flat shot
// has low entropy, and the poster is neither near a cut nor flat.
func TestAnalyzeFindsCuts(t *testing.T) {
	c := testConfig(t)
	src := filepath.Join(t.TempDir(), "cuts.mp4")
	args := []string{"-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=s=426x240:r=30:d=3", "-f", "lavfi", "-i", "smptehdbars=s=426x240:r=30:d=3",
		"-f", "lavfi", "-i", "testsrc=s=426x240:r=30:d=3", "-f", "lavfi", "-i", "color=c=0x3060a0:s=426x240:r=30:d=3",
		"-filter_complex", "[0][1][2][3]concat=n=4:v=1:a=0,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast", src}
	if out, err := exec.Command(c.FFmpeg, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	frames, err := c.Analyze(context.Background(), src, 12*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cuts []float64
	for _, f := range frames {
		if f.Scene >= c.Rules.CutScore {
			cuts = append(cuts, f.Time)
		}
		if f.Time >= 9.5 && f.Entropy >= c.Rules.MinEntropy {
			t.Errorf("the flat shot at %.2f s has entropy %.2f", f.Time, f.Entropy)
		}
	}
	if len(cuts) != 3 || math.Abs(cuts[0]-3) > 0.3 || math.Abs(cuts[1]-6) > 0.3 || math.Abs(cuts[2]-9) > 0.3 {
		t.Fatalf("cuts at %v, want 3, 6 and 9 s", cuts)
	}
	p, err := c.Rules.PickPoster(frames, 12)
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range cuts {
		if math.Abs(p.Time-cut) <= 1 {
			t.Errorf("poster at %.2f s is within 1 s of the cut at %.2f s", p.Time, cut)
		}
	}
	if p.Time >= 9 || !strings.Contains(p.Reason, "near a cut") || !strings.Contains(p.Reason, "low detail") {
		t.Errorf("poster %+v: want one before the flat shot, with cut and low-detail rejections counted", p)
	}
}
