package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/vodedge/vodedge/internal/testenv"
)

// testConditional checks that every origin answers a revalidation of
// what it serves with 304 and no body, and a stale validator with the
// bytes.
// exactOnly skips the weak, list and date forms, which versitygw does not
// evaluate (it answers 200, which a cache takes as a refetch of the same
// version; S3 itself answers 304).
func testConditional(t *testing.T, f Fetcher, key string, exactOnly bool) {
	t.Helper()
	first, _, err := fetchAll(f, Request{Key: key, Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		req   Request
		want  int
		exact bool
	}{
		{"etag matches", Request{IfNoneMatch: first.ETag}, http.StatusNotModified, true},
		{"weak form matches", Request{IfNoneMatch: "W/" + first.ETag}, http.StatusNotModified, false},
		{"etag in a list", Request{IfNoneMatch: `"nope", ` + first.ETag}, http.StatusNotModified, false},
		{"etag differs", Request{IfNoneMatch: `"nope"`}, http.StatusOK, true},
		{"not modified since", Request{IfModifiedSince: first.LastModified.Add(time.Second)}, http.StatusNotModified, false},
		{"modified since", Request{IfModifiedSince: first.LastModified.Add(-time.Hour)}, http.StatusOK, true},
		{"range and etag", Request{IfNoneMatch: first.ETag, Offset: 2, Length: 3}, http.StatusNotModified, true},
	} {
		if exactOnly && !tc.exact {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Key = key
			if req.Length == 0 {
				req.Length = -1
			}
			obj, body, err := fetchAll(f, req)
			if err != nil {
				t.Fatal(err)
			}
			got := obj.Status
			if got == 0 {
				got = http.StatusOK
			}
			if got != tc.want || obj.NotModified() != (tc.want == 304) {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
			if tc.want == 304 && (len(body) != 0 || obj.ETag != first.ETag) {
				t.Fatalf("304 with %d body bytes and ETag %s (want none and %s)", len(body), obj.ETag, first.ETag)
			}
		})
	}
}

func TestConditionalFile(t *testing.T) {
	o, _ := newFileOrigin(t, map[string][]byte{"a/x.m4s": content(1000)})
	testConditional(t, o, "/a/x.m4s", false)
}

func TestConditionalSample(t *testing.T) { testConditional(t, NewSample(), SampleMaster, false) }

func TestConditionalHTTP(t *testing.T) {
	url := serveObjects(t, map[string][]byte{"/x.m4s": content(1000)}).URL
	testConditional(t, newHTTPOrigin(t, url, fastOptions), "/x.m4s", false)
}

func TestConditionalS3(t *testing.T) {
	srv := testenv.StartS3(t)
	srv.CreateBucket(t, "vod")
	_, err := srv.Client(t).PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("vod"), Key: aws.String("x.m3u8"), Body: strings.NewReader("#EXTM3U\n"),
		CacheControl: aws.String("max-age=5, stale-if-error=60"),
	})
	if err != nil {
		t.Fatal(err)
	}
	o := newS3Origin(t, srv, "vod", "", nil)
	testConditional(t, o, "/x.m3u8", true)
	obj, _, err := fetchAll(o, Request{Key: "/x.m3u8", Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	if cc := obj.Header.Get("Cache-Control"); cc != "max-age=5, stale-if-error=60" {
		t.Errorf("Cache-Control %q from S3, want the stored one", cc)
	}
	for k := range obj.Header {
		if strings.HasPrefix(k, "X-Amz-") {
			t.Errorf("S3's own field %s passed on", k)
		}
	}
	_, _, err = fetchAll(o, Request{Key: "/none.m3u8", Length: -1})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 404 || !errors.Is(err, ErrNotFound) {
		t.Errorf("missing key: %v, want a 404 StatusError", err)
	}
}

// TestHTTPCacheHeaders checks what the HTTP client sends and hands back
// for a cache: forwarded fields (never replacing its own), the
// conditionals, end-to-end response fields without hop-by-hop ones, and
// the headers of error answers.
func TestHTTPCacheHeaders(t *testing.T) {
	var mu sync.Mutex
	var seen http.Header
	o := serveObjects(t, map[string][]byte{"/x": content(100)})
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		seen = r.Header.Clone()
		mu.Unlock()
		h := w.Header()
		h.Set("Cache-Control", "max-age=60")
		h.Set("Vary", "Accept-Encoding")
		h.Set("Connection", "X-Hop")
		h.Set("X-Hop", "1")
		h.Set("Keep-Alive", "timeout=5")
		if r.URL.Path == "/gone" {
			w.WriteHeader(http.StatusGone)
			return true
		}
		return false // the object, with these fields
	})
	url := o.URL
	h := newHTTPOrigin(t, url, fastOptions)
	fwd := http.Header{"Accept-Encoding": {"gzip"}, "Range": {"bytes=0-0"}, "Host": {"evil"}, "Connection": {"close"}, "User-Agent": {"player"}}
	obj, _, err := fetchAll(h, Request{Key: "/x", Offset: 10, Length: 10, Header: fwd, IfNoneMatch: `"old"`})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := seen
	mu.Unlock()
	if got.Get("Accept-Encoding") != "gzip" || got.Get("Range") != "bytes=10-19" || got.Get("User-Agent") != "vodedge/test" || got.Get("If-None-Match") != `"old"` {
		t.Errorf("request fields %v", got)
	}
	if obj.Header.Get("Cache-Control") != "max-age=60" || obj.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("response fields %v", obj.Header)
	}
	for _, hop := range []string{"Connection", "X-Hop", "Keep-Alive"} {
		if obj.Header.Get(hop) != "" {
			t.Errorf("hop-by-hop %s passed on", hop)
		}
	}
	_, _, err = fetchAll(h, Request{Key: "/gone", Length: -1})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 410 || se.Header.Get("Cache-Control") != "max-age=60" || !errors.Is(err, ErrNotFound) {
		t.Errorf("410: %v", err)
	}
}

