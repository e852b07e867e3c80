package evict

// CompactStat is one entry's eviction state.
type CompactStat struct {
	Freq   uint8 // hits counted, 0–3
	Main   bool  // in the main queue (else the small one, or none)
	Pinned bool
	Flag   bool  // see SetFlag
	Keys   int   // keys sharing the hash
	Bytes  int64 // charged, all keys
}

// Stat returns h's entry's state.
func (c *Compact) Stat(h uint64) (CompactStat, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	x, _ := c.t.find(h)
	if x == nil {
		return CompactStat{}, false
	}
	return CompactStat{Freq: x.freq(), Main: x.queue() == inMain, Pinned: x.pinned(),
		Flag: x.state&flagBit != 0, Keys: int(x.keys), Bytes: int64(x.blocks) * BlockBytes}, true
}

// CompactStats describes a Compact table as a whole.
type CompactStats struct {
	Entries     int
	SmallBytes  int64  // in the small queue
	MainBytes   int64  // in the main queue
	PinnedBytes int64  // pinned, in no queue
	VictimBytes int64  // handed out by Victim, not yet evicted
	Forced      uint64 // victims taken when ScanLimit ran out
	Collisions  uint64 // Adds that found their hash present
}

// Bytes returns the bytes charged to every entry.
func (s CompactStats) Bytes() int64 {
	return s.SmallBytes + s.MainBytes + s.PinnedBytes + s.VictimBytes
}

// Stats returns the table's counts.
func (c *Compact) Stats() CompactStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	return CompactStats{Entries: t.nodes.live, SmallBytes: t.small.blocks * BlockBytes, MainBytes: t.main.blocks * BlockBytes,
		PinnedBytes: t.pinBlocks * BlockBytes, VictimBytes: t.idleBlocks * BlockBytes, Forced: t.forced, Collisions: t.collisions}
}
