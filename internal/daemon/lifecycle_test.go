package daemon

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestLifecycleRunsOnce: Begin succeeds once, Shutdown closes Stopping
// and waits for End, and a second Shutdown returns at once.
func TestLifecycleRunsOnce(t *testing.T) {
	l := NewLifecycle()
	if !l.Begin() || l.Begin() {
		t.Fatal("Begin must succeed exactly once")
	}
	ended := make(chan struct{})
	go func() {
		<-l.Stopping()
		l.SetStarted()
		l.End()
		close(ended)
	}()
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-ended
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if l.Begin() {
		t.Fatal("Begin after Shutdown")
	}
}

// TestLifecycleReleasesWhatNeverRan: Shutdown before Run releases in
// reverse order; Begin is refused afterwards.
func TestLifecycleReleasesWhatNeverRan(t *testing.T) {
	l := NewLifecycle()
	var order []int
	for i := range 3 {
		l.OnClose(func() { order = append(order, i) })
	}
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, []int{2, 1, 0}) || l.Started() || l.Begin() {
		t.Fatalf("released %v, started %v", order, l.Started())
	}
	l.Release() // nothing left
	if len(order) != 3 {
		t.Fatalf("released twice: %v", order)
	}
}

// TestLifecycleShutdownGivesUp: a run that does not end in time leaves
// Shutdown with the context's error.
func TestLifecycleShutdownGivesUp(t *testing.T) {
	l := NewLifecycle()
	l.Begin()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown of a run that never ends: %v", err)
	}
	l.End()
}