// TestHTTPAnyStatus checks status answers: objects with AnyStatus, the
// old errors without.
func TestHTTPAnyStatus(t *testing.T) {
	url := startServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			w.Header().Set("Cache-Control", "max-age=600")
			w.WriteHeader(http.StatusMovedPermanently) // no Location: not followed
			io.WriteString(w, "moved")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/big":
			w.WriteHeader(http.StatusForbidden)
			w.Write(make([]byte, 5000))
		case "/nope":
			w.WriteHeader(http.StatusNotImplemented)
		case "/304":
			w.WriteHeader(http.StatusNotModified)
		}
	})
	h := newHTTPOrigin(t, url, fastOptions)
	for _, tc := range []struct {
		key    string
		status int
		body   string
		err    error
	}{
		{"/moved", 301, "moved", nil},
		{"/empty", 204, "", nil},
		{"/nope", 501, "", nil},
		{"/big", 0, "", ErrBadResponse}, // longer than Length
		{"/304", 0, "", ErrBadResponse}, // not asked for
	} {
		obj, body, err := fetchAll(h, Request{Key: tc.key, Offset: 100, Length: 4096, AnyStatus: true})
		if tc.err != nil {
			wantErr(t, err, tc.err)
			continue
		}
		if err != nil || obj.Status != tc.status || string(body) != tc.body || obj.Size != int64(len(tc.body)) || obj.Offset != 0 {
			t.Errorf("%s: %+v %q %v", tc.key, obj, body, err)
		}
	}
	_, _, err := fetchAll(h, Request{Key: "/moved", Length: -1})
	wantErr(t, err, ErrBadResponse)
	_, _, err = fetchAll(h, Request{Key: "/nope", Length: -1})
	wantErr(t, err, ErrUnreachable)
}

func TestHTTPForward(t *testing.T) {
	var mu sync.Mutex
	var got []string
	url := startServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, fmt.Sprintf("%s %s?%s %s %s %s", r.Method, r.URL.EscapedPath(), r.URL.RawQuery, b, r.Header.Get("Content-Type"), r.Header.Get("X-Hop")))
		mu.Unlock()
		w.Header().Set("Location", "/vod/created/1.m3u8")
		w.Header().Set("Content-Location", "https://elsewhere.example/vod/x")
		w.WriteHeader(http.StatusSeeOther) // not followed
		io.WriteString(w, "ok")
	})
	h := newHTTPOrigin(t, url+"/vod", fastOptions)
	rep, err := h.Forward(context.Background(), ForwardRequest{
		Method: "POST", Key: "/a b/up", RawQuery: "x=1&y=%20",
		Header: http.Header{"Content-Type": {"application/json"}, "Connection": {"X-Hop"}, "X-Hop": {"1"}},
		Body:   []byte(`{"a":1}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rep.Body)
	rep.Body.Close()
	if rep.Status != 303 || string(body) != "ok" || len(rep.Related) != 1 || rep.Related[0] != "/created/1.m3u8" {
		t.Fatalf("reply %d %q related %q", rep.Status, body, rep.Related)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := `POST /vod/a%20b/up?x=1&y=%20 {"a":1} application/json `; len(got) != 1 || got[0] != want {
		t.Fatalf("origin saw %q, want %q", got, want)
	}
	for _, bad := range []ForwardRequest{{Method: "GET", Key: "/x"}, {Method: "POST", Key: "/../x"}, {Method: "POST", Key: "/x", RawQuery: "a b"}} {
		if _, err := h.Forward(context.Background(), bad); !errors.Is(err, ErrBadKey) {
			t.Errorf("Forward(%+v) = %v, want ErrBadKey", bad, err)
		}
	}
}

func FuzzWeakMatch(f *testing.F) {
	f.Add(`"a", W/"b"`, `"b"`)
	f.Add("*", "")
	f.Fuzz(func(t *testing.T, list, tag string) {
		weakMatch(list, tag) // never panics
		if !strings.Contains(tag, ",") && tag == strings.TrimSpace(tag) && tag != "" && !weakMatch(tag, tag) {
			t.Fatalf("%q does not match itself", tag)
		}
	})
}
