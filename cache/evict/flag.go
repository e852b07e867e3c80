package evict

// SetFlag sets h's entry's flag, one bit the caller gives a meaning to
// (the disk tier: the object was verified since start-up), and reports
// whether h is present. The flag is cleared when a second key joins the
// entry or one of two leaves (it was one key's), is not saved by
// Export, and goes with the entry. Stat reads it.
func (c *Compact) SetFlag(h uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	x, _ := c.t.find(h)
	if x != nil {
		x.state |= flagBit
	}
	return x != nil
}
