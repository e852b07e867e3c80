package qc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// The content scanner contract (documented with an example in
// docs/api.md): the controller POSTs a ScanRequest as JSON, the scanner
// answers a ScanAnswer as JSON with a 2xx status.

// ScanRequest is what the controller sends.
type ScanRequest struct {
	// Version of the contract: 1.
	Version int    `json:"version"`
	Title   string `json:"title"`
	// Duration of the source in seconds.
	Duration float64     `json:"duration"`
	Frames   []ScanFrame `json:"frames"`
}

// ScanFrame is one picture of the source.
type ScanFrame struct {
	// Time in seconds from the start of the source.
	Time        float64 `json:"time"`
	ContentType string  `json:"content_type"`
	// Data is the JPEG, base64 in JSON.
	Data []byte `json:"data"`
}

// Verdicts a scanner may give.
const (
	VerdictPass = "pass"
	VerdictFlag = "flag" // hold for review
	VerdictFail = "fail" // the scanner says do not publish (still an operator's call)
)

// ScanAnswer is the scanner's answer.
type ScanAnswer struct {
	Verdict string      `json:"verdict"`
	Labels  []ScanLabel `json:"labels"`
	// Message, optional, is shown with a flag or fail.
	Message string `json:"message,omitempty"`
}

// ScanLabel is something the scanner saw.
type ScanLabel struct {
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"` // 0..1
	Time       float64 `json:"time"`       // seconds
}

// Answer limits.
const (
	maxLabels    = 1000
	maxLabelName = 200
	maxMessage   = 1000
)

// ParseScanAnswer decodes and checks an answer for a source of
// duration seconds; an error wraps ErrBadAnswer and names the problem.
func ParseScanAnswer(raw []byte, duration float64) (*ScanAnswer, error) {
	if len(raw) > maxAnswer {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrBadAnswer, maxAnswer)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var a ScanAnswer
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%w: not a JSON answer (%w): %s", ErrBadAnswer, err, snippet(raw))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON answer", ErrBadAnswer)
	}
	if err := a.check(duration); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadAnswer, err)
	}
	return &a, nil
}

func (a *ScanAnswer) check(duration float64) error {
	switch a.Verdict {
	case VerdictPass, VerdictFlag, VerdictFail:
	case "":
		return fmt.Errorf(`no "verdict" (want pass, flag or fail)`)
	default:
		return fmt.Errorf(`"verdict" %q: want pass, flag or fail`, clip(a.Verdict))
	}
	if len(a.Labels) > maxLabels {
		return fmt.Errorf("%d labels: at most %d", len(a.Labels), maxLabels)
	}
	if len(a.Message) > maxMessage || !utf8.ValidString(a.Message) {
		return fmt.Errorf(`"message": at most %d bytes of UTF-8`, maxMessage)
	}
	for i, l := range a.Labels {
		if err := l.check(duration); err != nil {
			return fmt.Errorf("label %d: %s", i, err)
		}
	}
	return nil
}

func (l ScanLabel) check(duration float64) error {
	switch {
	case l.Name == "" || len(l.Name) > maxLabelName || !utf8.ValidString(l.Name):
		return fmt.Errorf(`"name" must be 1–%d bytes of UTF-8`, maxLabelName)
	case math.IsNaN(l.Confidence) || l.Confidence < 0 || l.Confidence > 1:
		return fmt.Errorf(`%q: "confidence" %v outside 0..1`, l.Name, l.Confidence)
	case math.IsNaN(l.Time) || l.Time < 0 || l.Time > duration+1:
		return fmt.Errorf(`%q: "time" %v outside the source (0..%.1f s)`, l.Name, l.Time, duration)
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// summary names the message and the most confident labels.
func (a *ScanAnswer) summary() string {
	labels := append([]ScanLabel(nil), a.Labels...)
	sort.SliceStable(labels, func(i, j int) bool { return labels[i].Confidence > labels[j].Confidence })
	var parts []string
	if a.Message != "" {
		parts = append(parts, a.Message)
	}
	for i, l := range labels {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("%d more labels", len(labels)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.0f%% at %s", l.Name, 100*l.Confidence, clock(l.Time)))
	}
	if len(parts) == 0 {
		return "no labels given"
	}
	return strings.Join(parts, ", ")
}
