package testenv

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

func get(t *testing.T, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestOriginServesRangesAndCounts(t *testing.T) {
	o := NewOrigin(t)
	o.Put("/a", []byte("hello world"))
	o.PutPattern("/big", 3<<20)
	resp, b := get(t, o.URL+"/a", "Range", "bytes=6-")
	if resp.StatusCode != 206 || string(b) != "world" || resp.Header.Get("ETag") != `"v1-11"` {
		t.Fatalf("range: %d %q %q", resp.StatusCode, b, resp.Header.Get("ETag"))
	}
	resp, b = get(t, o.URL+"/big", "Range", "bytes=2097152-2097161")
	if resp.StatusCode != 206 || !bytes.Equal(b, PatternBytes(2<<20, 2<<20+10)) {
		t.Fatalf("pattern range: %d %v", resp.StatusCode, b)
	}
	if resp, _ = get(t, o.URL+"/a", "If-None-Match", `"v1-11"`); resp.StatusCode != 304 {
		t.Fatalf("conditional: %d", resp.StatusCode)
	}
	if resp, _ = get(t, o.URL+"/missing"); resp.StatusCode != 404 {
		t.Fatalf("missing: %d", resp.StatusCode)
	}
	if o.Requests("/a") != 2 || o.Requests("") != 4 || o.Sent("/a") != 5 || o.Sent("/big") != 10 {
		t.Fatalf("counters: %d %d %d %d", o.Requests("/a"), o.Requests(""), o.Sent("/a"), o.Sent("/big"))
	}
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	if resp, _ = get(t, o.URL+"/a"); resp.StatusCode != 503 {
		t.Fatalf("hook: %d", resp.StatusCode)
	}
}

func TestOriginMakesObjectsFromTheirPath(t *testing.T) {
	o := NewOrigin(t)
	o.Put("/put", []byte("stored"))
	o.PutFunc(func(path string) (Object, bool) {
		if path == "/none" {
			return Object{}, false
		}
		return Object{Size: 1000, ETag: `"gen"`, Bytes: func(from, to int64) []byte {
			b := make([]byte, to-from)
			for i := range b {
				b[i] = path[(from+int64(i))%int64(len(path))]
			}
			return b
		}}, true
	})
	resp, b := get(t, o.URL+"/put")
	if resp.StatusCode != 200 || string(b) != "stored" {
		t.Fatalf("a put object: %d %q", resp.StatusCode, b)
	}
	resp, b = get(t, o.URL+"/gen/x", "Range", "bytes=990-991") // 990 = 165 × len("/gen/x")
	if resp.StatusCode != 206 || string(b) != "/g" || resp.Header.Get("ETag") != `"gen"` || resp.Header.Get("Content-Range") != "bytes 990-991/1000" {
		t.Fatalf("a made object: %d %q %v", resp.StatusCode, b, resp.Header)
	}
	if resp, _ = get(t, o.URL+"/none"); resp.StatusCode != 404 || o.Sent("/none") != 0 {
		t.Fatalf("refused path: %d, %d bytes counted", resp.StatusCode, o.Sent("/none"))
	}
}

func TestOriginHookWrapsTheAnswer(t *testing.T) {
	o := NewOrigin(t)
	o.PutPattern("/p", 100)
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Cache-Control", "max-age=60")
		if r.URL.Path == "/gone" {
			w.WriteHeader(http.StatusGone)
			return true
		}
		o.Answer(w, r)
		return true
	})
	resp, b := get(t, o.URL+"/p")
	if resp.StatusCode != 200 || !bytes.Equal(b, PatternBytes(0, 100)) || resp.Header.Get("Cache-Control") != "max-age=60" || o.Sent("/p") != 100 {
		t.Fatalf("wrapped answer: %d, %d bytes, %v, %d counted", resp.StatusCode, len(b), resp.Header, o.Sent("/p"))
	}
	if resp, _ = get(t, o.URL+"/gone"); resp.StatusCode != 410 {
		t.Fatalf("hook's own answer: %d", resp.StatusCode)
	}
}

func TestOriginCountsRequestsInFlight(t *testing.T) {
	o := NewOrigin(t)
	entered, release := make(chan struct{}), make(chan struct{})
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		close(entered)
		<-release
		return false
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := http.Get(o.URL + "/x"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	if n := o.InFlight(); n != 1 {
		t.Fatalf("in flight while answering: %d", n)
	}
	close(release)
	<-done
	Eventually(t, 5*time.Second, "the answer to end", func() bool { return o.InFlight() == 0 })
}

func TestOriginCloseRefusesLaterRequests(t *testing.T) {
	o := NewOrigin(t)
	o.Put("/a", []byte("a"))
	if resp, _ := get(t, o.URL+"/a"); resp.StatusCode != 200 {
		t.Fatalf("before Close: %d", resp.StatusCode)
	}
	o.Close()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := c.Get(o.URL + "/a"); err == nil {
		resp.Body.Close()
		t.Fatalf("after Close: %d, want no answer", resp.StatusCode)
	}
}

func TestOriginHookCanHijack(t *testing.T) {
	o := NewOrigin(t)
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack through the hook's writer: %v", err)
			return false
		}
		rw.WriteString("HTTP/1.1 299 Raw\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		rw.Flush()
		c.Close()
		return true
	})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(o.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 299 || string(b) != "raw" {
		t.Fatalf("hijacked answer: %d %q", resp.StatusCode, b)
	}
}
