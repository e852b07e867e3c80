package fill

import (
	"testing"
	"time"
)

// FuzzParseWindow: a window that parses prints back to an equal window,
// lies within a day, and answers Open for any instant without panicking.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"02:00-14:00", "22:00-06:00", "00:00-00:00", " 9:05 - 17:30 ", "24:00-01:00", "02:00", "-", "2:0-3:0"} {
		f.Add(s, int64(1_767_225_600))
	}
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		w, err := ParseWindow(s, time.UTC)
		if err != nil {
			return
		}
		if w.Start < 0 || w.Start >= 24*time.Hour || w.End < 0 || w.End >= 24*time.Hour {
			t.Fatalf("window %q out of the day: %v", s, w)
		}
		again, err := ParseWindow(w.String()[:11], time.UTC)
		if err != nil || again.Start != w.Start || again.End != w.End {
			t.Fatalf("%q printed as %q reads back as %v, %v", s, w.String(), again, err)
		}
		at := time.Unix(unix%(1<<40), 0)
		if w.Start == w.End && !w.Open(at) {
			t.Fatalf("an always-open window %q closed at %v", s, at)
		}
	})
}
