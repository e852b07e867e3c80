package fill

import (
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	loc := time.FixedZone("X", 2*3600)
	day := func(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, loc) }
	w, err := ParseWindow("02:00-14:00", loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		h, m  int
		open  bool
		until time.Duration
	}{{1, 59, false, time.Minute}, {2, 0, true, 0}, {13, 59, true, 0}, {14, 0, false, 12 * time.Hour}, {23, 0, false, 3 * time.Hour}} {
		if got := w.Open(day(tc.h, tc.m)); got != tc.open {
			t.Errorf("%02d:%02d open=%v", tc.h, tc.m, got)
		}
		if got := w.Until(day(tc.h, tc.m)); got != tc.until {
			t.Errorf("%02d:%02d until=%v want %v", tc.h, tc.m, got, tc.until)
		}
	}
	if r := w.Remaining(day(13, 0)); r != time.Hour {
		t.Errorf("remaining %v", r)
	}
	night, _ := ParseWindow("22:00-06:00", loc)
	if !night.Open(day(23, 0)) || !night.Open(day(5, 0)) || night.Open(day(12, 0)) {
		t.Error("midnight-spanning window")
	}
	if r := night.Remaining(day(23, 0)); r != 7*time.Hour {
		t.Errorf("night remaining %v", r)
	}
	always, _ := ParseWindow("00:00-00:00", loc)
	if !always.Open(day(12, 34)) {
		t.Error("00:00-00:00 must always be open")
	}
	for _, bad := range []string{"", "2-14", "02:00", "25:00-26:00", "aa:bb-cc:dd"} {
		if _, err := ParseWindow(bad, loc); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
