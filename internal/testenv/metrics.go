package testenv

import (
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
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("testenv: scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("testenv: parsing %s: %v", url, err)
	}
	if f, ok := fams[name]; ok {
		return sum(f, labels)
	}
	return 0
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
