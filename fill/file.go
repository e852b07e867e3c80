package fill

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/origin"
)

// Errors of a file fetch.
var (
	ErrChecksum     = errors.New("fill: checksum mismatch")
	ErrWindowClosed = errors.New("fill: window closed")
	errNoSource     = errors.New("fill: every source failed")
)

// fetchFile fetches e from the best source that has it, escalating on any
// error, and commits it only once its checksum matched. A file the
// window's end interrupts is not a failure: it returns ErrWindowClosed,
// counted as abandoned, for the caller to fetch again in the next window.
func (a *Agent) fetchFile(ctx context.Context, e manifest.Entry) error {
	if a.held(e) {
		a.pin(e, true)
		a.done(e, kindHeld)
		return nil
	}
	var errs []error
	for _, src := range a.sources(ctx, e) {
		err := a.fetchFrom(ctx, e, src)
		if err == nil {
			a.done(e, src.kind)
			return nil
		}
		if errors.Is(err, ErrWindowClosed) && ctx.Err() == nil {
			a.m.abandoned.Inc()
			a.log.Info("fill window closed: file abandoned, to be fetched again when it opens", "key", e.Key)
			return err
		}
		errs = append(errs, fmt.Errorf("%s %s: %w", src.kind, src.name, err))
		if errors.Is(err, ErrChecksum) {
			a.m.checksumFailures.Inc()
		}
		if ctx.Err() != nil || errors.Is(err, ErrWindowClosed) || errors.Is(err, ErrStoreFull) {
			break
		}
	}
	err := fmt.Errorf("%w for %s: %w", errNoSource, e.Key, errors.Join(errs...))
	a.failed(e, err)
	return err
}

// fetchFrom stores e from one source. The slices are written to
// uncommitted disk writers while the file's SHA-256 is computed, and
// committed and pinned only if it matches. They are committed in order,
// the last one last: a node waiting for this one as the file's master
// asks for the last byte (waitForMaster).
func (a *Agent) fetchFrom(ctx context.Context, e manifest.Entry, src source) error {
	var ws []SliceWriter
	committed := false
	defer func() {
		if !committed {
			for _, w := range ws {
				w.Abort()
			}
		}
	}()
	h := sha256.New()
	for idx := range a.slices(e.Size) {
		w, err := a.fetchSlice(ctx, e, src, idx, h)
		if err != nil {
			return err
		}
		ws = append(ws, w)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !manifest.SumMatches(got, e.SHA256) {
		return fmt.Errorf("%w: %s from %s is %s, the manifest says %s", ErrChecksum, e.Key, src.name, got, e.SHA256)
	}
	for _, w := range ws {
		if err := w.Commit(); err != nil {
			return err
		}
	}
	committed = true
	a.pin(e, true)
	return nil
}

// fetchSlice fetches slice idx of e into a new disk writer. It asks
// nothing of the source once the window has closed: a file started when
// its turn came (a worker freed by another file the window's end
// abandoned) or a file's next slice would otherwise cost the source one
// request outside the window.
func (a *Agent) fetchSlice(ctx context.Context, e manifest.Entry, src source, idx int64, h hash.Hash) (SliceWriter, error) {
	if !a.allowed() {
		return nil, ErrWindowClosed
	}
	req := origin.Request{Key: e.Key, Offset: idx * a.cfg.SliceBytes, Length: a.cfg.SliceBytes}
	obj, err := src.Fetch(ctx, req)
	if err != nil {
		return nil, err
	}
	defer obj.Body.Close()
	want := min(req.Length, e.Size-req.Offset)
	if obj.Size != e.Size || obj.Offset != req.Offset || obj.Length != want {
		return nil, fmt.Errorf("%w: %s answered %d+%d of %d, the manifest says size %d", origin.ErrBadResponse, src.name, obj.Offset, obj.Length, obj.Size, e.Size)
	}
	w, err := a.deps.Store.Create(Slice{
		Key: cachekey.SliceKey(e.Key, idx), Offset: obj.Offset, Length: obj.Length, ObjSize: obj.Size,
		ETag: obj.ETag, LastModified: obj.LastModified, ContentType: obj.ContentType,
	})
	if err != nil {
		return nil, err
	}
	body := &paced{ctx: ctx, a: a, r: obj.Body, kind: src.kind}
	if _, err := io.Copy(io.MultiWriter(w, h), body); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

// paced reads a source body under the agent's rate cap, stopping when the
// window closes, and accounts the bytes.
type paced struct {
	ctx  context.Context
	a    *Agent
	r    io.Reader
	kind string
}

func (p *paced) Read(b []byte) (int, error) {
	if !p.a.allowed() {
		return 0, ErrWindowClosed
	}
	b = b[:min(len(b), p.a.lim.Burst())]
	n, err := p.r.Read(b)
	if n > 0 {
		if werr := p.a.lim.WaitN(p.ctx, n); werr != nil {
			return n, werr
		}
		p.a.progress(int64(n), p.kind)
	}
	return n, err
}
