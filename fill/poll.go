package fill

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
)

// maxManifestBytes bounds a manifest document on the wire (compressed);
// a 30-million-file site's full manifest is about 30 MB.
const maxManifestBytes = 256 << 20

// pollLoop fetches the site's parents and manifest from the controller
// every PollEvery (and at once).
func (a *Agent) pollLoop(ctx context.Context) {
	for {
		// Parents first: the files of a new manifest are fetched from them.
		if err := a.pollParents(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("polling the site's parents failed", "url", a.cfg.parentsURL(), "err", err)
		}
		if err := a.pollOnce(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("polling the fill manifest failed", "url", a.cfg.ManifestURL, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.cfg.PollEvery):
		}
	}
}

// pollOnce asks for a delta against the manifest held; a delta that does
// not apply (ErrBase) is followed at once by a request for the full one.
func (a *Agent) pollOnce(ctx context.Context) error {
	var base int64
	if l := a.latest(); l != nil {
		base = l.Header.Version
	}
	err := a.poll(ctx, base)
	if errors.Is(err, manifest.ErrBase) {
		a.log.Warn("the delta manifest does not apply here: fetching the full manifest", "err", err)
		err = a.poll(ctx, 0)
	}
	return err
}

func (a *Agent) poll(ctx context.Context, base int64) error {
	u := a.cfg.ManifestURL
	if base > 0 {
		q := url.Values{"base": {strconv.FormatInt(base, 10)}}
		if pu, err := url.Parse(u); err == nil && pu.RawQuery != "" {
			u += "&" + q.Encode()
		} else {
			u += "?" + q.Encode()
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := a.deps.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil
	case http.StatusOK:
	default:
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	body := &limited{r: resp.Body, n: maxManifestBytes}
	_, err = a.OfferFrom(body)
	return err
}

// limited reads at most n bytes, then fails (io.LimitReader would end
// the document silently).
type limited struct {
	r io.Reader
	n int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("manifest larger than %d bytes", maxManifestBytes)
	}
	p = p[:min(int64(len(p)), l.n)]
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// fetchIndex gets a file index from the controller.
func (a *Agent) fetchIndex(ctx context.Context, hash string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.indexURL()+hash, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.deps.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: status %d", req.URL, resp.StatusCode)
	}
	return resp.Body, nil
}

// reportLoop posts the agent's status to the controller every 30 s.
func (a *Agent) reportLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
		body, _ := json.Marshal(a.Status())
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.ReportURL, bytes.NewReader(body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		if resp, err := a.deps.HTTP.Do(req); err == nil {
			resp.Body.Close()
		}
	}
}
