package chart

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func isPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 1000 {
		t.Errorf("%s: not a PNG (%d bytes)", path, len(b))
	}
}

func TestLinesAndBars(t *testing.T) {
	dir := t.TempDir()
	lines := filepath.Join(dir, "lines.png")
	err := Lines(lines, Figure{Title: "hit ratio", XLabel: "cache size", YLabel: "byte hit"}, true, []Series{
		{Name: "a", X: []float64{0.01, 0.1, 0.5}, Y: []float64{0.2, 0.5, 0.9}},
		{Name: "b", X: []float64{0.01, 0.1, 0.5}, Y: []float64{0.1, 0.4, 0.8}},
	})
	if err != nil {
		t.Fatal(err)
	}
	isPNG(t, lines)
	bars := filepath.Join(dir, "bars.png")
	err = Bars(bars, Figure{Title: "ratio", YLabel: "x"}, []string{"s1", "s2"}, []Series{
		{Name: "p", Y: []float64{1, 2}}, {Name: "q", Y: []float64{0.5, 1.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	isPNG(t, bars)
	if err := Bars(bars, Figure{}, []string{"s1"}, []Series{{Name: "p", Y: []float64{1, 2}}}); err == nil {
		t.Error("mismatched bars accepted")
	}
	if err := Lines(lines, Figure{}, false, []Series{{Name: "p", X: []float64{1}}}); err == nil {
		t.Error("mismatched line accepted")
	}
}
