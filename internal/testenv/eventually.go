package testenv

import (
	"testing"
	"time"
)

// Eventually polls cond every 10 ms until it holds and returns how long
// that took; after d it fails the test naming what it waited for. Tests
// wait with it for state a server records after answering (counters,
// membership), never with a fixed sleep.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}
