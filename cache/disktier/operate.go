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
	info, closeIt, err := s.offlineLocked(name)
	s.mu.Unlock()
	if err != nil || closeIt == nil {
		return info, err
	}
	s.log.Warn("disk taken offline; its objects are refetched onto the others", "disk", name, "disks_in_service", s.Serving())
	if err := closeIt(); err != nil {
		s.log.Error("closing a disk taken offline", "disk", name, "err", err)
	}
	return info, nil
}

// offlineLocked takes the disk named name out of the placement and
// returns the function that closes it (nil when it was not open). s.mu
// is held.
func (s *Store) offlineLocked(name string) (DiskInfo, func() error, error) {
	sl, err := s.slotLocked(name)
	if err == nil {
		err = s.canOfflineLocked(sl)
	}
	if err != nil {
		return DiskInfo{}, nil, err
	}
	const why = "taken offline by the operator"
	d := sl.d
	if d == nil { // failed: already out of service
		sl.state, sl.reason, sl.since = stateOffline, why, time.Now()
		return sl.info(), nil, nil
	}
	closeIt := sl.leaveLocked(d, stateOffline, why)
	s.relayoutLocked()
	sl.mark = s.purges.mark() // after the relayout: later purges skip it
	if d.failed() != "" {
		sl.mark = d.leftAt.Load() // purges since it failed may have failed on it
	}
	return sl.info(), closeIt, nil
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
	sl, closed, err := s.claim(name)
	if err != nil {
		return DiskInfo{}, err
	}
	sl.waitClosed(closed)
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

// claim marks the disk named name as being brought online, and returns
// what to wait on before opening it (see slot.closed).
func (s *Store) claim(name string) (*slot, <-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, err := s.slotLocked(name)
	switch {
	case err != nil:
		return nil, nil, err
	case s.mu.closed:
		return nil, nil, fmt.Errorf("%w: the tier is closed", ErrDiskState)
	case sl.busy:
		return nil, nil, fmt.Errorf("%w: %s is already being brought online", ErrDiskState, name)
	case sl.d != nil:
		return nil, nil, fmt.Errorf("%w: %s is already in service", ErrDiskState, name)
	}
	sl.busy = true
	return sl, sl.closed, nil
}
