package ffmpeg

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
)

// Progress is one block of ffmpeg's -progress output.
type Progress struct {
	// Frame is the number of frames written so far (0 for audio only).
	Frame int64
	// OutTime is how far into the output ffmpeg has got.
	OutTime time.Duration
	// Speed is the processing speed relative to real time; 0 when unknown.
	Speed float64
	// TotalSize is the bytes written so far; 0 when unknown.
	TotalSize int64
	// Done is true for the last block (progress=end).
	Done bool
}

// maxLine bounds one progress line; ffmpeg's are under 100 bytes.
const maxLine = 4096

// ParseProgress reads -progress output from r and calls fn at the end of
// each block (the "progress=continue|end" line). Unknown keys and
// malformed values are ignored, as ffmpeg adds keys between versions. It
// returns r's error, or nil at EOF.
func ParseProgress(r io.Reader, fn func(Progress)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxLine)
	var p Progress
	for sc.Scan() {
		key, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		if key == "progress" {
			p.Done = val == "end"
			fn(p)
			continue
		}
		p.set(key, strings.TrimSpace(val))
	}
	if err := sc.Err(); err != bufio.ErrTooLong {
		return err
	}
	// A line too long is not ffmpeg's: drain so ffmpeg never blocks.
	_, err := io.Copy(io.Discard, r)
	return err
}

func (p *Progress) set(key, val string) {
	switch key {
	case "frame":
		p.Frame = nonNegative(val)
	case "out_time_us":
		if us := nonNegative(val); us > 0 || val == "0" {
			p.OutTime = time.Duration(min(us, int64(1<<62)/1000)) * time.Microsecond
		}
	case "total_size":
		p.TotalSize = nonNegative(val)
	case "speed":
		f, err := strconv.ParseFloat(strings.TrimSuffix(val, "x"), 64)
		if err == nil && f >= 0 && f < 1e6 {
			p.Speed = f
		}
	}
}

func nonNegative(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Fraction is OutTime as a fraction of total, clamped to [0, 1].
func (p Progress) Fraction(total time.Duration) float64 {
	if p.Done {
		return 1
	}
	if total <= 0 {
		return 0
	}
	return min(1, max(0, float64(p.OutTime)/float64(total)))
}
