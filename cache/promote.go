package cache

import (
	"context"

	"github.com/vodedge/vodedge/cache/disktier"
)

// maybePromote queues a disk hit for promotion to the RAM tier when it
// brought the slice's hit counter in the disk's eviction table to 2: on
// its 2nd hit since stored, and again after each move to S3-FIFO's main
// queue (which clears the counter), so popular slices get a chance at
// RAM and a slice the RAM tier keeps refusing costs a disk read only
// now and then. The request path never waits: a full queue drops the
// promotion. Without a RAM tier nothing is promoted: the promoter's
// read of the slice would be a wasted disk read.
func (t *tiers) maybePromote(rec *disktier.Record) {
	if t.promotions == nil || t.disk.Hits(rec.Key) != 2 {
		return
	}
	select {
	case t.promotions <- rec:
	default:
		t.metrics.promoteDropped.Inc()
	}
}

// promoter reads queued slices (verifying their checksums) and offers
// them to the RAM tier, whose admission policy decides.
func (t *tiers) promoter(ctx context.Context) {
	defer t.bg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case rec := <-t.promotions:
			t.promote(rec)
		}
	}
}

func (t *tiers) promote(rec *disktier.Record) {
	cr, err := t.disk.NewChunkReader(rec)
	if err != nil {
		return
	}
	data, err := cr.ReadAll()
	cr.Close()
	if err != nil {
		return
	}
	if t.ram.Set(newSlice(rec.Key, t.recordMeta(rec), rec.Offset, data, t.memfds, t.log), 0) {
		t.metrics.promotions.Inc()
	}
}
