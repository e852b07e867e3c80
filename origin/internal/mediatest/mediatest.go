package mediatest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
)

// Source describes the video to generate. Zero fields take small
// defaults: 4 s of 426x240 at 30 fps with a 440 Hz tone.
type Source struct {
	Seconds       float64
	Width, Height int
	FPS           int
	NoAudio       bool
	// Black makes the picture black over [Black[0], Black[1]) seconds.
	Black [2]float64
	// Silence mutes the audio over [Silence[0], Silence[1]) seconds.
	Silence [2]float64
	// Freeze repeats one frame over [Freeze[0], Freeze[1]) seconds.
	Freeze [2]float64
	// Name is the file name (its extension picks the container);
	// default "source.mp4".
	Name string
}

func (s Source) withDefaults() Source {
	if s.Seconds == 0 {
		s.Seconds = 4
	}
	if s.Width == 0 {
		s.Width, s.Height = 426, 240
	}
	if s.FPS == 0 {
		s.FPS = 30
	}
	if s.Name == "" {
		s.Name = "source.mp4"
	}
	return s
}

// Make writes the video into dir (t.TempDir() when dir is "") and
// returns its path. It skips the test when ffmpeg is missing.
func Make(t testing.TB, dir string, s Source) string {
	t.Helper()
	ffmpeg := testenv.Tool(t, "ffmpeg")
	s = s.withDefaults()
	if dir == "" {
		dir = t.TempDir()
	}
	out := filepath.Join(dir, s.Name)
	args := append(s.args(), out)
	if b, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
		t.Fatalf("mediatest: ffmpeg %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

func (s Source) args() []string {
	args := []string{"-hide_banner", "-nostdin", "-y", "-v", "error",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=%dx%d:r=%d:d=%g", s.Width, s.Height, s.FPS, s.Seconds)}
	if !s.NoAudio {
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("sine=f=440:r=48000:d=%g", s.Seconds))
	}
	if vf := s.videoFilter(); vf != "" {
		args = append(args, "-vf", vf)
	}
	if s.Silence[1] > s.Silence[0] {
		args = append(args, "-af", fmt.Sprintf("volume=enable='between(t,%g,%g)':volume=0", s.Silence[0], s.Silence[1]))
	}
	args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", fmt.Sprint(s.FPS*10))
	if !s.NoAudio {
		args = append(args, "-c:a", "aac", "-b:a", "96k", "-shortest")
	}
	return args
}

func (s Source) videoFilter() string {
	var f []string
	if s.Freeze[1] > s.Freeze[0] {
		// Drop the frames of the stretch; fps then fills the gap by
		// repeating the last frame before it, keeping timestamps.
		f = append(f, fmt.Sprintf("select='not(gte(t,%g)*lt(t,%g))',fps=%d", s.Freeze[0], s.Freeze[1], s.FPS))
	}
	if s.Black[1] > s.Black[0] {
		f = append(f, fmt.Sprintf("drawbox=c=black:t=fill:enable='between(t,%g,%g)'", s.Black[0], s.Black[1]))
	}
	return strings.Join(f, ",")
}

// Garbage writes a file that is not media at all and returns its path.
func Garbage(t testing.TB, dir, name string) string {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("this is not a video, just some text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
