package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/origin/transcode"
)

// chunkFlag is --chunk-duration: a duration where 0 means "never chunk"
// (transcode.NoChunks).
type chunkFlag struct{ d *time.Duration }

func (c chunkFlag) String() string {
	if c.d == nil || *c.d == transcode.NoChunks {
		return "0s"
	}
	return c.d.String()
}

func (c chunkFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if d == 0 {
		d = transcode.NoChunks
	}
	*c.d = d
	return nil
}

func (chunkFlag) Type() string { return "duration" }

func bindChunkFlag(f *pflag.FlagSet, c *transcode.Config) {
	f.Var(chunkFlag{&c.ChunkDuration}, "chunk-duration",
		"cut a long source's video into chunks of this length (whole segments), each encoded as its own step and joined without re-encoding; sources under two chunks are encoded whole; 0 turns chunking off")
}
