package disktier

import (
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/placement"
)

// spread is the placement of objects over the disks in service: an
// immutable snapshot, swapped whole (Store.spread) when a disk leaves or
// joins, so the hit path reads it with one atomic load and no lock.
type spread struct {
	table *placement.Table
	disks []*disk // disks[i] is table.Node(i)
}

// newSpread places over disks by capacity-weighted rendezvous hashing,
// each disk known by its path.
func newSpread(disks []*disk) *spread {
	nodes := make([]placement.Node, len(disks))
	byPath := make(map[string]*disk, len(disks))
	for i, d := range disks {
		nodes[i] = placement.Node{Name: d.path, Weight: d.weight}
		byPath[d.path] = d
	}
	l := &spread{table: placement.New(nodes)}
	l.disks = make([]*disk, l.table.Len())
	for i := range l.disks {
		l.disks[i] = byPath[l.table.Node(i).Name]
	}
	return l
}

// owner is the disk that holds the slices of sliceKey's object: the
// first by rank. nil when no disk is in service.
func (l *spread) owner(sliceKey string) *disk {
	switch len(l.disks) {
	case 0:
		return nil
	case 1:
		return l.disks[0]
	}
	var buf [1]int
	idx := l.table.Rank(cachekey.ObjectKey(sliceKey), 1, nil, buf[:0])
	return l.disks[idx[0]]
}

// writer is the disk a new slice of sliceKey's object goes to: its owner,
// or, while the owner is degraded (full or failing, so admitting
// nothing), the next disk by rank that is not. It is the owner when every
// disk is degraded.
func (l *spread) writer(sliceKey string) *disk {
	o := l.owner(sliceKey)
	if o == nil || !o.degraded() {
		return o
	}
	idx := l.table.Rank(cachekey.ObjectKey(sliceKey), 1, func(i int) bool { return l.disks[i].degraded() }, nil)
	if len(idx) == 0 {
		return o
	}
	return l.disks[idx[0]]
}

// holder is the disk whose copy of sliceKey is read: the owner, or the
// writer when only it holds the slice (stored there while the owner was
// degraded). Either answers from memory once loaded.
func (l *spread) holder(sliceKey string) *disk {
	o := l.owner(sliceKey)
	if o == nil || !o.degraded() || o.Has(sliceKey) {
		return o
	}
	if w := l.writer(sliceKey); w.Has(sliceKey) {
		return w
	}
	return o
}
