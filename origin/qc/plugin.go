package qc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// ErrBadAnswer wraps a scanner answer that does not follow the contract
// (docs/api.md, "Content scanners"): retrying will not fix it.
var ErrBadAnswer = errors.New("qc: scanner answer breaks the contract")

// ErrScannerUnavailable wraps a scanner that could not be reached or
// answered 5xx/429: the step's retry may fix it.
var ErrScannerUnavailable = errors.New("qc: scanner unavailable")

// Plugin is a content scanner behind HTTP: it extracts Frames JPEG
// frames evenly spaced over the source, POSTs them with the title's ID
// as JSON to URL, and turns the answer's verdict and labels into
// findings. A "flag" or "fail" verdict is an error finding: the title
// is held until an operator approves it.
type Plugin struct {
	URL    string
	FFmpeg string
	// Frames is how many frames are sent (default 8), each scaled to
	// Width pixels wide (default 320).
	Frames int
	Width  int
	// Timeout bounds the scanner's answer (default 2 min).
	Timeout time.Duration
	// Transport, if set, carries the request (tests, proxies); the
	// default keeps no idle connection.
	Transport http.RoundTripper
}

// Name is "scanner " and the scanner's host and path.
func (p Plugin) Name() string {
	u, err := url.Parse(p.URL)
	if err != nil {
		return "scanner"
	}
	return "scanner " + u.Host + u.Path
}

// Scan extracts the frames, asks the scanner and rates its answer.
func (p Plugin) Scan(ctx context.Context, in Input, progress func(float64)) ([]Finding, error) {
	if progress == nil {
		progress = func(float64) {}
	}
	if _, ok := in.Source.MainVideo(); !ok {
		return nil, nil // nothing to show the scanner
	}
	frames, err := p.extract(ctx, in, func(f float64) { progress(f * 0.5) })
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(ScanRequest{Version: 1, Title: in.Title, Duration: in.Source.Duration.Seconds(), Frames: frames})
	if err != nil {
		return nil, err
	}
	ans, err := p.ask(ctx, body, in.Source.Duration.Seconds())
	if err != nil {
		return nil, err
	}
	progress(1)
	return p.findings(ans, in.Target), nil
}

// extract takes the frames, each with one short ffmpeg run that seeks
// to its time.
func (p Plugin) extract(ctx context.Context, in Input, progress func(float64)) ([]ScanFrame, error) {
	n, width := cmp(p.Frames, 8), cmp(p.Width, 320)
	dur := in.Source.Duration.Seconds()
	out := make([]ScanFrame, 0, n)
	for i := range n {
		at := dur * (float64(i) + 0.5) / float64(n)
		var jpeg bytes.Buffer
		err := ffmpeg.Run(ctx, ffmpeg.Cmd{Path: p.FFmpeg, Stdout: &jpeg, Args: []string{"-v", "error",
			"-ss", num(at), "-i", in.Path, "-map", "0:v:0", "-frames:v", "1",
			"-vf", fmt.Sprintf("scale=%d:-2", width), "-c:v", "mjpeg", "-q:v", "5", "-f", "image2pipe", "-"}})
		if err != nil {
			return nil, fmt.Errorf("qc: %s: frame at %.2f s: %w", p.Name(), at, err)
		}
		out = append(out, ScanFrame{Time: at, ContentType: "image/jpeg", Data: jpeg.Bytes()})
		progress(float64(i+1) / float64(n))
	}
	return out, nil
}

func cmp(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// maxAnswer bounds a scanner's answer.
const maxAnswer = 1 << 20

// ask POSTs the request and parses the answer.
func (p Plugin) ask(ctx context.Context, body []byte, duration float64) (*ScanAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, cmpDuration(p.Timeout, 2*time.Minute))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("qc: %s: %w", p.Name(), err)
	}
	req.Header.Set("Content-Type", "application/json")
	tr := p.Transport
	if tr == nil {
		tr = &http.Transport{DisableKeepAlives: true, Proxy: http.ProxyFromEnvironment}
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrScannerUnavailable, p.Name(), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: reading the answer: %w", ErrScannerUnavailable, p.Name(), err)
	}
	if err := answerStatus(resp.StatusCode, raw); err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name(), err)
	}
	ans, err := ParseScanAnswer(raw, duration)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name(), err)
	}
	return ans, nil
}

func cmpDuration(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// answerStatus classes a non-2xx answer: 5xx and 429 may pass on a
// retry, any other is the contract broken.
func answerStatus(code int, body []byte) error {
	switch {
	case code >= 200 && code < 300:
		return nil
	case code >= 500 || code == http.StatusTooManyRequests:
		return fmt.Errorf("%w: status %d: %s", ErrScannerUnavailable, code, snippet(body))
	}
	return fmt.Errorf("%w: status %d: %s", ErrBadAnswer, code, snippet(body))
}

// snippet is the start of a body, printable, for an error message.
func snippet(b []byte) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), 200)]), "?")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, s)
	if len(b) > 200 {
		s += "…"
	}
	return fmt.Sprintf("%q", strings.TrimSpace(s))
}

// findings turn an answer into one verdict finding and one per label.
func (p Plugin) findings(a *ScanAnswer, target string) []Finding {
	v := Finding{Scanner: p.Name(), Check: "verdict", Target: target, Severity: Info, Message: "passed"}
	switch a.Verdict {
	case VerdictFlag:
		v.Severity, v.Message = Error, "flagged for review: "+a.summary()
	case VerdictFail:
		v.Severity, v.Message = Error, "rejected: "+a.summary()
	}
	out := []Finding{v}
	for _, l := range a.Labels {
		out = append(out, Finding{Scanner: p.Name(), Check: "label", Target: target, Severity: Info,
			Message: fmt.Sprintf("%s (%.0f%%) at %s", l.Name, 100*l.Confidence, clock(l.Time)),
			Start:   l.Time, Value: l.Confidence})
	}
	return out
}
