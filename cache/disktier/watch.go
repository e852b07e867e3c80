package disktier

// The set's watcher: a failed disk tells it (kick, never blocking the
// disk), and the watcher takes every failed disk out of the spread, so
// that its objects are placed on the other disks from the next lookup
// on, then closes it.

// kick wakes the watcher; a wake-up already pending covers this one.
func (s *Store) kick() {
	select {
	case s.kicks <- struct{}{}:
	default:
	}
}

// watch runs until Close.
func (s *Store) watch() {
	defer close(s.watched)
	for {
		select {
		case <-s.stopWatch:
			return
		case <-s.kicks:
			s.retireFailed()
		}
	}
}

// retireFailed takes the failed disks out of service and closes them.
func (s *Store) retireFailed() {
	s.mu.Lock()
	var gone []*disk
	var closers []func() error
	for _, sl := range s.mu.slots {
		if d := sl.d; d != nil && d.failed() != "" {
			gone = append(gone, d)
			closers = append(closers, sl.leaveLocked(d, stateFailed, d.failed()))
			sl.mark = d.leftAt.Load()
		}
	}
	if len(gone) > 0 {
		s.relayoutLocked()
	}
	s.mu.Unlock()
	for i, d := range gone {
		s.log.Warn("disk out of service; its objects are refetched onto the others", "disk", d.name, "reason", d.failed(), "disks_in_service", s.Serving())
		_ = closers[i]()
	}
}
