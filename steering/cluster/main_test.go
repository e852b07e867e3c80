package cluster

import (
	"testing"

	"go.uber.org/goleak"
)

// memberlist's goroutines (schedulers, suspicion timers, stream handlers)
// end shortly after Shutdown; goleak retries for a while before failing,
// which waits for them without ignoring any by name. The peer tests run
// real cache.Server peers, hence fasthttp's process-wide goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// fasthttp keeps one process-wide goroutine refreshing the Date header.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.init.func1"),
		// A stopped server's worker-pool cleaner notices the stop only after
		// its idle-worker sleep; it does exit.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	)
}
