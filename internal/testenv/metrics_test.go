package testenv

import (
	"net"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func TestMetricSumsMatchingSamples(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t_total", Help: "h"}, []string{"a", "b"})
	reg.MustRegister(c)
	c.WithLabelValues("x", "1").Add(2)
	c.WithLabelValues("x", "2").Add(3)
	c.WithLabelValues("y", "1").Add(5)
	for _, tc := range []struct {
		labels []string
		want   float64
	}{{nil, 10}, {[]string{"a", "x"}, 5}, {[]string{"a", "x", "b", "2"}, 3}, {[]string{"a", "z"}, 0}} {
		if got := Metric(t, reg, "t_total", tc.labels...); got != tc.want {
			t.Errorf("Metric(%v) = %v, want %v", tc.labels, got, tc.want)
		}
	}
	if got := Metric(t, reg, "absent_total"); got != 0 {
		t.Errorf("absent metric = %v", got)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/"
	if got := ScrapeMetric(t, url, "t_total", "b", "1"); got != 7 {
		t.Errorf("ScrapeMetric = %v, want 7", got)
	}
	fams, err := Scrape(url)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := fams.Value("t_total", "a", "y"); !ok || v != 5 {
		t.Errorf("Value(a=y) = %v, %v", v, ok)
	}
	if _, ok := fams.Value("t_total", "a", "z"); ok {
		t.Error("a series that does not exist was found")
	}
	if _, err := Scrape("http://" + FreeAddr(t) + "/"); err == nil {
		t.Error("scraping a closed port did not fail")
	}
}
