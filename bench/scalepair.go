package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
)

// Paired lookups: the target compares a lookup's p99 at 20 M
// objects with its p99 at 100k, but each size runs in its own process,
// minutes after the other, and on 2 cores shared with other jobs the
// p99 of one pass moves with their load (the 100k p99 of one pass
// ranged 30–127 µs over a day). So the child of every size after the
// first also opens the first size's disk (the peer) once its own passes
// are done, and times lookups on both in turn, pairBatch at a time: the
// noise of the machine falls on both alike, and their ratio is a
// same-run figure. The peer is opened last, so the size's own memory
// and restart figures are its alone (the peak RSS at the end includes
// the peer's, about 0.1 GB at 100k).

// pairBatch is how many lookups of one disk are timed before the other's.
const pairBatch = 1000

// PairedLookups are the p50 and p99 of a size's lookups (Own…) and of the
// peer's (Peer…), alternated in one process: uniformly random keys,
// then Zipf(1) ones.
type PairedLookups struct {
	PeerObjects int `json:"peer_objects"`
	Lookups     int `json:"lookups"` // of each disk, each pass

	OwnP50      time.Duration `json:"own_p50_ns"`
	OwnP99      time.Duration `json:"own_p99_ns"`
	PeerP50     time.Duration `json:"peer_p50_ns"`
	PeerP99     time.Duration `json:"peer_p99_ns"`
	OwnZipfP50  time.Duration `json:"own_zipf_p50_ns"`
	OwnZipfP99  time.Duration `json:"own_zipf_p99_ns"`
	PeerZipfP50 time.Duration `json:"peer_zipf_p50_ns"`
	PeerZipfP99 time.Duration `json:"peer_zipf_p99_ns"`
}

// Ratios are own p99 ÷ peer p99, uniform and Zipf.
func (p *PairedLookups) Ratios() (uniform, zipf float64) {
	return ratio(float64(p.OwnP99), float64(p.PeerP99)), ratio(float64(p.OwnZipfP99), float64(p.PeerZipfP99))
}

// lookupDraw times lookups of one store's keys, drawn from its own
// generator.
type lookupDraw struct {
	s       *disktier.Store
	rnd     *rand.Rand
	draw    func(*rand.Rand) int
	timings []time.Duration
}

// run times n lookups, keeping the timings of those found.
func (l *lookupDraw) run(n int) {
	for range n {
		key := scaleKey(l.draw(l.rnd))
		start := time.Now()
		_, ok := l.s.Lookup(key, true)
		d := time.Since(start)
		if ok {
			l.timings = append(l.timings, d)
		}
	}
}

// paired opens the peer disk, waits for its start-up work to end and
// times both disks' lookups in turn.
func (res *ScaleNodeResult) paired(ctx context.Context, cfg *ScaleNodeConfig, own *disktier.Store) error {
	peerCfg := ScaleNodeConfig{Objects: cfg.PeerObjects, Baseline: cfg.Baseline, SliceBytes: cfg.SliceBytes}
	dc := disktier.DefaultConfig(cfg.PeerDir, peerCfg.scaleCapacity())
	dc.ScrubBytesPerSec, dc.MinFreeBytes = 0, 0
	peer, err := disktier.Open(dc, disktier.Deps{Logger: cfg.Log})
	if err != nil {
		return fmt.Errorf("bench: opening the peer disk: %w", err)
	}
	defer peer.Close()
	if err := await(ctx, peer.Swept, cfg.ReadyTimeout, "peer disk not swept"); err != nil {
		return err
	}
	p := &PairedLookups{PeerObjects: cfg.PeerObjects}
	uniform := func(n int) func(*rand.Rand) int { return func(r *rand.Rand) int { return r.IntN(n) } }
	a, b := alternate(ctx, cfg, &lookupDraw{s: own, draw: uniform(cfg.Objects)}, &lookupDraw{s: peer, draw: uniform(cfg.PeerObjects)}, 5)
	p.OwnP50, p.OwnP99, p.PeerP50, p.PeerP99 = percentile(a, 0.5), percentile(a, 0.99), percentile(b, 0.5), percentile(b, 0.99)
	p.Lookups = min(len(a), len(b))
	a, b = alternate(ctx, cfg, &lookupDraw{s: own, draw: newZipfKeys(cfg.Objects).draw}, &lookupDraw{s: peer, draw: newZipfKeys(cfg.PeerObjects).draw}, 6)
	p.OwnZipfP50, p.OwnZipfP99, p.PeerZipfP50, p.PeerZipfP99 = percentile(a, 0.5), percentile(a, 0.99), percentile(b, 0.5), percentile(b, 0.99)
	res.Paired = p
	return nil
}

// alternate times pairBatch lookups of a, then of b, and so on until
// each has Lookups timings or the pass has taken twice LookupTime.
func alternate(ctx context.Context, cfg *ScaleNodeConfig, a, b *lookupDraw, seed uint64) ([]time.Duration, []time.Duration) {
	a.rnd = rand.New(rand.NewPCG(uint64(cfg.Objects), seed))
	b.rnd = rand.New(rand.NewPCG(uint64(cfg.PeerObjects), seed))
	end := time.Now().Add(2 * cfg.LookupTime)
	for (len(a.timings) < cfg.Lookups || len(b.timings) < cfg.Lookups) && time.Now().Before(end) && ctx.Err() == nil {
		a.run(pairBatch)
		b.run(pairBatch)
	}
	return a.timings, b.timings
}
