package urlsign

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, testenv.FasthttpGoroutines()...) }
