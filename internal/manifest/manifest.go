package manifest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vodedge/vodedge/internal/cachekey"
)

// Errors a receiver classifies.
var (
	ErrMalformed = errors.New("manifest: malformed")
	ErrSignature = errors.New("manifest: bad signature")
	ErrSite      = errors.New("manifest: for another site")
	ErrStale     = errors.New("manifest: not newer than the one applied")
	// ErrBase marks a delta that does not apply to the manifest the node
	// holds: the node fetches the full manifest instead.
	ErrBase = errors.New("manifest: delta does not apply")
	// ErrIndex marks a file index that is missing, does not match its
	// hash, or does not match its group.
	ErrIndex = errors.New("manifest: bad file index")
)

// Manifest lists the files a site holds and which nodes hold each copy.
type Manifest struct {
	// Version increases with every manifest the controller makes for the
	// site (Unix milliseconds of its making is a good choice).
	Version int64     `json:"version"`
	Site    string    `json:"site"`
	Created time.Time `json:"created"`
	Entries []Entry   `json:"entries"`
}

// Entry is one file.
type Entry struct {
	// Key is the file's path at the origin and on the edges, "/titles/…",
	// in the form the edges normalize requests to (internal/cachekey).
	Key  string `json:"key"`
	Size int64  `json:"size"`
	// SHA256 is the hex SHA-256 of the whole file, or its first
	// SumDigits digits (what an index carries); a fetched copy that
	// differs is discarded (SumMatches).
	SHA256 string `json:"sha256"`
	// Priority orders fetching: lower first (1 is the most popular file).
	Priority int `json:"priority"`
	// Copies is how many nodes of the site hold the file (at least 1).
	Copies int `json:"copies"`
	// Nodes are the names of the nodes that hold it, by placement.
	Nodes []string `json:"nodes"`
}

// Limits a manifest must respect.
const (
	MaxEntries = 10_000_000
	maxKeyLen  = 1024
)

// Validate checks a manifest's content.
func (m *Manifest) Validate() error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrMalformed}, a...)...) }
	switch {
	case m.Version <= 0:
		return bad("version must be positive")
	case m.Site == "":
		return bad("no site")
	case len(m.Entries) > MaxEntries:
		return bad("%d entries, more than %d", len(m.Entries), MaxEntries)
	}
	seen := make(map[string]bool, len(m.Entries))
	for i := range m.Entries {
		e := &m.Entries[i]
		if err := e.validate(); err != nil {
			return bad("entry %d (%q): %v", i, e.Key, err)
		}
		if seen[e.Key] {
			return bad("entry %d: %q listed twice", i, e.Key)
		}
		seen[e.Key] = true
	}
	return nil
}

func (e *Entry) validate() error {
	switch {
	case !strings.HasPrefix(e.Key, "/") || len(e.Key) > maxKeyLen || strings.Contains(e.Key, "..") || strings.ContainsAny(e.Key, "\x00?#\\"):
		return errors.New("key must be a clean absolute path")
	case !isCacheKey(e.Key):
		return errors.New("key must be a cache key: a path in the form the edges normalize requests to (no percent-encoding, no dot segments, no empty segments)")
	case e.Size < 0:
		return errors.New("negative size")
	case !validSum(strings.ToLower(e.SHA256)):
		return errors.New("sha256 must be 32 or 64 hex digits")
	case e.Priority < 0:
		return errors.New("negative priority")
	case e.Copies < 1 || len(e.Nodes) != e.Copies:
		return errors.New("copies must be at least 1 and match the nodes listed")
	}
	for _, n := range e.Nodes {
		if n == "" {
			return errors.New("empty node name")
		}
	}
	return nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// For returns the entries assigned to node, in priority order.
func (m *Manifest) For(node string) []Entry {
	var out []Entry
	for _, e := range m.Entries {
		for _, n := range e.Nodes {
			if n == node {
				out = append(out, e)
				break
			}
		}
	}
	sortByPriority(out)
	return out
}

// isCacheKey reports whether k is already what the edges make of a
// request for it (internal/cachekey), so the file a manifest pins is the one
// players' requests find, and no form of it can mean another path at the
// origin ("%2e%2e" is ".." to an HTTP origin).
func isCacheKey(k string) bool {
	var buf [256]byte
	n, err := cachekey.Normalize(buf[:0], []byte(k))
	return err == nil && string(n) == k
}
