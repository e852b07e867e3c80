package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/steering/cluster"
)

// fillOpts are the edge's fill agent flags. The agent runs when the node
// has a manifest public key.
type fillOpts struct {
	publicKey   string
	manifestURL string
	tokenFile   string
	window      string
	tz          string
	rate        string
	concurrency int
	masters     int
	masterWait  time.Duration
	poll        time.Duration
	heartbeat   time.Duration
}

func (f *fillOpts) bind(fs *pflag.FlagSet) {
	def := fill.DefaultConfig()
	fs.StringVar(&f.publicKey, "manifest-public-key", "", "ed25519 public key (base64) that fill manifests must be signed with (`vodedge fill keygen`); turns the fill agent on")
	fs.StringVar(&f.manifestURL, "manifest-url", "", "controller URL of this site's manifest, e.g. http://controller:8070/v1/manifests/ams (polled for deltas; file indexes come from the same controller's /v1/indexes/; manifests can also be pushed to PUT /v1/fill/manifest on --admin)")
	fs.StringVar(&f.tokenFile, "manifest-token-file", "", "bearer token file for the controller's API (manifest polls and progress reports)")
	fs.StringVar(&f.window, "fill-window", "02:00-14:00", "daily fill window HH:MM-HH:MM in --fill-tz (00:00-00:00: always)")
	fs.StringVar(&f.tz, "fill-tz", "Local", "time zone of the fill window (IANA name, e.g. Europe/Amsterdam)")
	fs.StringVar(&f.rate, "fill-rate", "1.2Gbit", "cap on fill traffic in bits/s")
	fs.IntVar(&f.concurrency, "fill-concurrency", def.Concurrency, "files fetched at once")
	fs.IntVar(&f.masters, "fill-masters", def.Masters, "nodes of the site that fetch each file from the origin first (the others copy from them)")
	fs.DurationVar(&f.masterWait, "fill-master-wait", def.MasterWait, "how long a node waits for a fill master before going to the origin itself")
	fs.DurationVar(&f.poll, "manifest-poll", def.PollEvery, "how often the manifest is polled")
	fs.DurationVar(&f.heartbeat, "heartbeat-every", def.HeartbeatEvery, "how often the node reports itself (name, site, weight, capacity, disks, version) to the controller's node registry beside --manifest-url (POST /v1/nodes/heartbeat, same token); the controller plans the node while these arrive within its --registry-grace; 0: never")
}

// config is the fill agent's configuration, or nil when fill is off.
func (f *fillOpts) config(o *edgeOpts) (*edge.Fill, error) {
	if f.publicKey == "" {
		if f.manifestURL != "" {
			return nil, errors.New("--manifest-url needs --manifest-public-key: manifests are verified")
		}
		return nil, nil
	}
	if o.disk.bytes == 0 {
		return nil, errors.New("fill needs the disk tier (--disk-bytes > 0)")
	}
	key, err := manifest.ParsePublicKey(f.publicKey)
	if err != nil {
		return nil, fmt.Errorf("--manifest-public-key: %w", err)
	}
	ef := edge.DefaultFill(key)
	cfg := &ef.Agent
	loc, err := time.LoadLocation(f.tz)
	if err != nil {
		return nil, fmt.Errorf("--fill-tz: %w", err)
	}
	if cfg.Window, err = fill.ParseWindow(f.window, loc); err != nil {
		return nil, fmt.Errorf("--fill-window: %w", err)
	}
	bps, err := cluster.ParseBitRate(f.rate)
	if err != nil {
		return nil, fmt.Errorf("--fill-rate: %w", err)
	}
	cfg.ManifestURL, cfg.PollEvery = f.manifestURL, f.poll
	if f.heartbeat < 0 {
		return nil, errors.New("--heartbeat-every must not be negative")
	}
	cfg.HeartbeatEvery = f.heartbeat
	cfg.RateBytes, cfg.Concurrency = int64(bps/8), f.concurrency
	cfg.Masters, cfg.MasterWait = f.masters, f.masterWait
	toks, err := readTokens("manifest-token-file", f.tokenFile)
	if len(toks) > 0 {
		ef.Token = toks[0]
	}
	return ef, err
}
