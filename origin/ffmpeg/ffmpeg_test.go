package ffmpeg

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunReportsProgress(t *testing.T) {
	bin := testenv.Tool(t, "ffmpeg")
	var got []Progress
	err := Run(context.Background(), Cmd{
		Path:     bin,
		Args:     []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=s=64x64:r=25:d=2", "-f", "null", "-"},
		Progress: func(p Progress) { got = append(got, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	last := got[len(got)-1]
	if !last.Done || last.Frame != 50 || last.OutTime != 2*time.Second || last.Fraction(2*time.Second) != 1 {
		t.Errorf("last progress = %+v", last)
	}
}

func TestRunFailureCarriesReason(t *testing.T) {
	bin := testenv.Tool(t, "ffmpeg")
	err := Run(context.Background(), Cmd{Path: bin, Args: []string{"-v", "error", "-i", "/nonexistent/x.mp4", "-f", "null", "-"}})
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "No such file") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunCancelKills(t *testing.T) {
	bin := testenv.Tool(t, "ffmpeg")
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Cmd{Path: bin,
			Args: []string{"-re", "-f", "lavfi", "-i", "testsrc2=s=64x64:r=25:d=60", "-f", "null", "-"},
			Progress: func(Progress) {
				select {
				case started <- struct{}{}:
				default:
				}
			}})
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ffmpeg not killed within 10s")
	}
}

func TestParseProgressBlocks(t *testing.T) {
	in := "frame=10\nfps=0.0\nout_time_us=400000\nout_time=00:00:00.4\nspeed=2.5x\ntotal_size=1234\nprogress=continue\n" +
		"frame=20\nout_time_us=N/A\nspeed=N/A\nprogress=end\n"
	var got []Progress
	if err := ParseProgress(strings.NewReader(in), func(p Progress) { got = append(got, p) }); err != nil {
		t.Fatal(err)
	}
	want := []Progress{
		{Frame: 10, OutTime: 400 * time.Millisecond, Speed: 2.5, TotalSize: 1234},
		{Frame: 20, OutTime: 400 * time.Millisecond, Speed: 2.5, TotalSize: 1234, Done: true},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if f := got[0].Fraction(time.Second); f != 0.4 {
		t.Errorf("fraction = %v", f)
	}
}

func FuzzParseProgress(f *testing.F) {
	f.Add("frame=1\nout_time_us=9223372036854775807\nspeed=1e300x\nprogress=continue\n")
	f.Add("progress=end\n")
	f.Add(strings.Repeat("x", maxLine+10) + "\nprogress=end\n")
	f.Fuzz(func(t *testing.T, in string) {
		err := ParseProgress(strings.NewReader(in), func(p Progress) {
			if p.Frame < 0 || p.OutTime < 0 || p.Speed < 0 || p.TotalSize < 0 {
				t.Fatalf("negative field in %+v", p)
			}
			if fr := p.Fraction(time.Second); fr < 0 || fr > 1 {
				t.Fatalf("fraction %v", fr)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// With Stdout set, raw frames come on stdout and progress still arrives
// (on descriptor 3).
func TestRunStdoutCarriesFramesBesideProgress(t *testing.T) {
	bin := testenv.Tool(t, "ffmpeg")
	var frames countWriter
	var last Progress
	err := Run(context.Background(), Cmd{
		Path:     bin,
		Args:     []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=s=16x8:r=10:d=1", "-f", "rawvideo", "-pix_fmt", "gray", "-"},
		Stdout:   &frames,
		Progress: func(p Progress) { last = p },
	})
	if err != nil {
		t.Fatal(err)
	}
	if frames.n != 10*16*8 {
		t.Errorf("stdout carried %d bytes; want 10 frames of 16x8 = %d", frames.n, 10*16*8)
	}
	if !last.Done || last.Frame != 10 {
		t.Errorf("last progress = %+v", last)
	}
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
