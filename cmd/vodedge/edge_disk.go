package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// diskOpts are the edge's disk tier flags.
type diskOpts struct {
	dir          string
	bytes        bytesize.Size
	disks        diskList
	verifySample float64
	scrubRate    bytesize.Size
	indexCache   bytesize.Size
	flags        *pflag.FlagSet // to tell flags given from defaults
}

func (d *diskOpts) bind(f *pflag.FlagSet) {
	def := disktier.DefaultConfig("", 0)
	d.flags = f
	f.Var(&d.disks, "disk", "a disk of the disk tier (repeat it, or list several comma-separated; in the config file, a list): "+
		"each its own store, objects spread over them by capacity. Without SIZE the disk takes what it holds plus what its filesystem has free, "+
		"less max(1GiB, 5% of the filesystem). Replaces --disk-dir and --disk-bytes")
	f.StringVar(&d.dir, "disk-dir", "vodedge-cache", "disk tier directory (index/, data/, tmp/) when it is one disk; created if missing")
	d.bytes = 4 << 30
	f.Var(&d.bytes, "disk-bytes", "capacity of --disk-dir, e.g. 4GiB, 20TiB; 0 turns the disk tier off")
	f.Float64Var(&d.verifySample, "disk-verify-sample", def.VerifySample, "fraction of disk reads checksummed after an object's first read since start-up (which always is)")
	d.scrubRate = bytesize.Size(def.ScrubBytesPerSec)
	f.Var(&d.scrubRate, "disk-scrub-rate", "background checksum scrubber rate in bytes/s, per disk; 0 turns it off")
	d.indexCache = bytesize.Size(def.IndexCacheMaxBytes)
	f.Var(&d.indexCache, "disk-index-cache-max", "most memory each disk's index cache may take (outside the Go heap): it takes what the disk's index holds, about 300 bytes an object (6-7 GiB at 20 M objects), read into it after start if it fits, so a lookup never reads the disk; 0 keeps it at 64MiB, and lookups then read index blocks from the page cache")
}

// config is the disk tier's configuration, or nil when it is off.
func (d *diskOpts) config() (*disktier.Config, error) {
	if len(d.disks) > 0 && (d.changed("disk-dir") || d.changed("disk-bytes")) {
		return nil, errors.New("--disk: give --disk, or the one-disk --disk-dir and --disk-bytes, not both")
	}
	if len(d.disks) == 0 && d.bytes == 0 {
		return nil, nil
	}
	cfg := disktier.DefaultConfig(d.dir, int64(d.bytes))
	if len(d.disks) > 0 {
		cfg.Dir, cfg.CapacityBytes, cfg.Disks = "", 0, d.disks
	}
	cfg.VerifySample, cfg.ScrubBytesPerSec = d.verifySample, int64(d.scrubRate)
	cfg.IndexCacheMaxBytes = int64(d.indexCache)
	return &cfg, nil
}

func (d *diskOpts) changed(name string) bool {
	f := d.flags.Lookup(name)
	return f != nil && f.Changed
}

// flag is the flag to blame for the disk tier's configuration errors.
func (d *diskOpts) flag() string {
	if len(d.disks) > 0 {
		return "--disk"
	}
	return "--disk-dir"
}

func (d *diskOpts) describe() string {
	switch {
	case len(d.disks) > 0:
		return d.disks.String()
	case d.bytes == 0:
		return "off"
	}
	return fmt.Sprintf("%s in %s", d.bytes, d.dir)
}

// diskList is the --disk flag: each use (or comma-separated element, as
// a config file's list arrives) adds a disk.
type diskList []disktier.Disk

// Set implements pflag.Value.
func (l *diskList) Set(s string) error {
	for _, spec := range strings.Split(s, ",") {
		d, err := parseDiskSpec(spec)
		if err != nil {
			return err
		}
		*l = append(*l, d)
	}
	return nil
}

// Type implements pflag.Value.
func (l *diskList) Type() string { return "PATH[:SIZE]" }

// String implements pflag.Value.
func (l *diskList) String() string {
	parts := make([]string, len(*l))
	for i, d := range *l {
		parts[i] = d.Path
		if d.CapacityBytes > 0 {
			parts[i] += ":" + bytesize.Size(d.CapacityBytes).String()
		}
	}
	return strings.Join(parts, ",")
}

// parseDiskSpec parses PATH[:SIZE]: a SIZE is what follows the last
// colon (a byte count, as --disk-bytes takes); none, or 0, is the
// filesystem's free space less the margin.
func parseDiskSpec(spec string) (disktier.Disk, error) {
	path, size := strings.TrimSpace(spec), ""
	if i := strings.LastIndexByte(path, ':'); i >= 0 {
		path, size = path[:i], path[i+1:]
	}
	if path == "" {
		return disktier.Disk{}, fmt.Errorf("%q: no path (want PATH[:SIZE], e.g. /srv/disk1:8TiB)", spec)
	}
	if size == "" {
		return disktier.Disk{Path: path}, nil
	}
	n, err := bytesize.Parse(size)
	if err != nil {
		return disktier.Disk{}, fmt.Errorf("%q: SIZE %q is not a byte count (want PATH[:SIZE], e.g. /srv/disk1:8TiB)", spec, size)
	}
	return disktier.Disk{Path: path, CapacityBytes: int64(n)}, nil
}
