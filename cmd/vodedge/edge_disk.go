package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// diskOpts are the edge's disk tier flags.
type diskOpts struct {
	dir          string
	bytes        bytesize.Size
	verifySample float64
	scrubRate    bytesize.Size
}

func (d *diskOpts) bind(f *pflag.FlagSet) {
	def := disktier.DefaultConfig("", 0)
	f.StringVar(&d.dir, "disk-dir", "vodedge-cache", "disk tier directory (index/, data/, tmp/); created if missing")
	d.bytes = 4 << 30
	f.Var(&d.bytes, "disk-bytes", "disk tier capacity, e.g. 4GiB, 20TiB; 0 turns the disk tier off")
	f.Float64Var(&d.verifySample, "disk-verify-sample", def.VerifySample, "fraction of disk reads checksummed after an object's first read since start-up (which always is)")
	d.scrubRate = bytesize.Size(def.ScrubBytesPerSec)
	f.Var(&d.scrubRate, "disk-scrub-rate", "background checksum scrubber rate in bytes/s; 0 turns it off")
}

// config is the disk tier's configuration, or nil when it is off.
func (d *diskOpts) config() (*disktier.Config, error) {
	if d.bytes == 0 {
		return nil, nil
	}
	cfg := disktier.DefaultConfig(d.dir, int64(d.bytes))
	cfg.VerifySample, cfg.ScrubBytesPerSec = d.verifySample, int64(d.scrubRate)
	return &cfg, nil
}

func (d *diskOpts) describe() string {
	if d.bytes == 0 {
		return "off"
	}
	return fmt.Sprintf("%s in %s", d.bytes, d.dir)
}
