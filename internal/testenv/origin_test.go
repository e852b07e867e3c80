package testenv

import (
	"bytes"
	"io"
	"net/http"
	"testing"
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
