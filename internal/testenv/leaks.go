package testenv

import "go.uber.org/goleak"

// FasthttpGoroutines are the goleak options for the goroutines fasthttp
// keeps for the whole process, which are no leak: the Date header
// refresher (started once, never stopped) and a stopped server's
// worker-pool cleaner, which notices the stop only after its idle sleep
// (MaxIdleWorkerDuration) and then exits. A package whose tests run a
// fasthttp server passes them to goleak.VerifyTestMain.
func FasthttpGoroutines() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.init.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	}
}
