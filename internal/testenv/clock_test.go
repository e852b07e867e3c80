package testenv

import (
	"sync"
	"testing"
	"time"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	c := NewClock(start)
	for range 2 {
		if !c.Now().Equal(start) {
			t.Fatal("the clock moved by itself")
		}
	}
	if got := c.Advance(time.Hour); !got.Equal(start.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Fatalf("Advance: %v", got)
	}
	c.Set(start.Add(-time.Minute))
	if !c.Now().Equal(start.Add(-time.Minute)) {
		t.Fatal("Set back")
	}
	if c.Reads() != 4 {
		t.Fatalf("reads %d, want 4", c.Reads())
	}
}

func TestClockIsSafeForConcurrentUse(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(time.Unix(400, 0)) || c.Reads() != 401 {
		t.Fatalf("after 400 advances of 1 s: %v, %d reads", got, c.Reads())
	}
}
