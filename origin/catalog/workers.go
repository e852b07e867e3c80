package catalog

import (
	"runtime"
	"sync"

	"github.com/blevesearch/bleve/v2"
)

// bleve keeps one process-wide analysis queue whose workers its package
// init starts, whether or not an index is ever opened. Those goroutines
// would outlive every test and every Close, so this package stops them
// at init and runs them only while a catalog is open, counting open
// catalogs. This is package-level state because bleve's is.
var analysis struct {
	mu   sync.Mutex // protects open
	open int
}

func init() { bleve.Config.Shutdown() }

// startAnalysis starts bleve's workers for the first open catalog.
func startAnalysis() {
	analysis.mu.Lock()
	defer analysis.mu.Unlock()
	if analysis.open == 0 {
		bleve.Config.SetAnalysisQueueSize(max(2, runtime.NumCPU()))
	}
	analysis.open++
}

// stopAnalysis stops them when the last catalog closes.
func stopAnalysis() {
	analysis.mu.Lock()
	defer analysis.mu.Unlock()
	analysis.open--
	if analysis.open == 0 {
		bleve.Config.Shutdown()
	}
}
