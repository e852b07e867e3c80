package testenv

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metric returns the value of the metric family name in g: the sum of
// its samples whose labels include every name=value pair given (counter,
// gauge and untyped values; a histogram's count). 0 when none matches.
func Metric(t testing.TB, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	fams, err := g.Gather()
	if err != nil {
		t.Fatalf("testenv: gathering metrics: %v", err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return sum(f, labels)
		}
	}
	return 0
}

// ScrapeMetric is Metric over a daemon's /metrics URL (a process a test
// started); a scrape that fails fails the test.
func ScrapeMetric(t testing.TB, url, name string, labels ...string) float64 {
	t.Helper()
	fams, err := Scrape(url)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := fams.Value(name, labels...)
	return v
}

// Families are the metric families of one scrape, by name (a
// histogram's _bucket, _sum and _count samples are its family's).
type Families map[string]*dto.MetricFamily

// Scrape reads a /metrics page in the text format. It returns an error
// rather than failing the test, for polls of a daemon still starting.
func Scrape(url string) (Families, error) {
	// No connection outlives the scrape: goleak sees no idle keep-alive
	// goroutines at the end, and a daemon being killed breaks none.
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return nil, fmt.Errorf("testenv: scraping %s: %w", url, err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("testenv: parsing %s: %w", url, err)
	}
	return fams, nil
}

// Value is Metric over a scrape; ok is false when no sample of name has
// the labels (a test that needs the series to exist checks it).
func (f Families) Value(name string, labels ...string) (v float64, ok bool) {
	fam, found := f[name]
	if !found {
		return 0, false
	}
	for _, m := range fam.GetMetric() {
		if hasLabels(m, labels) {
			v, ok = v+value(m), true
		}
	}
	return v, ok
}

func sum(f *dto.MetricFamily, labels []string) float64 {
	total := 0.0
	for _, m := range f.GetMetric() {
		if hasLabels(m, labels) {
			total += value(m)
		}
	}
	return total
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			found = found || (l.GetName() == pairs[i] && l.GetValue() == pairs[i+1])
		}
		if !found {
			return false
		}
	}
	return true
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}
