package subtitle

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("subtitle: invalid file")

// Error is a parse error at a line of the input.
type Error struct {
	// Line is 1-based; 0 when the problem is the whole file.
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return "subtitle: " + e.Msg
	}
	return fmt.Sprintf("subtitle: line %d: %s", e.Line, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

func lineErr(line int, format string, args ...any) error {
	return &Error{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Cue is one timed piece of text.
type Cue struct {
	ID         string
	Start, End time.Duration
	// Settings are WebVTT cue settings ("line:90% align:center"), as
	// written; empty for SubRip.
	Settings string
	// Text is the cue's lines joined by "\n"; never empty, never a
	// blank line, never "-->".
	Text string
}

// Track is a parsed subtitle file.
type Track struct {
	// Blocks are the WebVTT STYLE and REGION blocks, each as written.
	Blocks []string
	// Cues are sorted by start time (stable).
	Cues []Cue
}

// Limits on what a file may hold, so that a hostile upload costs
// bounded memory and time.
const (
	MaxCues     = 200_000
	maxLineLen  = 16 << 10
	maxDuration = 100 * time.Hour
)

// formatTime writes d as hh:mm:ss.mmm.
func formatTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}

// checkText validates one text line of a cue.
func checkText(n int, line string) error {
	if strings.Contains(line, "-->") {
		return lineErr(n, "cue text contains \"-->\" (a missing blank line before a cue?)")
	}
	return nil
}
