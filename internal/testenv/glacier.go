package testenv

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Glacier is an S3 endpoint in front of an S3Server that adds what
// versitygw lacks: the archive storage classes. versitygw keeps every
// object STANDARD whatever class a PUT or a CopyObject names, serves it
// at once, and answers RestoreObject 501 NotImplemented. Glacier
// forwards every request unchanged (signatures stay valid: the Host is
// its own, which is what the client signed) and remembers the objects
// last written with x-amz-storage-class GLACIER or DEEP_ARCHIVE; for
// those, as AWS does:
//
//   - GET answers 403 InvalidObjectState until a restore is complete;
//   - HEAD says x-amz-storage-class and, once RestoreObject was called,
//     x-amz-restore with ongoing-request "true" until the restore
//     completes, "false" after;
//   - POST ?restore answers 202 the first time, 409
//     RestoreAlreadyInProgress while ongoing, 200 once complete.
//
// A restore completes at once, or, after Hold, only at Release. A write
// with another class makes the object plain again.
type Glacier struct {
	Endpoint string // "http://127.0.0.1:PORT"; path-style addressing

	mu       sync.Mutex
	hold     bool
	archived map[string]*restoreState // "bucket/key" of archived objects
	restores map[string]int           // RestoreObject calls by "bucket/key"
}

// restoreState is an archived object's restore.
type restoreState struct{ asked, done bool }

// StartGlacier serves a Glacier in front of s until the test ends.
func StartGlacier(t testing.TB, s S3Server) *Glacier {
	t.Helper()
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		t.Fatalf("testenv: glacier: %v", err)
	}
	g := &Glacier{archived: map[string]*restoreState{}, restores: map[string]int{}}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = tr
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodHead {
			g.annotate(resp.Header, strings.TrimPrefix(resp.Request.URL.Path, "/"))
		}
		return nil
	}
	srv := httptest.NewServer(g.handler(proxy))
	t.Cleanup(srv.Close)
	g.Endpoint = srv.URL
	return g
}

// Hold keeps restores ongoing until Release.
func (g *Glacier) Hold() {
	g.mu.Lock()
	g.hold = true
	g.mu.Unlock()
}

// Release completes every restore asked for, and those asked later.
func (g *Glacier) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hold = false
	for _, st := range g.archived {
		st.done = st.asked
	}
}

// Archived reports whether bucket/key is in an archive class.
func (g *Glacier) Archived(bucket, key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.archived[bucket+"/"+key] != nil
}

// Restores returns how many RestoreObject calls bucket/key got.
func (g *Glacier) Restores(bucket, key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.restores[bucket+"/"+key]
}

func (g *Glacier) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obj := strings.TrimPrefix(r.URL.Path, "/")
		if !strings.Contains(obj, "/") { // a bucket or the service
			next.ServeHTTP(w, r)
			return
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Query().Has("restore"):
			g.restore(w, obj)
		case r.Method == http.MethodPut && !r.URL.Query().Has("uploadId"): // PutObject, CopyObject (?x-id=…)
			class := r.Header.Get("X-Amz-Storage-Class")
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if rec.status == 0 || rec.status == http.StatusOK {
				g.written(obj, class)
			}
		case r.Method == http.MethodGet && r.URL.Query().Get("uploadId") == "" && g.frozen(obj):
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidObjectState</Code><Message>The operation is not valid for the object's storage class</Message><StorageClass>GLACIER</StorageClass></Error>`))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// written records the class a PUT or CopyObject gave obj.
func (g *Glacier) written(obj, class string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if class == "GLACIER" || class == "DEEP_ARCHIVE" {
		g.archived[obj] = &restoreState{}
	} else {
		delete(g.archived, obj)
	}
}

// frozen reports whether obj is archived and not restored.
func (g *Glacier) frozen(obj string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.archived[obj]
	return st != nil && !st.done
}

// annotate puts the archive fields of obj into a HEAD's answer from
// versitygw (which says STANDARD and sends no x-amz-restore).
func (g *Glacier) annotate(h http.Header, obj string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.archived[obj]
	if st == nil {
		return
	}
	h.Set("X-Amz-Storage-Class", "GLACIER")
	if st.asked {
		h.Set("X-Amz-Restore", `ongoing-request="`+map[bool]string{true: "false", false: "true"}[st.done]+`"`)
	}
}

// restore answers RestoreObject for obj.
func (g *Glacier) restore(w http.ResponseWriter, obj string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.restores[obj]++
	st := g.archived[obj]
	switch {
	case st == nil:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidObjectState</Code><Message>The object is not in an archive storage class</Message></Error>`))
	case st.done:
		w.WriteHeader(http.StatusOK)
	case st.asked:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>RestoreAlreadyInProgress</Code><Message>Object restore is already in progress</Message></Error>`))
	default:
		st.asked, st.done = true, !g.hold
		w.WriteHeader(http.StatusAccepted)
	}
}

// statusRecorder keeps the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
