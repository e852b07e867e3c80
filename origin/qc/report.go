package qc

import (
	"context"
	"fmt"
	"time"

	"github.com/vodedge/vodedge/origin/probe"
)

// Severity of a finding. Only Error fails a report.
type Severity string

// Severities.
const (
	Info    Severity = "info"
	Warning Severity = "warning"
	Error   Severity = "error"
)

// Finding is one thing a scanner noticed.
type Finding struct {
	Scanner  string   `json:"scanner"`
	Check    string   `json:"check"`
	Target   string   `json:"target"` // "source" or a rendition name
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Start and End, in seconds, locate a stretch (0 when not one).
	Start float64 `json:"start,omitempty"`
	End   float64 `json:"end,omitempty"`
	// Value is the measurement (seconds, LUFS, dBTP) when there is one.
	Value float64 `json:"value,omitempty"`
}

// Report is the verdict over all findings of a title.
type Report struct {
	Passed   bool      `json:"passed"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Findings []Finding `json:"findings"`
	Created  time.Time `json:"created"`
}

// NewReport counts findings; it passes when none is an Error.
func NewReport(findings []Finding, now time.Time) Report {
	r := Report{Findings: findings, Created: now}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for _, f := range findings {
		switch f.Severity {
		case Error:
			r.Errors++
		case Warning:
			r.Warnings++
		}
	}
	r.Passed = r.Errors == 0
	return r
}

// Problems lists the error messages, for a summary.
func (r Report) Problems() []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == Error {
			out = append(out, fmt.Sprintf("%s: %s", f.Target, f.Message))
		}
	}
	return out
}

// Input is what a scanner looks at.
type Input struct {
	Title string
	// Target is "source" or the rendition's name.
	Target string
	// Kind is "source", "video" or "audio".
	Kind string
	// Path is the media file, or the rendition's playlist.
	Path string
	// Source is the source as ffprobe described it (always set).
	Source *probe.Info
}

// Scanner checks one input. See the package documentation for where
// scanners plug in.
type Scanner interface {
	Name() string
	// Scan returns findings; progress, if not nil, takes the fraction
	// done. An error means the scan could not run.
	Scan(ctx context.Context, in Input, progress func(float64)) ([]Finding, error)
}
