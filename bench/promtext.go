package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// promSample is one sample line of the Prometheus text exposition format.
type promSample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// parsePromText reads the samples of a /metrics page. It knows just
// enough of the format for the bench's needs: comments are skipped, label
// values may hold escaped quotes, an optional timestamp is ignored.
func parsePromText(r io.Reader) ([]promSample, error) {
	var out []promSample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		s, err := parsePromLine(line)
		if err != nil {
			return nil, fmt.Errorf("bench: metrics line %d: %w", ln, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func parsePromLine(line string) (promSample, error) {
	s := promSample{}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return s, fmt.Errorf("no value in %q", line)
	}
	s.Name, line = line[:i], line[i:]
	if line[0] == '{' {
		var err error
		if s.Labels, line, err = parsePromLabels(line[1:]); err != nil {
			return s, err
		}
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return s, fmt.Errorf("no value for %s", s.Name)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, fmt.Errorf("%s: %w", s.Name, err)
	}
	s.Value = v
	return s, nil
}

// parsePromLabels reads `a="x",b="y"}` and returns the labels and the
// rest of the line.
func parsePromLabels(in string) (map[string]string, string, error) {
	labels := map[string]string{}
	for {
		in = strings.TrimLeft(in, " ,")
		if strings.HasPrefix(in, "}") {
			return labels, in[1:], nil
		}
		name, rest, ok := strings.Cut(in, "=")
		if !ok || !strings.HasPrefix(rest, `"`) {
			return nil, "", fmt.Errorf("bad label in %q", in)
		}
		val, n, err := unquoteLabel(rest[1:])
		if err != nil {
			return nil, "", err
		}
		labels[strings.TrimSpace(name)] = val
		in = rest[1+n:]
	}
}

// unquoteLabel reads a label value up to its closing quote and returns it
// with the number of bytes consumed, the quote included.
func unquoteLabel(in string) (string, int, error) {
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		switch c := in[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 == len(in) {
				return "", 0, fmt.Errorf("unterminated label value")
			}
			i++
			if in[i] == 'n' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(in[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated label value")
}

// scrapeMetrics GETs a /metrics page and parses it.
func scrapeMetrics(ctx context.Context, c *http.Client, url string) ([]promSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bench: scrape %s: status %d", url, resp.StatusCode)
	}
	return parsePromText(resp.Body)
}

// sumBy sums the samples named name by the value of label.
func sumBy(samples []promSample, name, label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range samples {
		if s.Name == name {
			out[s.Labels[label]] += s.Value
		}
	}
	return out
}

// valueOf returns the value of the unlabelled sample name.
func valueOf(samples []promSample, name string) (float64, bool) {
	for _, s := range samples {
		if s.Name == name {
			return s.Value, true
		}
	}
	return 0, false
}
