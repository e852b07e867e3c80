package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
)

// TestOriginSynthAndDown: synthetic objects have their size, stable
// bytes, working ranges and per-listener counts; SetDown drops
// connections.
func TestOriginSynthAndDown(t *testing.T) {
	o := NewOrigin(OriginConfig{Root: t.TempDir()})
	defer o.Close()
	base, err := o.Listen("p")
	if err != nil {
		t.Fatal(err)
	}
	c := loadClient(2)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	path := SynthPath(100000, "/a/b.m4s")
	whole := getBody(t, c, base+path, "")
	if len(whole) != 100000 || !bytes.Equal(whole, getBody(t, c, base+path, "")) {
		t.Fatalf("synthetic object: %d bytes, or not stable", len(whole))
	}
	if part := getBody(t, c, base+path, "bytes=99990-"); !bytes.Equal(part, whole[99990:]) {
		t.Errorf("range bytes differ from the whole object's")
	}
	if n := o.KeyRequests("p", path); n != 3 {
		t.Errorf("KeyRequests = %d, want 3", n)
	}
	if got := o.Counts("p"); got.Requests != 3 || got.Bytes != 200010 {
		t.Errorf("Counts = %+v", got)
	}
	o.SetDown(true)
	if g := getTimed(ctx, c, base+path, ""); g.Err == nil {
		t.Errorf("origin down answered %d", g.Status)
	}
	o.SetDown(false)
	if g := getTimed(ctx, c, base+SynthPath(5, "x"), ""); !g.ok() || g.Bytes != 5 {
		t.Errorf("origin back up: %+v", g)
	}
	if g := getTimed(ctx, c, base+"/missing", ""); g.Status != http.StatusNotFound {
		t.Errorf("missing file: %d", g.Status)
	}
}

func getBody(t *testing.T, c *http.Client, url, rng string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
