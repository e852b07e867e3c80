package disktier

import "sync"

// purgeLog remembers the last purges, so that a disk coming back into
// service with what it held before (taken offline, or failed and
// brought back) first loses what was purged while it was away. A disk
// leaving service notes the log's mark (the first purge it may have
// missed: the oldest still in progress, or the next); coming back, it
// replays everything since (purges are idempotent, and what a replay
// removes anew is at worst a miss), or, when the log no longer reaches
// back that far, starts empty. Only purges are logged: capacity
// evictions and unpins never make a copy wrong. The log is in memory: a
// node restarted with a disk that missed purges serves what that disk
// held (see the operator guide in the README).
type purgeLog struct {
	mu       sync.Mutex // protects the rest
	entries  []purge    // the last maxPurges, oldest first
	next     uint64     // sequence number of the next purge
	inFlight map[uint64]struct{}
}

// purge is one removal: a slice key, a key prefix, or an object's
// slices.
type purge struct {
	seq  uint64
	kind byte // 'k' key, 'p' prefix, 'o' object
	key  string
}

// maxPurges bounds the log (a few hundred bytes each).
const maxPurges = 10_000

// add logs a purge about to be applied and returns its sequence number,
// to pass to done once it has been applied to every disk in service.
func (l *purgeLog) add(kind byte, key string) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) == maxPurges {
		l.entries = l.entries[1:]
	}
	seq := l.next
	l.entries = append(l.entries, purge{seq: seq, kind: kind, key: key})
	l.next++
	if l.inFlight == nil {
		l.inFlight = map[uint64]struct{}{}
	}
	l.inFlight[seq] = struct{}{}
	return seq
}

// done marks purge seq applied.
func (l *purgeLog) done(seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.inFlight, seq)
}

// mark is the first purge a disk leaving service now may miss: the
// oldest still being applied (it may have skipped the disk), or the
// next. It never decreases.
func (l *purgeLog) mark() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.next
	for seq := range l.inFlight {
		m = min(m, seq)
	}
	return m
}

// since returns the purges from sequence number from on, and false when
// some of them were forgotten.
func (l *purgeLog) since(from uint64) ([]purge, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := l.next - uint64(len(l.entries))
	if from < first {
		return nil, false
	}
	return append([]purge(nil), l.entries[min(from, l.next)-first:]...), true
}

// replay applies purges to d.
func (d *disk) replay(ps []purge) {
	for _, p := range ps {
		switch p.kind {
		case 'k':
			d.Delete(p.key)
		case 'p':
			_, _ = d.PurgePrefix(p.key)
		case 'o':
			d.DeleteObjectIf(p.key, func(*Record) bool { return true })
		}
	}
}
