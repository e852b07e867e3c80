package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// What the admin APIs answer, as far as the pages need it. The JSON is
// the daemons' documented API (steering/cluster.Status, fill.Status,
// steering.SiteStatus); the types are repeated here so that the pages do
// not pull in the daemons' packages.

type clusterView struct {
	Node    string         `json:"node"`
	Site    string         `json:"site"`
	Members []memberStatus `json:"members"`
}

type memberStatus struct {
	Name      string  `json:"name"`
	Self      bool    `json:"self"`
	Site      string  `json:"site"`
	State     string  `json:"state"`
	Liveness  string  `json:"liveness"`
	HTTPAddr  string  `json:"http_addr"`
	AdminAddr string  `json:"admin_addr"`
	Load      float64 `json:"load"`
	EgressBps uint64  `json:"egress_bps"`
	Version   string  `json:"version"`
}

// FillStatus is a node's fill progress (GET /v1/fill on its admin API).
type FillStatus struct {
	State       string           `json:"state"`
	Version     int64            `json:"version"`
	Applied     int64            `json:"applied"`
	Files       int              `json:"files"`
	FilesDone   int              `json:"files_done"`
	FilesFailed int              `json:"files_failed"`
	Bytes       int64            `json:"bytes"`
	BytesDone   int64            `json:"bytes_done"`
	BySource    map[string]int64 `json:"bytes_by_source"`
	RateBps     float64          `json:"rate_bytes_per_second"`
	WindowOpen  bool             `json:"window_open"`
	Window      string           `json:"window"`
	LastError   string           `json:"last_error,omitempty"`
}

type steerSite struct {
	Name  string `json:"name"`
	Nodes []struct {
		Name  string  `json:"name"`
		URL   string  `json:"url"`
		State string  `json:"state"`
		Load  float64 `json:"load"`
	} `json:"nodes"`
}

// nodeProbe is one poll of one edge's admin listener.
type nodeProbe struct {
	admin   string // base URL
	err     error  // the admin listener did not answer
	ready   bool
	detail  string // /readyz body
	cluster *clusterView
	fill    *FillStatus // nil when the node runs no fill agent
	metrics families
}

// prober fetches admin endpoints with the admin token.
type prober struct {
	http  *http.Client
	token string
}

// node polls one edge: readiness first (an unreachable node costs one
// timeout), then the rest at once.
func (p prober) node(ctx context.Context, admin string) *nodeProbe {
	np := &nodeProbe{admin: admin}
	body, code, err := p.get(ctx, admin+"/readyz")
	if err != nil {
		np.err = err
		return np
	}
	np.ready, np.detail = code == http.StatusOK, strings.TrimSpace(string(body))
	var wg sync.WaitGroup
	wg.Go(func() {
		var cv clusterView
		if p.getJSON(ctx, admin+"/v1/cluster", &cv) == nil {
			np.cluster = &cv
		}
	})
	wg.Go(func() {
		var fs FillStatus
		if p.getJSON(ctx, admin+"/v1/fill", &fs) == nil {
			np.fill = &fs
		}
	})
	wg.Go(func() { np.metrics, _ = p.metrics(ctx, admin) })
	wg.Wait()
	return np
}

func (p prober) get(ctx context.Context, url string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return body, resp.StatusCode, err
}

func (p prober) getJSON(ctx context.Context, url string, out any) error {
	body, code, err := p.get(ctx, url)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("webui: GET %s: status %d", url, code)
	}
	return json.Unmarshal(body, out)
}

func (p prober) metrics(ctx context.Context, admin string) (families, error) {
	body, code, err := p.get(ctx, admin+"/metrics")
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("webui: GET %s/metrics: status %d", admin, code)
	}
	return parseMetrics(strings.NewReader(string(body)))
}

// families is a parsed /metrics page.
type families map[string]*dto.MetricFamily

func parseMetrics(r io.Reader) (families, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(r)
	return families(mfs), err
}

// sum adds the values of a metric's series whose labels match the
// name=value pairs given.
func (f families) sum(name string, match ...string) float64 {
	total := 0.0
	for _, m := range f[name].GetMetric() {
		if labelsMatch(m, match) {
			total += value(m)
		}
	}
	return total
}

// by sums a metric's values per value of one label.
func (f families) by(name, label string, match ...string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range f[name].GetMetric() {
		if !labelsMatch(m, match) {
			continue
		}
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				out[lp.GetValue()] += value(m)
			}
		}
	}
	return out
}

func labelsMatch(m *dto.Metric, match []string) bool {
	for i := 0; i+1 < len(match); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == match[i] && lp.GetValue() == match[i+1] {
				found = true
			}
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
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}
