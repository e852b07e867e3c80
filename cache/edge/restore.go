package edge

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/origin"
)

// restorer asks the controller to restore the titles whose objects the
// S3 origin answers as archived (origin.ArchivedOptions.Notify): the
// request path hands it the key through a buffered channel (a full one
// drops the key and counts it), and its one goroutine posts
// /v1/restores at most once per title per interval, so a thousand
// players of a cold title cost the controller one call a minute.
type restorer struct {
	url    string // the controller's /v1/restores
	client *http.Client
	every  time.Duration
	log    *slog.Logger
	keys   chan string
	calls  *prometheus.CounterVec // result: posted, failed, repeated, dropped
	stop   context.CancelFunc
	done   chan struct{}
}

// restoreQueue bounds the keys waiting for the restorer.
const restoreQueue = 64

// restoreURL is the controller's restore route beside a manifest URL
// (".../v1/manifests/{site}"), "" when the URL has no such path.
func restoreURL(manifestURL string) string {
	i := strings.Index(manifestURL, "/v1/manifests/")
	if i < 0 {
		return ""
	}
	return manifestURL[:i] + "/v1/restores"
}

// newRestorer starts the goroutine; close stops it.
func newRestorer(u string, client *http.Client, every time.Duration, log *slog.Logger, reg prometheus.Registerer) (*restorer, error) {
	r := &restorer{url: u, client: client, every: every, log: log, keys: make(chan string, restoreQueue), done: make(chan struct{})}
	r.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_edge_restore_requests_total",
		Help: "Archived objects met on the S3 origin, by what became of the restore request: posted to the controller, failed, repeated (the title's was posted within the interval), dropped (queue full).",
	}, []string{"result"})
	if err := reg.Register(r.calls); err != nil {
		return nil, fmt.Errorf("edge: restore metrics: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	go r.run(ctx)
	return r, nil
}

// notify is origin.ArchivedOptions.Notify: it never blocks.
func (r *restorer) notify(key string) {
	select {
	case r.keys <- key:
	default:
		r.calls.WithLabelValues("dropped").Inc()
	}
}

// close stops the goroutine and waits for it.
func (r *restorer) close() {
	r.stop()
	<-r.done
}

func (r *restorer) run(ctx context.Context) {
	defer close(r.done)
	last := map[string]time.Time{} // title → last post; owned here
	for {
		select {
		case <-ctx.Done():
			return
		case key := <-r.keys:
			title, now := titleKey(key), time.Now()
			if t, ok := last[title]; ok && now.Sub(t) < r.every {
				r.calls.WithLabelValues("repeated").Inc()
				continue
			}
			forget(last, now, r.every)
			last[title] = now
			r.post(ctx, key)
		}
	}
}

// forget drops the titles posted more than every ago, so the map holds
// only the titles of the last interval.
func forget(last map[string]time.Time, now time.Time, every time.Duration) {
	for t, at := range last {
		if now.Sub(at) >= every {
			delete(last, t)
		}
	}
}

// titleKey is what restores are counted by: "titles/{id}" for a key of
// the published layout, else the key itself.
func titleKey(key string) string {
	k := strings.TrimPrefix(key, "/")
	if rest, ok := strings.CutPrefix(k, "titles/"); ok {
		if id, _, ok := strings.Cut(rest, "/"); ok {
			return "titles/" + id
		}
	}
	return k
}

func (r *restorer) post(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+"?key="+url.QueryEscape(strings.TrimPrefix(key, "/")), nil)
	if err != nil {
		r.failed(key, err)
		return
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.failed(key, err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		r.failed(key, fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(body))))
		return
	}
	r.calls.WithLabelValues("posted").Inc()
	r.log.Info("asked the controller to restore an archived title", "key", key, "status", resp.StatusCode)
}

func (r *restorer) failed(key string, err error) {
	r.calls.WithLabelValues("failed").Inc()
	r.log.Warn("restore request failed", "key", key, "url", r.url, "err", err)
}

// openRestorer makes an S3 origin's archived objects ask the controller
// for a restore, when the node knows the controller (its fill manifest
// URL). Without it, a player still gets the 503 with Retry-After but
// the title stays cold until restored by hand.
func (n *Node) openRestorer(a *origin.ArchivedOptions) error {
	if n.cfg.Fill == nil || a.Notify != nil {
		return nil
	}
	u := restoreURL(n.cfg.Fill.Agent.ManifestURL)
	if u == "" {
		return nil
	}
	every := a.RetryAfter
	if every <= 0 {
		every = origin.DefaultArchivedRetryAfter
	}
	r, err := newRestorer(u, controllerClient(n.cfg.Fill.Token), every, n.log, n.reg)
	if err != nil {
		return err
	}
	n.onClose(r.close)
	a.Notify = r.notify
	return nil
}
