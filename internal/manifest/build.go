package manifest

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Groups turns a manifest of files into groups and their indexes (by
// hash): one group per directory, files in name order, each node's
// files as ranges, nodes in order of first appearance.
func Groups(m *Manifest) ([]Group, map[string][]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	byDir := map[string][]*Entry{}
	for i := range m.Entries {
		e := &m.Entries[i]
		dir := e.Key[:strings.LastIndexByte(e.Key, '/')+1]
		byDir[dir] = append(byDir[dir], e)
	}
	groups := make([]Group, 0, len(byDir))
	indexes := make(map[string][]byte, len(byDir))
	for dir, es := range byDir {
		g, idx := groupOf(dir, es)
		groups = append(groups, g)
		indexes[g.Index] = idx
	}
	slices.SortFunc(groups, func(a, b Group) int { return strings.Compare(a.Prefix, b.Prefix) })
	return groups, indexes, nil
}

func groupOf(dir string, es []*Entry) (Group, []byte) {
	slices.SortFunc(es, func(a, b *Entry) int { return strings.Compare(a.Key, b.Key) })
	g := Group{Prefix: dir, Files: len(es), Priority: es[0].Priority}
	files := make([]File, len(es))
	pos := map[string][]int{}
	var order []string
	for i, e := range es {
		files[i] = File{Name: e.Key[len(dir):], Size: e.Size, SHA256: strings.ToLower(e.SHA256)[:SumDigits]}
		g.Bytes += e.Size
		g.Priority = min(g.Priority, e.Priority)
		for _, n := range e.Nodes {
			if pos[n] == nil {
				order = append(order, n)
			}
			pos[n] = append(pos[n], i)
		}
	}
	for _, n := range order {
		g.Nodes = append(g.Nodes, Holding{Node: n, Files: FormatRanges(pos[n])})
	}
	idx := EncodeIndex(files)
	g.Index = HashIndex(idx)
	return g, idx
}

// Version is one version of a site's manifest as the controller keeps
// it: its group lines, sorted by prefix, ready to be sent whole or as a
// delta against an older Version.
type Version struct {
	Site    string
	Version int64
	Created time.Time
	// Result is the hex SHA-256 of the group lines.
	Result   string
	prefixes []string
	lines    [][]byte // each ending in '\n'
}

// NewVersion encodes groups (sorted by prefix, none removed) as a
// version of the site's manifest.
func NewVersion(site string, version int64, created time.Time, groups []Group) (*Version, error) {
	v := &Version{Site: site, Version: version, Created: created.UTC()}
	h := sha256.New()
	for i := range groups {
		g := &groups[i]
		if err := g.validate(false); err != nil {
			return nil, fmt.Errorf("%w: group %q: %v", ErrMalformed, g.Prefix, err)
		}
		if i > 0 && g.Prefix <= groups[i-1].Prefix {
			return nil, fmt.Errorf("%w: groups must be sorted by prefix, each once (%q)", ErrMalformed, g.Prefix)
		}
		line, err := json.Marshal(g)
		if err != nil {
			return nil, err
		}
		line = append(line, '\n')
		h.Write(line)
		v.prefixes = append(v.prefixes, g.Prefix)
		v.lines = append(v.lines, line)
	}
	if len(v.lines) > MaxEntries {
		return nil, fmt.Errorf("%w: %d groups, more than %d", ErrMalformed, len(v.lines), MaxEntries)
	}
	v.Result = hex.EncodeToString(h.Sum(nil))
	return v, nil
}

// Groups returns the number of groups.
func (v *Version) Groups() int { return len(v.lines) }

// Full returns the signed, gzip-compressed full document. inline, if not
// nil, are indexes (by hash) appended to it, for a manifest that must
// stand alone (a push to a node that cannot reach the controller).
func (v *Version) Full(key ed25519.PrivateKey, inline map[string][]byte) ([]byte, error) {
	h := v.header(0, len(v.lines), v.Result)
	return v.document(h, key, v.lines, inline)
}

// Delta returns the signed, gzip-compressed delta from base to v: the
// lines that differ, and a removed line for each group v no longer has.
func (v *Version) Delta(base *Version, key ed25519.PrivateKey) ([]byte, error) {
	if base.Site != v.Site || base.Version >= v.Version {
		return nil, fmt.Errorf("manifest: no delta from %s v%d to %s v%d", base.Site, base.Version, v.Site, v.Version)
	}
	var lines [][]byte
	i, j := 0, 0
	for i < len(base.lines) || j < len(v.lines) {
		switch c := compareAt(base.prefixes, i, v.prefixes, j); {
		case c < 0: // only in base: removed
			line, _ := json.Marshal(Group{Prefix: base.prefixes[i], Removed: true})
			lines = append(lines, append(line, '\n'))
			i++
		case c > 0: // only in v: added
			lines = append(lines, v.lines[j])
			j++
		default:
			if !bytes.Equal(base.lines[i], v.lines[j]) {
				lines = append(lines, v.lines[j])
			}
			i, j = i+1, j+1
		}
	}
	s := sha256.New()
	for _, l := range lines {
		s.Write(l)
	}
	h := v.header(base.Version, len(lines), hex.EncodeToString(s.Sum(nil)))
	return v.document(h, key, lines, nil)
}

// compareAt compares a[i] with b[j], an exhausted side sorting last.
func compareAt(a []string, i int, b []string, j int) int {
	switch {
	case i == len(a):
		return 1
	case j == len(b):
		return -1
	}
	return cmp.Compare(a[i], b[j])
}

func (v *Version) header(base int64, groups int, body string) *Header {
	return &Header{Format: Format, Version: v.Version, Site: v.Site, Created: v.Created, Base: base,
		Groups: groups, Total: len(v.lines), Body: body, Result: v.Result}
}

func (v *Version) document(h *Header, key ed25519.PrivateKey, lines [][]byte, inline map[string][]byte) ([]byte, error) {
	first, err := signHeader(h, key)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(first)
	for _, l := range lines {
		zw.Write(l)
	}
	for _, hash := range slices.Sorted(maps.Keys(inline)) {
		line, _ := json.Marshal(inlineIndex{Index: hash, Data: base64.StdEncoding.EncodeToString(inline[hash])})
		zw.Write(append(line, '\n'))
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inlineIndex is an index carried in a document after its group lines.
type inlineIndex struct {
	Index string `json:"index"`
	Data  string `json:"data"`
}

// Sign encodes m as a full, self-contained document: its groups and,
// inline, their indexes. It suits small manifests (tests, pushes); the
// controller serves indexes separately (NewVersion, Full).
func Sign(m *Manifest, key ed25519.PrivateKey) ([]byte, error) {
	groups, indexes, err := Groups(m)
	if err != nil {
		return nil, err
	}
	v, err := NewVersion(m.Site, m.Version, m.Created, groups)
	if err != nil {
		return nil, err
	}
	return v.Full(key, indexes)
}

// BuildGroup makes the group of files (in index order) under prefix,
// held by nodes as given, and returns it with its index: for a
// controller that produces groups directly rather than from a Manifest
// of files (Groups).
// Whole 64-digit checksums are cut to SumDigits, as Groups cuts them.
func BuildGroup(prefix string, files []File, nodes []Holding, priority int) (Group, []byte) {
	g := Group{Prefix: prefix, Files: len(files), Priority: priority, Nodes: nodes}
	cut := make([]File, len(files))
	for i, f := range files {
		g.Bytes += f.Size
		cut[i] = f
		cut[i].SHA256 = strings.ToLower(f.SHA256[:min(len(f.SHA256), SumDigits)])
	}
	idx := EncodeIndex(cut)
	g.Index = HashIndex(idx)
	return g, idx
}
