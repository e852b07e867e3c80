package bench

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WrkResult is what one wrk run printed.
type WrkResult struct {
	Requests       int64         `json:"requests"`
	Elapsed        time.Duration `json:"elapsed_ns"`
	BytesRead      float64       `json:"bytes_read"` // as printed: 3 significant digits
	RequestsPerSec float64       `json:"requests_per_sec"`
	TransferPerSec float64       `json:"transfer_bytes_per_sec"` // as printed: 3 significant digits
	// Latency percentiles from the --latency block (0 without it).
	LatencyP50 time.Duration `json:"latency_p50_ns"`
	LatencyP75 time.Duration `json:"latency_p75_ns"`
	LatencyP90 time.Duration `json:"latency_p90_ns"`
	LatencyP99 time.Duration `json:"latency_p99_ns"`
	// Non2xx counts "Non-2xx or 3xx responses".
	Non2xx int64        `json:"non_2xx_3xx"`
	Socket SocketErrors `json:"socket_errors"`
	// FirstError is a socket error's cause (the first on the first
	// connection that had one), from the discard client (wrk does not
	// say).
	FirstError string `json:"first_error,omitempty"`
}

// SocketErrors is wrk's "Socket errors:" line; wrk prints it only when one
// of them is not zero. Timeouts are requests slower than wrk's --timeout.
type SocketErrors struct {
	Connect int64 `json:"connect"`
	Read    int64 `json:"read"`
	Write   int64 `json:"write"`
	Timeout int64 `json:"timeout"`
}

// Total is the sum of all socket errors.
func (s SocketErrors) Total() int64 { return s.Connect + s.Read + s.Write + s.Timeout }

// add adds o's counts to s's.
func (s *SocketErrors) add(o SocketErrors) {
	s.Connect += o.Connect
	s.Read += o.Read
	s.Write += o.Write
	s.Timeout += o.Timeout
}

// MiBPerSec is the response rate in MiB/s: wrk's request rate times its
// mean response size (bytes read ÷ requests). Transfer/sec holds the same
// figure printed with only three significant digits, too coarse to
// compare two peers a few percent apart.
func (r WrkResult) MiBPerSec() float64 {
	if r.Requests == 0 {
		return r.TransferPerSec / (1 << 20)
	}
	return r.RequestsPerSec * (r.BytesRead / float64(r.Requests)) / (1 << 20)
}

