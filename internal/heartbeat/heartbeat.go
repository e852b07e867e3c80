package heartbeat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
)

// MaxBytes bounds a heartbeat body: a node with a hundred disks sends
// a few KiB.
const MaxBytes = 64 << 10

// MaxDisks bounds the disks one heartbeat lists.
const MaxDisks = 1024

// Report is one heartbeat.
type Report struct {
	Name string `json:"name"`
	Site string `json:"site"`
	// Weight is the node's share of its site's files relative to the
	// others (0: the planner's default of 1).
	Weight float64 `json:"weight"`
	// CapacityBytes is what the node offers fill: the capacity of its
	// disks in service.
	CapacityBytes int64  `json:"capacity_bytes"`
	Disks         []Disk `json:"disks"`
	Version       string `json:"version"`
	// PeerAddr is the host:port the site's other nodes fetch from ("" when
	// the node is not in a cluster).
	PeerAddr string `json:"peer_addr,omitempty"`
}

// Disk is one disk of the node.
type Disk struct {
	Name          string `json:"name"`
	State         string `json:"state"` // serving, degraded, failed or offline
	Bytes         int64  `json:"bytes"`
	CapacityBytes int64  `json:"capacity_bytes"`
}

// ErrInvalid marks a heartbeat that does not parse or validate; the
// message names the field.
var ErrInvalid = errors.New("heartbeat: invalid")

// FieldError is a bad field of a heartbeat.
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("heartbeat: field %q: %s", e.Field, e.Reason)
}

// Is makes every FieldError an ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Parse decodes and validates one heartbeat of at most MaxBytes from r.
// Unknown fields are refused, so a typo does not pass silently.
func Parse(r io.Reader) (Report, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return Report{}, fmt.Errorf("heartbeat: reading the body: %w", err)
	}
	if len(raw) > MaxBytes {
		return Report{}, fmt.Errorf("%w: the body is over %d bytes", ErrInvalid, MaxBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var rep Report
	if err := dec.Decode(&rep); err != nil {
		return Report{}, fmt.Errorf("%w: want a JSON object: %v", ErrInvalid, err)
	}
	if dec.More() {
		return Report{}, fmt.Errorf("%w: data after the JSON object", ErrInvalid)
	}
	return rep, rep.Validate()
}

// Validate checks every field; the error names the first bad one.
func (r *Report) Validate() error {
	bad := func(field, reason string) error { return &FieldError{Field: field, Reason: reason} }
	switch {
	case !validName(r.Name):
		return bad("name", "want 1-128 letters, digits, '.', '_' or '-'")
	case !validName(r.Site):
		return bad("site", "want 1-128 letters, digits, '.', '_' or '-'")
	case math.IsNaN(r.Weight) || math.IsInf(r.Weight, 0) || r.Weight < 0 || r.Weight > 1e6:
		return bad("weight", "want a number from 0 to 1000000")
	case r.CapacityBytes <= 0:
		return bad("capacity_bytes", "want a positive number of bytes")
	case len(r.Disks) > MaxDisks:
		return bad("disks", fmt.Sprintf("more than %d disks", MaxDisks))
	case len(r.Version) > 128 || strings.ContainsFunc(r.Version, isControl):
		return bad("version", "want at most 128 printable characters")
	}
	if r.PeerAddr != "" {
		if _, port, err := net.SplitHostPort(r.PeerAddr); err != nil || port == "" || len(r.PeerAddr) > 256 {
			return bad("peer_addr", "want host:port")
		}
	}
	for i, d := range r.Disks {
		field := fmt.Sprintf("disks[%d].", i)
		switch {
		case d.Name == "" || len(d.Name) > 128 || strings.ContainsFunc(d.Name, isControl):
			return bad(field+"name", "want 1-128 printable characters")
		case !validState(d.State):
			return bad(field+"state", "want serving, degraded, failed or offline")
		case d.Bytes < 0 || d.CapacityBytes < 0:
			return bad(field+"bytes", "want non-negative byte counts")
		}
	}
	return nil
}

func validState(s string) bool {
	switch s {
	case "serving", "degraded", "failed", "offline":
		return true
	}
	return false
}

func validName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
