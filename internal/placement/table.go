package placement

import (
	"math"
	"sort"

	"github.com/cespare/xxhash/v2"
)

// Node is a candidate owner: a unique name and a capacity weight. Nodes
// with a weight <= 0 (or NaN) own nothing.
type Node struct {
	Name   string
	Weight float64
}

// Table ranks a fixed set of nodes for any key. Build it with New; it is
// immutable.
type Table struct {
	nodes []entry // sorted by name, so that ties resolve the same everywhere
}

type entry struct {
	Node
	hash uint64 // xxhash64 of the name
}

// New returns a table of nodes. Nodes without a positive weight are left
// out; a name given twice keeps its first weight.
func New(nodes []Node) *Table {
	t := &Table{nodes: make([]entry, 0, len(nodes))}
	seen := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		if !(n.Weight > 0) || math.IsInf(n.Weight, 1) || seen[n.Name] {
			continue
		}
		seen[n.Name] = true
		t.nodes = append(t.nodes, entry{Node: n, hash: xxhash.Sum64String(n.Name)})
	}
	sort.Slice(t.nodes, func(i, j int) bool { return t.nodes[i].Name < t.nodes[j].Name })
	return t
}

// Len is the number of nodes that can own keys.
func (t *Table) Len() int { return len(t.nodes) }

// Node returns the i-th node (0 <= i < Len), in name order.
func (t *Table) Node(i int) Node { return t.nodes[i].Node }

// Owners returns the names of the n owners of key, best first. There are
// fewer when the table has fewer nodes.
func (t *Table) Owners(key string, n int) []string {
	idx := t.Rank(key, n, nil, nil)
	names := make([]string, len(idx))
	for i, j := range idx {
		names[i] = t.nodes[j].Name
	}
	return names
}

// Owner returns the first owner of key, or false when the table is empty.
func (t *Table) Owner(key string) (string, bool) {
	var buf [1]int
	idx := t.Rank(key, 1, nil, buf[:0])
	if len(idx) == 0 {
		return "", false
	}
	return t.nodes[idx[0]].Name, true
}

// Rank appends to dst the indices (see Node) of the n best nodes for key,
// best first, leaving out those for which skip returns true. skip lets a
// caller pass over a node it currently cannot use without rebuilding the
// table: the remaining nodes keep their order, so the keys of a skipped
// node go to their next-best owners and no other key moves.
func (t *Table) Rank(key string, n int, skip func(i int) bool, dst []int) []int {
	if n <= 0 {
		return dst
	}
	kh := xxhash.Sum64String(key)
	var scoresBuf [16]float64
	scores := scoresBuf[:0]
	base := len(dst)
	for i := range t.nodes {
		if skip != nil && skip(i) {
			continue
		}
		s := t.nodes[i].score(kh)
		pos := insertPos(scores, s, len(dst)-base, n)
		if pos < 0 {
			continue
		}
		scores, dst = insertAt(scores, dst, base, pos, s, i, n)
	}
	return dst
}

// score is -weight / ln(u) for u = the node's hash of the key in (0,1).
func (e *entry) score(keyHash uint64) float64 {
	u := (float64(mix(e.hash^keyHash)>>11) + 0.5) / (1 << 53)
	return -e.Weight / math.Log(u)
}

// insertPos returns where score s goes in the descending list of the
// have best scores so far (keeping at most n), or -1 if it does not.
func insertPos(scores []float64, s float64, have, n int) int {
	pos := have
	for pos > 0 && s > scores[pos-1] {
		pos--
	}
	if pos >= n {
		return -1
	}
	return pos
}

// insertAt puts (s, i) at position pos of scores and dst[base:], dropping
// the last element first when there are already n.
func insertAt(scores []float64, dst []int, base, pos int, s float64, i, n int) ([]float64, []int) {
	if len(scores) == n {
		scores, dst = scores[:n-1], dst[:base+n-1]
	}
	scores = append(scores, 0)
	dst = append(dst, 0)
	copy(scores[pos+1:], scores[pos:])
	copy(dst[base+pos+1:], dst[base+pos:])
	scores[pos], dst[base+pos] = s, i
	return scores, dst
}

// mix is a 64-bit finalizer (xorshift-multiply, from MurmurHash3's fmix64)
// that spreads the combined node and key hashes over all 64 bits.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
