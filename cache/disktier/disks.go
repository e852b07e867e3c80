package disktier

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Disk is one drive of the tier: a directory on its own filesystem.
type Disk struct {
	// Path holds the disk's index/ (Pebble), data/ (one file per slice)
	// and tmp/; created if missing. It is also the disk's identity for
	// placement, so keep it stable across restarts.
	Path string
	// CapacityBytes bounds the data files' total size (each rounded up to
	// 4 KiB blocks). 0 follows the filesystem: what the disk holds plus
	// what is free, less a margin of max(1 GiB, 5 % of the filesystem)
	// left for the index and the filesystem's own needs (see autoMargin).
	CapacityBytes int64
}

// DiskList is the tier's disks: Disks, or the one-disk shorthand.
func (c *Config) DiskList() []Disk {
	if len(c.Disks) > 0 || c.Dir == "" {
		return c.Disks
	}
	return []Disk{{Path: c.Dir, CapacityBytes: c.CapacityBytes}}
}

// checkDisks validates the disk list: at least one, paths given and
// distinct, explicit capacities of at least 1 MiB.
func checkDisks(disks []Disk, both bool) error {
	if both {
		return errors.New("disktier: give Disks or the one-disk Dir, not both")
	}
	if len(disks) == 0 {
		return errors.New("disktier: no disk")
	}
	var errs []error
	seen := map[string]bool{}
	for _, d := range disks {
		p := absPath(d.Path)
		switch {
		case d.Path == "":
			errs = append(errs, errors.New("disktier: a disk without a path"))
		case seen[p]:
			errs = append(errs, fmt.Errorf("disktier: disk %s listed twice", p))
		case d.CapacityBytes != 0 && d.CapacityBytes < 1<<20:
			errs = append(errs, fmt.Errorf("disktier: disk %s: capacity must be at least 1 MiB (or 0: the filesystem's), got %d", p, d.CapacityBytes))
		}
		seen[p] = true
	}
	if len(errs) == 0 {
		_, err := diskNames(disks)
		return err
	}
	return errors.Join(errs...)
}

// diskNames returns each disk's short name, used in metrics labels, logs
// and the admin API: the last element of its path (/srv/disk07 →
// "disk07"), or, where two disks share it, the whole path with the
// leading "/" dropped and "/" turned into "-" (/mnt/a/cache →
// "mnt-a-cache").
func diskNames(disks []Disk) ([]string, error) {
	base := map[string]int{}
	for _, d := range disks {
		base[filepath.Base(absPath(d.Path))]++
	}
	names := make([]string, len(disks))
	seen := map[string]string{}
	for i, d := range disks {
		p := absPath(d.Path)
		n := filepath.Base(p)
		if base[n] > 1 || n == "/" {
			n = strings.ReplaceAll(strings.TrimLeft(p, "/"), "/", "-")
		}
		if other, dup := seen[n]; dup {
			return nil, fmt.Errorf("disktier: disks %s and %s would both be named %q; rename a directory", other, p, n)
		}
		seen[n], names[i] = p, n
	}
	return names, nil
}

// absPath is path made absolute (cleaned, as it is when that fails).
func absPath(path string) string {
	if p, err := filepath.Abs(path); err == nil {
		return p
	}
	return filepath.Clean(path)
}

// autoMargin is what a disk without an explicit capacity leaves free on
// a filesystem of size bytes: 5 %, at least 1 GiB. Pebble's index (about
// 200 bytes per slice, 0.005 % of 4 MiB slices) and the filesystem's own
// metadata live in it, and it keeps the disk clear of MinFreeBytes, below
// which the disk would turn degraded instead of evicting.
func autoMargin(size int64) int64 { return max(1<<30, size/20) }
