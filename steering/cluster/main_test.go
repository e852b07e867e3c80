package cluster

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

// memberlist's goroutines (schedulers, suspicion timers, stream handlers)
// end shortly after Shutdown; goleak retries for a while before failing,
// which waits for them without ignoring any by name. The peer tests run
// real cache.Server peers, hence fasthttp's process-wide goroutines.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, testenv.FasthttpGoroutines()...) }
