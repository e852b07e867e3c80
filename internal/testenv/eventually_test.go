package testenv

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestEventuallyWaitsForTheCondition(t *testing.T) {
	start := time.Now()
	took := Eventually(t, 5*time.Second, "30 ms to pass", func() bool { return time.Since(start) > 30*time.Millisecond })
	if took < 30*time.Millisecond {
		t.Fatalf("returned after %v", took)
	}
}

// fatalRecorder stands for a test that Fatalf ends.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestEventuallyErrFailsWithTheLastReason(t *testing.T) {
	defer func(w time.Duration) { minWait = w }(minWait)
	minWait = 0
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	n := 0
	go func() {
		defer close(done)
		EventuallyErr(rec, 50*time.Millisecond, "the answer", func() error {
			n++
			return errors.New("attempt " + fmt.Sprint(n))
		})
	}()
	<-done
	if !strings.HasPrefix(rec.msg, "the answer: not within 50ms: attempt ") || !strings.HasSuffix(rec.msg, fmt.Sprint(n)) {
		t.Fatalf("failure message %q after %d attempts", rec.msg, n)
	}
}

// TestEventuallyWaitsAtLeastMinWait: a bound shorter than minWait is
// raised to it, and the failure names the bound that applied.
func TestEventuallyWaitsAtLeastMinWait(t *testing.T) {
	defer func(w time.Duration) { minWait = w }(minWait)
	minWait = 200 * time.Millisecond
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		EventuallyErr(rec, 10*time.Millisecond, "never", func() error { return errNotYet })
	}()
	<-done
	if !strings.HasPrefix(rec.msg, "never: not within 200ms: ") {
		t.Fatalf("failure message %q, want the 200ms floor named", rec.msg)
	}
}
