package cache

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// The edge in front of each real origin kind: ranges across slices, a
// whole object, 404, with the bytes checked against the source.
func checkEdgeOverOrigin(t *testing.T, org Origin, key string, data []byte) {
	e := startEdge(t, testConfig(), org)
	c := client(t)
	size := int64(len(data))
	r := do(t, c, "GET", e.url+key, "Range", "bytes=300000-600000")
	if r.status != 206 || !bytes.Equal(r.body, data[300000:600001]) {
		t.Fatalf("range: %d, %d bytes", r.status, len(r.body))
	}
	r = do(t, c, "GET", e.url+key)
	if r.status != 200 || !bytes.Equal(r.body, data) {
		t.Fatalf("whole: %d, %d bytes of %d", r.status, len(r.body), size)
	}
	r = do(t, c, "GET", e.url+"/no/such.m4s")
	if r.status != 404 {
		t.Fatalf("missing key: %d", r.status)
	}
	if _, isHTTP := org.(*origin.HTTP); !isHTTP {
		// No origin internals (S3's XML error, its x-amz-* fields): the
		// edge's own one-line 404.
		if string(r.body) != "404 not found\n" {
			t.Fatalf("missing key: body %q", r.body)
		}
		for k := range r.header {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-") {
				t.Fatalf("missing key: S3's field %s passed on", k)
			}
		}
	}
	// 2 slices for the range, then the third for the whole object. A
	// fetch counts its outcome as it ends, which may follow the client's
	// answer: wait for every fetch to be over.
	waitIdle(t, e)
	if got := testutil.ToFloat64(e.srv.metrics.fetches.WithLabelValues("ok")); got != 3 {
		t.Fatalf("origin fetches ok = %v, want 3", got)
	}
}

func corpusBytes(n int) []byte { return testenv.PatternBytes(0, int64(n)) }

func TestEdgeOverS3(t *testing.T) {
	s3srv := testenv.StartS3(t)
	s3srv.CreateBucket(t, "vod")
	data := corpusBytes(700_000)
	s3srv.PutObject(t, "vod", "titles/t1/seg-1.m4s", data, "video/iso.segment")
	org, err := origin.NewS3(context.Background(), "vod", "/titles", origin.S3Options{
		Endpoint: s3srv.Endpoint, Region: s3srv.Region,
		AccessKeyID: s3srv.AccessKey, SecretAccessKey: s3srv.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { org.Close() })
	checkEdgeOverOrigin(t, org, "/t1/seg-1.m4s", data)
}

func TestEdgeOverFileDirectory(t *testing.T) {
	dir := t.TempDir()
	data := corpusBytes(700_000)
	os.MkdirAll(filepath.Join(dir, "t1"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "t1", "seg-1.m4s"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	org, err := origin.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { org.Close() })
	checkEdgeOverOrigin(t, org, "/t1/seg-1.m4s", data)
}
