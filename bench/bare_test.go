package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestServeBare serves a small corpus both ways and checks bytes and a
// 404 for a path outside it.
func TestServeBare(t *testing.T) {
	root := t.TempDir()
	want := bytes.Repeat([]byte("0123456789abcdef"), 20_000) // 320,000 bytes: sendfile from disk
	if err := os.MkdirAll(filepath.Join(root, "t"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "t", "seg-1.m4s"), want, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, disk := range []bool{false, true} {
		addr := testenv.FreeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- ServeBare(ctx, BareServerConfig{Root: root, Listen: addr, FromDisk: disk}) }()
		c := &http.Client{Timeout: 5 * time.Second}
		var got []byte
		var status int
		testenv.Eventually(t, 5*time.Second, "the bare server to answer", func() bool {
			resp, err := c.Get("http://" + addr + "/t/seg-1.m4s")
			if err != nil {
				return false
			}
			got, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
			if err != nil {
				t.Fatal(err)
			}
			return true
		})
		if status != 200 || !bytes.Equal(got, want) {
			t.Errorf("from disk %v: status %d, %d bytes; want 200 and the file", disk, status, len(got))
		}
		resp, err := c.Get("http://" + addr + "/t/missing.m4s")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("from disk %v: a missing file answered %d, want 404", disk, resp.StatusCode)
		}
		c.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("from disk %v: ServeBare returned %v after cancel", disk, err)
		}
	}
	if err := ServeBare(context.Background(), BareServerConfig{Root: filepath.Join(root, "nope"), Listen: "127.0.0.1:0"}); err == nil {
		t.Error("a missing corpus directory was accepted")
	}
}
