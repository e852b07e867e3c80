package popularity

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrBadLine wraps a line that is not an edge access-log record.
var ErrBadLine = errors.New("popularity: bad log line")

// Record is the part of an access-log line popularity uses.
type Record struct {
	Time   time.Time
	Path   string
	Method string
	Status int
	Bytes  int64
	Site   string
	Node   string
}

type rawRecord struct {
	Time   string `json:"time"`
	Path   string `json:"path"`
	Method string `json:"method"`
	Status int    `json:"status"`
	Bytes  int64  `json:"bytes"`
	Site   string `json:"site"`
	Node   string `json:"node"`
}

// maxField bounds path and site lengths (the edge rejects longer paths).
const maxField = 1024

// ParseLine parses one JSON line of the edge's access log.
func ParseLine(line []byte) (Record, error) {
	var raw rawRecord
	if err := json.Unmarshal(line, &raw); err != nil {
		return Record{}, fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	t, err := time.Parse(time.RFC3339Nano, raw.Time)
	switch {
	case err != nil:
		return Record{}, fmt.Errorf("%w: time %q", ErrBadLine, clip(raw.Time))
	case raw.Path == "" || raw.Path[0] != '/' || len(raw.Path) > maxField || !utf8.ValidString(raw.Path):
		return Record{}, fmt.Errorf("%w: path %q", ErrBadLine, clip(raw.Path))
	case raw.Status < 100 || raw.Status > 599 || raw.Bytes < 0:
		return Record{}, fmt.Errorf("%w: status %d, bytes %d", ErrBadLine, raw.Status, raw.Bytes)
	case len(raw.Site) > 128 || strings.ContainsAny(raw.Site, "/\x00") || !utf8.ValidString(raw.Site):
		return Record{}, fmt.Errorf("%w: site %q", ErrBadLine, clip(raw.Site))
	}
	if raw.Site == "" {
		raw.Site = DefaultSite
	}
	return Record{Time: t.UTC(), Path: raw.Path, Method: raw.Method, Status: raw.Status, Bytes: raw.Bytes, Site: raw.Site, Node: raw.Node}, nil
}

// DefaultSite names the site of lines that carry none.
const DefaultSite = "default"

// counts reports whether r is traffic popularity counts: a successful
// GET of a published object.
func (r Record) counts() bool {
	return r.Method == "GET" && (r.Status == 200 || r.Status == 206) && r.Bytes > 0 && strings.HasPrefix(r.Path, "/titles/")
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
