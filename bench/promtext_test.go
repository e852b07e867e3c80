package bench

import (
	"reflect"
	"strings"
	"testing"
)

const metricsPage = `# HELP vodedge_edge_requests_total Responses by HTTP status and the tier that served them.
# TYPE vodedge_edge_requests_total counter
vodedge_edge_requests_total{status="200",tier="HIT-RAM"} 1234
vodedge_edge_requests_total{status="200",tier="MISS"} 64
vodedge_edge_requests_total{status="404",tier="MISS"} 2
vodedge_edge_requests_total{status="206", tier="HIT-RAM"} 6 1700000000000
# TYPE vodedge_ram_bytes gauge
vodedge_ram_bytes 1.6777216e+08
vodedge_ram_items 64
odd_label{path="a\"b\\c\nd"} 1
`

func TestParsePromText(t *testing.T) {
	s, err := parsePromText(strings.NewReader(metricsPage))
	if err != nil {
		t.Fatal(err)
	}
	tiers := sumBy(s, "vodedge_edge_requests_total", "tier")
	if want := map[string]float64{"HIT-RAM": 1240, "MISS": 66}; !reflect.DeepEqual(tiers, want) {
		t.Errorf("tiers = %v, want %v", tiers, want)
	}
	if v, ok := valueOf(s, "vodedge_ram_bytes"); !ok || v != 167772160 {
		t.Errorf("vodedge_ram_bytes = %v, %v", v, ok)
	}
	if v, ok := valueOf(s, "vodedge_ram_items"); !ok || v != 64 {
		t.Errorf("vodedge_ram_items = %v, %v", v, ok)
	}
	if got := s[len(s)-1].Labels["path"]; got != "a\"b\\c\nd" {
		t.Errorf("escaped label = %q", got)
	}
}

func TestParsePromTextErrors(t *testing.T) {
	for _, bad := range []string{"novalue", `x{a="b"`, `x{a=b} 1`, `x{a="b} 1`, "x abc"} {
		if _, err := parsePromText(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParsePromText(f *testing.F) {
	f.Add(metricsPage)
	f.Fuzz(func(t *testing.T, page string) {
		_, _ = parsePromText(strings.NewReader(page))
	})
}
