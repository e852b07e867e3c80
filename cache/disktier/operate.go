package disktier

import (
	"errors"
	"fmt"
	"time"
)

// The operator's verbs: take a disk out of service, bring one (back)
// into service, without restarting the node.

// Errors of Offline and Online the admin API maps to a status.
var (
	// ErrUnknownDisk: no disk of that name.
	ErrUnknownDisk = errors.New("disktier: no such disk")
	// ErrDiskState: the disk is not in a state the operation applies to.
	ErrDiskState = errors.New("disktier: disk in the wrong state")
)

// Offline takes the disk named name out of service: objects stop being
// placed on it at once (they are misses, refetched onto the others), and
// it is closed. A response in flight from it ends with the bytes its
// data file holds, which are never removed by closing. A failed disk is
// marked offline. The last disk in service cannot be taken offline.
func (s *Store) Offline(name string) (DiskInfo, error) {
	s.mu.Lock()
	sl, err := s.slotLocked(name)
	if err == nil {
		err = s.canOfflineLocked(sl)
	}
	if err != nil {
		s.mu.Unlock()
		return DiskInfo{}, err
	}
	d := sl.d
	sl.d, sl.state, sl.reason, sl.since = nil, stateOffline, "taken offline by the operator", time.Now()
	if d != nil {
		s.relayoutLocked()
		sl.mark = s.purges.mark() // after the relayout: later purges skip it
		if d.failed() != "" {
			sl.mark = d.leftAt.Load() // purges since may have failed on it
		}
	}
	info := sl.info()
	s.mu.Unlock()
	if d == nil {
		return info, nil
	}
	s.log.Warn("disk taken offline; its objects are refetched onto the others", "disk", name, "disks_in_service", s.Serving())
	if err := d.Close(); err != nil {
		s.log.Error("closing a disk taken offline", "disk", name, "err", err)
	}
	return info, nil
}

// canOfflineLocked says why sl cannot be taken offline; s.mu is held.
func (s *Store) canOfflineLocked(sl *slot) error {
	switch {
	case s.mu.closed:
		return fmt.Errorf("%w: the tier is closed", ErrDiskState)
	case sl.busy:
		return fmt.Errorf("%w: %s is being brought online", ErrDiskState, sl.name)
	case sl.state == stateOffline:
		return fmt.Errorf("%w: %s is already offline", ErrDiskState, sl.name)
	case sl.d != nil && len(s.inService()) == 1:
		return fmt.Errorf("%w: %s is the last disk in service", ErrDiskState, sl.name)
	}
	return nil
}

// slotLocked finds the disk named name; s.mu is held.
func (s *Store) slotLocked(name string) (*slot, error) {
	for _, sl := range s.mu.slots {
		if sl.name == name {
			return sl, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownDisk, name)
}

// Online brings the disk named name, offline or failed, into service:
// the disk it held before (first losing what was purged meanwhile, or
// everything when too much was), or an empty one put in its place. It
// returns once the disk serves. When it cannot be opened it stays out of
// service and the error says why.
func (s *Store) Online(name string) (DiskInfo, error) {
	sl, err := s.claim(name)
	if err != nil {
		return DiskInfo{}, err
	}
	d, err := s.openDisk(sl)
	if err == nil {
		err = s.join(sl, d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sl.busy = false
	if err != nil {
		sl.reason = "could not be brought online: " + err.Error()
		return sl.info(), err
	}
	s.log.Info("disk brought online", "disk", name, "disks_in_service", len(s.inService()))
	return sl.info(), nil
}

// claim marks the disk named name as being brought online.
func (s *Store) claim(name string) (*slot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, err := s.slotLocked(name)
	switch {
	case err != nil:
		return nil, err
	case s.mu.closed:
		return nil, fmt.Errorf("%w: the tier is closed", ErrDiskState)
	case sl.busy:
		return nil, fmt.Errorf("%w: %s is already being brought online", ErrDiskState, name)
	case sl.d != nil:
		return nil, fmt.Errorf("%w: %s is already in service", ErrDiskState, name)
	}
	sl.busy = true
	return sl, nil
}
