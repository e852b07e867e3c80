// Package chart draws the bench's PNG figures with gonum/plot: hit ratio
// against cache size (lines), and per-peer figures by scenario (grouped
// bars). It knows nothing of the bench: series in, file out.
//
// Imports: gonum.org/v1/plot and the standard library.
package chart

import (
	"errors"
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Series is one named line or one set of bars.
type Series struct {
	Name string
	X, Y []float64 // X is ignored by Bars
}

// Figure is what both kinds of chart share.
type Figure struct {
	Title, XLabel, YLabel string
	// Width and Height in inches; 0 means 7 and 4.5.
	Width, Height float64
}

func (f Figure) size() (vg.Length, vg.Length) {
	w, h := f.Width, f.Height
	if w <= 0 {
		w = 7
	}
	if h <= 0 {
		h = 4.5
	}
	return vg.Length(w) * vg.Inch, vg.Length(h) * vg.Inch
}

func (f Figure) newPlot() *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = f.Title, f.XLabel, f.YLabel
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	return p
}

// Lines writes a line chart with points to path (PNG by its extension).
// With logX the X axis is logarithmic (every X must be > 0).
func Lines(path string, f Figure, logX bool, series []Series) error {
	if len(series) == 0 {
		return errors.New("chart: no series")
	}
	p := f.newPlot()
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	for i, s := range series {
		if len(s.X) != len(s.Y) || len(s.X) == 0 {
			return fmt.Errorf("chart: series %q: %d x values, %d y values", s.Name, len(s.X), len(s.Y))
		}
		xys := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xys[j].X, xys[j].Y = s.X[j], s.Y[j]
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("chart: series %q: %w", s.Name, err)
		}
		l.Color, pts.Color = plotutil.Color(i), plotutil.Color(i)
		l.Dashes, pts.Shape = plotutil.Dashes(i), plotutil.Shape(i)
		p.Add(l, pts)
		p.Legend.Add(s.Name, l, pts)
	}
	w, h := f.size()
	if err := p.Save(w, h, path); err != nil {
		return fmt.Errorf("chart: save %s: %w", path, err)
	}
	return nil
}

// Bars writes a grouped bar chart to path: one group per label, one bar
// per series in each group.
func Bars(path string, f Figure, labels []string, series []Series) error {
	if len(series) == 0 || len(labels) == 0 {
		return errors.New("chart: no bars")
	}
	p := f.newPlot()
	w := vg.Points(min(60/float64(len(series)), 18))
	for i, s := range series {
		if len(s.Y) != len(labels) {
			return fmt.Errorf("chart: series %q: %d values for %d labels", s.Name, len(s.Y), len(labels))
		}
		b, err := plotter.NewBarChart(plotter.Values(s.Y), w)
		if err != nil {
			return fmt.Errorf("chart: series %q: %w", s.Name, err)
		}
		b.LineStyle.Width = 0
		b.Color = plotutil.Color(i)
		b.Offset = w * vg.Length(float64(i)-float64(len(series)-1)/2)
		p.Add(b)
		p.Legend.Add(s.Name, b)
	}
	p.NominalX(labels...)
	p.Y.Min = 0
	width, height := f.size()
	if err := p.Save(width, height, path); err != nil {
		return fmt.Errorf("chart: save %s: %w", path, err)
	}
	return nil
}
