package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Group is one line of a manifest document: the files of one directory
// (their index, by hash) and which nodes hold which of them.
type Group struct {
	// Prefix is the directory, "/titles/t1/v720/": a file's key is
	// Prefix + its name in the index.
	Prefix string `json:"prefix"`
	// Index is the hex SHA-256 of the group's file index.
	Index string `json:"index,omitempty"`
	// Files and Bytes are the index's count of files and their total size.
	Files int   `json:"files,omitempty"`
	Bytes int64 `json:"bytes,omitempty"`
	// Priority orders fetching, lower first: the group's most popular file.
	Priority int `json:"priority,omitempty"`
	// Nodes are the nodes holding files of the group, in placement order,
	// each with the positions of its files in the index.
	Nodes []Holding `json:"nodes,omitempty"`
	// Removed marks, in a delta, a group the new version no longer has.
	Removed bool `json:"removed,omitempty"`
}

// Holding is the files of a group one node holds: positions in the index
// as ranges, "0-49,52".
type Holding struct {
	Node  string `json:"node"`
	Files string `json:"files"`
}

// maxLineBytes bounds one line of a manifest document.
const maxLineBytes = 8 << 20

// ParseGroup decodes and checks a group line; removed lines are allowed
// only in deltas.
func ParseGroup(line []byte, delta bool) (*Group, error) {
	if len(line) > maxLineBytes {
		return nil, fmt.Errorf("%w: group line of %d bytes", ErrMalformed, len(line))
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var g Group
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%w: group line: %v", ErrMalformed, err)
	}
	if err := g.validate(delta); err != nil {
		return nil, fmt.Errorf("%w: group %q: %v", ErrMalformed, g.Prefix, err)
	}
	return &g, nil
}

func (g *Group) validate(delta bool) error {
	if !strings.HasPrefix(g.Prefix, "/") || !strings.HasSuffix(g.Prefix, "/") || len(g.Prefix) > maxKeyLen || !isCacheKey(g.Prefix+"x") {
		return errors.New("prefix must be a clean absolute directory, ending in /")
	}
	if g.Removed {
		if !delta || g.Index != "" || g.Files != 0 || g.Bytes != 0 || g.Priority != 0 || len(g.Nodes) != 0 {
			return errors.New("a removed line has only a prefix, and only in a delta")
		}
		return nil
	}
	switch {
	case len(g.Index) != 64 || !isHex(g.Index):
		return errors.New("index must be 64 hex digits")
	case g.Files < 1 || g.Files > MaxIndexFiles:
		return fmt.Errorf("files must be 1 to %d", MaxIndexFiles)
	case g.Bytes < 0 || g.Priority < 0:
		return errors.New("negative bytes or priority")
	case len(g.Nodes) == 0:
		return errors.New("no node holds it")
	}
	seen := map[string]bool{}
	for _, h := range g.Nodes {
		if h.Node == "" || seen[h.Node] {
			return errors.New("node names must be non-empty and listed once")
		}
		seen[h.Node] = true
		if _, err := ParseRanges(h.Files, g.Files); err != nil {
			return fmt.Errorf("node %s: %w", h.Node, err)
		}
	}
	return nil
}

// Holds returns which of the group's files node holds (nil: none).
func (g *Group) Holds(node string) []bool {
	for _, h := range g.Nodes {
		if h.Node == node {
			spans, err := ParseRanges(h.Files, g.Files)
			if err != nil {
				return nil
			}
			return spans.Set(g.Files)
		}
	}
	return nil
}

// Expand returns the group's files as entries, checked against the
// group (count, total size) and as manifest entries; with node != "",
// only the files that node holds.
func (g *Group) Expand(files []File, node string) ([]Entry, error) {
	if len(files) != g.Files {
		return nil, fmt.Errorf("%w: group %s lists %d files, its index %d", ErrIndex, g.Prefix, g.Files, len(files))
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	if total != g.Bytes {
		return nil, fmt.Errorf("%w: group %s has %d bytes, its index %d", ErrIndex, g.Prefix, g.Bytes, total)
	}
	holds := make([][]bool, len(g.Nodes))
	for i, h := range g.Nodes {
		spans, err := ParseRanges(h.Files, g.Files)
		if err != nil {
			return nil, fmt.Errorf("%w: group %s: %v", ErrMalformed, g.Prefix, err)
		}
		holds[i] = spans.Set(g.Files)
	}
	var out []Entry
	for i, f := range files {
		var nodes []string
		mine := node == ""
		for j, h := range g.Nodes {
			if holds[j][i] {
				nodes = append(nodes, h.Node)
				mine = mine || h.Node == node
			}
		}
		if len(nodes) == 0 || !mine {
			continue
		}
		e := Entry{Key: g.Prefix + f.Name, Size: f.Size, SHA256: f.SHA256, Priority: g.Priority, Copies: len(nodes), Nodes: nodes}
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrMalformed, e.Key, err)
		}
		out = append(out, e)
	}
	return out, nil
}
