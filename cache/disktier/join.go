package disktier

import (
	"errors"
	"fmt"
	"time"
)

// join catches the newly opened disk d up on the purges its slot missed
// and places objects on it. Most of the catching up happens while purges
// go on; the rest, and entering the spread, while none is in progress
// (purgeMu), so no purge that has returned can leave a copy on d. It
// starts once d's index is loaded. On error d is closed.
func (s *Store) join(sl *slot, d *disk) error {
	select { // the load counts what it scans: let no purge race it
	case <-d.loadDone:
	case <-d.dead:
	}
	next, err := s.catchUp(d, sl.mark)
	if err == nil {
		s.purgeMu.Lock()
		_, err = s.catchUp(d, next)
		if err == nil {
			err = s.enter(sl, d)
		}
		s.purgeMu.Unlock()
	}
	if err != nil {
		_ = d.Close()
	}
	return err
}

// catchUp replays on d the purges from mark on, or, when the log no
// longer reaches back that far, empties d. It returns the mark to catch
// up from next time.
func (s *Store) catchUp(d *disk, mark uint64) (uint64, error) {
	ps, ok := s.purges.since(mark)
	if !ok {
		d.log.Warn("disk missed more purges than are remembered; emptying it")
		if err := d.empty(); err != nil {
			return 0, err
		}
		return s.catchUp(d, s.purges.mark())
	}
	d.replay(ps)
	if len(ps) > 0 {
		mark = ps[len(ps)-1].seq + 1
	}
	if r := d.failed(); r != "" {
		return 0, fmt.Errorf("%w: %s", ErrDiskFailed, r)
	}
	return mark, nil
}

// enter puts d into service in sl. purgeMu is held.
func (s *Store) enter(sl *slot, d *disk) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return errors.New("disktier: the tier was closed")
	}
	sl.d, sl.state, sl.reason, sl.since = d, stateServing, "", time.Now()
	s.relayoutLocked()
	return nil
}

// empty removes everything the disk holds, a page of records at a time.
func (d *disk) empty() error {
	for {
		recs, err := d.List("", "", 1000)
		if err != nil || len(recs) == 0 {
			return err
		}
		for _, r := range recs {
			d.evict(r.Key, reasonPurge)
		}
		if r := d.failed(); r != "" {
			return fmt.Errorf("%w: %s", ErrDiskFailed, r)
		}
	}
}
