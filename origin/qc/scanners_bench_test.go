package qc

import (
	"context"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
)

// BenchmarkSourceScanners times each built-in source scanner on the
// same 20 s 1280x720 source, so the new ones (flashes, markers) read as
// ratios to the defects pass of the same run.
func BenchmarkSourceScanners(b *testing.B) {
	ff := testenv.Tool(b, "ffmpeg")
	src := mediatest.Make(b, "", mediatest.Source{Seconds: 20, Width: 1280, Height: 720})
	in := input(b, src)
	for _, s := range []Scanner{Defects{FFmpeg: ff, Thresholds: DefaultThresholds()}, Flashes{FFmpeg: ff, Thresholds: DefaultThresholds()}, Markers{FFmpeg: ff}} {
		b.Run(s.Name(), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Scan(context.Background(), in, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(20*float64(b.N)/b.Elapsed().Seconds(), "source-s/s")
		})
	}
}
