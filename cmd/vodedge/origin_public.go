package main

import (
	"github.com/spf13/pflag"
)

// bindPublic binds the public catalogue's flags (controller.PublicCatalog).
func (o *originOpts) bindPublic(f *pflag.FlagSet) {
	p := &o.cfg.Public
	f.BoolVar(&p.Disabled, "no-public-catalog", false, "turn off the unauthenticated read-only catalogue for apps (GET /public/v1/titles[/{id}]: published titles, public fields, playback entry points)")
	f.StringVar(&p.SteeringURL, "public-steering-url", "", "the steering service players start from: the public catalogue's playback URLs are STEERING/titles/{id}/master.m3u8 and manifest.mpd (default: --ui-steer-url, else this controller's own /titles/ route)")
	f.DurationVar(&p.MaxAge, "public-max-age", 0, "Cache-Control max-age of the public catalogue's answers, so edges and browsers cache them (default 1m)")
	f.Float64Var(&p.RatePerSec, "public-rate", 0, "requests per second each client address may make to the public catalogue, then 429 with Retry-After (default 20; negative: no limit)")
	f.IntVar(&p.Burst, "public-burst", 0, "requests a client address may make at once before --public-rate applies (default 40)")
}
