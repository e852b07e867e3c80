package mediatest

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
)

// Filtered writes seconds of 320x180 testsrc2 at 30 fps with a 440 Hz
// tone, through the video filter vf (and the audio filter af, if any),
// into a new temporary directory and returns its path.
func Filtered(t testing.TB, seconds float64, vf, af string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "source.mp4")
	args := []string{"-hide_banner", "-nostdin", "-y", "-v", "error",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=320x180:r=30:d=%g", seconds),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=f=440:r=48000:d=%g", seconds)}
	if vf != "" {
		args = append(args, "-vf", vf)
	}
	if af != "" {
		args = append(args, "-af", af)
	}
	args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "60",
		"-c:a", "aac", "-b:a", "96k", "-shortest", out)
	if b, err := exec.Command(testenv.Tool(t, "ffmpeg"), args...).CombinedOutput(); err != nil {
		t.Fatalf("mediatest: ffmpeg %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// Flashing is a drawbox chain that fills the screen with color a, then
// b, toggling at 6 Hz (3 frames of a, 2 of b at 30 fps) over [from, to)
// seconds: a photosensitivity hazard when a and b differ enough.
func Flashing(a, b string, from, to float64) string {
	during := fmt.Sprintf("between(t,%g,%g)", from, to-0.01)
	on := during + "*lt(mod(t,0.16667),0.0833)"
	off := during + "*gte(mod(t,0.16667),0.0833)"
	return "drawbox=c=" + a + ":t=fill:enable='" + on + "',drawbox=c=" + b + ":t=fill:enable='" + off + "'"
}

// Episode is the filters of a 16 s "episode" for marker detection: an
// intro of fast cuts (red and blue fills alternating every 0.5 s) to
// 3 s, a black and silent gap over 3–3.6 s, the body (testsrc2, one cut
// to a navy scene over 7–8 s), a second gap at 11–11.6 s, then credits:
// a small white box scrolling up on black to the end, with the tone.
func Episode() (vf, af string) {
	vf = "drawbox=c=red:t=fill:enable='lt(t,3)*lt(mod(t,1),0.5)'," +
		"drawbox=c=blue:t=fill:enable='lt(t,3)*gte(mod(t,1),0.5)'," +
		"drawbox=c=black:t=fill:enable='between(t,3,3.6)'," +
		"drawbox=c=navy:t=fill:enable='between(t,7,8)'," +
		"drawbox=c=black:t=fill:enable='gte(t,11)'," +
		"drawbox=x=140:y='180-(t-11.6)*30':w=40:h=8:c=white:t=fill:enable='gte(t,11.6)'"
	af = "volume=enable='between(t,3,3.6)+between(t,11,11.6)':volume=0"
	return vf, af
}
