package disktier

import (
	"fmt"
	"syscall"
)

// size sets the disk's placement weight (its capacity) and, when the
// capacity follows the filesystem, the margin it leaves free.
func (s *disk) size() error {
	if s.cfg.CapacityBytes > 0 {
		s.weight = float64(s.cfg.CapacityBytes)
		return nil
	}
	total, err := statfsSize(s.cfg.Dir)
	if err != nil {
		return fmt.Errorf("disktier: sizing %s: %w", s.cfg.Dir, err)
	}
	s.margin = autoMargin(total)
	if total-s.margin < 1<<20 {
		return fmt.Errorf("disktier: %s: the filesystem (%d bytes) is smaller than the margin kept free (%d); give the disk a size", s.cfg.Dir, total, s.margin)
	}
	s.weight = float64(total - s.margin)
	free, err := s.free()
	if err != nil {
		return fmt.Errorf("disktier: free space on %s: %w", s.cfg.Dir, err)
	}
	s.freeBytes.Store(free)
	return nil
}

// capacityLocked bounds the data files: the configured capacity, or
// what the disk holds plus what its filesystem has free, less the
// margin. s.space must be held.
func (s *disk) capacityLocked() int64 {
	if s.cfg.CapacityBytes > 0 {
		return s.cfg.CapacityBytes
	}
	return max(0, s.usedLocked()+s.freeBytes.Load()-s.margin)
}

// statfsSize is the size of the filesystem holding dir.
func statfsSize(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Blocks) * st.Bsize, nil
}
