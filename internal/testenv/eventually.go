package testenv

import (
	"errors"
	"testing"
	"time"
)

// Eventually polls cond every 10 ms until it holds and returns how long
// that took; after d (at least minWait) it fails the test naming what it
// waited for. Tests
// wait with it for state a server records after answering (counters,
// membership), never with a fixed sleep.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	return EventuallyErr(t, d, what, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
}

var errNotYet = errors.New("the condition does not hold")

// minWait is the least any wait lasts before it fails the test, whatever
// d its caller gave: a bound only ends a test whose condition never
// comes, it times nothing, and on the shared 2-core CI machine a test
// starved by the race detector and its neighbours took longer than the
// 2–5 s some callers gave (memberlist convergence, steering's view).
// A wait that succeeds returns as soon as its condition holds.
var minWait = 30 * time.Second

// EventuallyErr is Eventually for a check that says why it does not hold
// yet: it polls check every 10 ms until it returns nil and returns how
// long that took; after d (at least minWait) it fails the test with
// check's last error.
// check runs on the test's goroutine, so it may itself fail the test at
// once (a process that exited, a state that cannot change any more).
func EventuallyErr(t testing.TB, d time.Duration, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		if bound := max(d, minWait); time.Since(start) > bound {
			t.Fatalf("%s: not within %v: %v", what, bound, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