// Check returns an error when the run must not be reported: any non-2xx/3xx
// response, or more socket errors than maxSocketErrors.
func (r WrkResult) Check(maxSocketErrors int64) error {
	var errs []error
	if r.Non2xx > 0 {
		errs = append(errs, fmt.Errorf("%d non-2xx/3xx responses", r.Non2xx))
	}
	if t := r.Socket.Total(); t > maxSocketErrors {
		errs = append(errs, fmt.Errorf("%d socket errors (connect %d, read %d, write %d, timeout %d; at most %d allowed)",
			t, r.Socket.Connect, r.Socket.Read, r.Socket.Write, r.Socket.Timeout, maxSocketErrors))
		if r.FirstError != "" {
			errs = append(errs, fmt.Errorf("one of them: %s", r.FirstError))
		}
	}
	if r.Requests == 0 || r.RequestsPerSec <= 0 {
		errs = append(errs, errors.New("no request completed"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("bench: wrk: %w", errors.Join(errs...))
}

// ParseWrk parses the text wrk 4 prints (with or without --latency). It
// fails when the summary lines are missing, so that a crashed or
// interrupted run is never read as a zero.
func ParseWrk(out string) (WrkResult, error) {
	var r WrkResult
	var seenRPS, seenTransfer, seenTotal bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var err error
		switch {
		case strings.HasPrefix(line, "Requests/sec:"):
			r.RequestsPerSec, err = strconv.ParseFloat(strings.TrimSpace(line[len("Requests/sec:"):]), 64)
			seenRPS = true
		case strings.HasPrefix(line, "Transfer/sec:"):
			r.TransferPerSec, err = parseWrkBytes(strings.TrimSpace(line[len("Transfer/sec:"):]))
			seenTransfer = true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			r.Non2xx, err = strconv.ParseInt(strings.TrimSpace(line[len("Non-2xx or 3xx responses:"):]), 10, 64)
		case strings.HasPrefix(line, "Socket errors:"):
			r.Socket, err = parseSocketErrors(line[len("Socket errors:"):])
		case strings.Contains(line, " requests in "):
			err = r.parseTotals(line)
			seenTotal = true
		case isPercentileLine(line):
			err = r.parsePercentile(line)
		}
		if err != nil {
			return WrkResult{}, fmt.Errorf("bench: wrk output line %q: %w", line, err)
		}
	}
	if !seenRPS || !seenTransfer || !seenTotal {
		return WrkResult{}, fmt.Errorf("bench: wrk output lacks its summary (Requests/sec, Transfer/sec, totals):\n%s", out)
	}
	return r, nil
}

// parseTotals reads "1899 requests in 3.04s, 3.71GB read".
func (r *WrkResult) parseTotals(line string) error {
	n, rest, _ := strings.Cut(line, " requests in ")
	el, read, ok := strings.Cut(rest, ", ")
	if !ok {
		return errors.New("want N requests in T, B read")
	}
	var err1, err2, err3 error
	r.Requests, err1 = strconv.ParseInt(n, 10, 64)
	r.Elapsed, err2 = parseWrkDuration(el)
	r.BytesRead, err3 = parseWrkBytes(strings.TrimSuffix(read, " read"))
	return errors.Join(err1, err2, err3)
}

// isPercentileLine matches the --latency block's "  99%  350.78ms".
func isPercentileLine(line string) bool {
	p, _, ok := strings.Cut(line, "%")
	_, err := strconv.ParseFloat(p, 64)
	return ok && err == nil
}

func (r *WrkResult) parsePercentile(line string) error {
	p, v, _ := strings.Cut(line, "%")
	d, err := parseWrkDuration(strings.TrimSpace(v))
	if err != nil {
		return err
	}
	switch p {
	case "50":
		r.LatencyP50 = d
	case "75":
		r.LatencyP75 = d
	case "90":
		r.LatencyP90 = d
	case "99":
		r.LatencyP99 = d
	}
	return nil
}

// parseSocketErrors reads " connect 0, read 12, write 0, timeout 3".
func parseSocketErrors(s string) (SocketErrors, error) {
	var e SocketErrors
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), " ")
		if !ok {
			return e, fmt.Errorf("socket errors: bad part %q", part)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return e, fmt.Errorf("socket errors: %w", err)
		}
		switch k {
		case "connect":
			e.Connect = n
		case "read":
			e.Read = n
		case "write":
			e.Write = n
		case "timeout":
			e.Timeout = n
		default:
			return e, fmt.Errorf("socket errors: unknown kind %q", k)
		}
	}
	return e, nil
}

// parseWrkDuration reads wrk's times: "509.00us", "1.14ms", "3.04s",
// "1.50m", "2.00h".
func parseWrkDuration(s string) (time.Duration, error) {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"m", time.Minute}, {"h", time.Hour}, {"s", time.Second}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("duration %q: %w", s, err)
			}
			return time.Duration(f * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("duration %q: unknown unit", s)
}

// parseWrkBytes reads wrk's byte counts, which are binary (1024-based)
// whatever the unit says: "512.00B", "12.00KB", "866.67MB", "1.22GB".
func parseWrkBytes(s string) (float64, error) {
	num, ok := strings.CutSuffix(s, "B")
	if !ok {
		return 0, fmt.Errorf("byte count %q: want a B suffix", s)
	}
	mult := 1.0
	if n := len(num); n > 0 {
		if i := strings.IndexByte("KMGTP", num[n-1]); i >= 0 {
			mult = float64(uint64(1) << (10 * (i + 1)))
			num = num[:n-1]
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("byte count %q: %w", s, err)
	}
	return f * mult, nil
}
