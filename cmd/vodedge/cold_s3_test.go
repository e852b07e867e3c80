package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
)

// restoreCalls reads the edge's vodedge_edge_restore_requests_total for
// one result (0 before the first).
func restoreCalls(t *testing.T, adminAddr, result string) int {
	t.Helper()
	fams, err := testenv.Scrape("http://" + adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := fams.Value("vodedge_edge_restore_requests_total", "result", result)
	return int(v)
}

// TestArchivedTitleOnAnS3Edge: a controller publishing to S3 demotes a
// title to GLACIER; an edge reading the bucket directly meets S3's
// InvalidObjectState, answers the player 503 with Retry-After, and asks
// the controller (with its node credential) to restore the title, once
// for all the title's requests; the controller's restore job calls
// RestoreObject once per object, waits for it, copies the objects back
// to STANDARD, and the edge then serves the title.
//
// versitygw keeps every object STANDARD and does not implement
// RestoreObject, so the bucket is reached through testenv.Glacier, which
// emulates the archive classes in front of it (see its doc).
func TestArchivedTitleOnAnS3Edge(t *testing.T) {
	srv := testenv.StartS3(t)
	srv.CreateBucket(t, "vod")
	glacier := testenv.StartGlacier(t, srv)
	glacier.Hold()
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	s3Flags := []string{"--s3-endpoint", glacier.Endpoint, "--s3-region", srv.Region}
	e := newColdEnv(t, append([]string{"--store", "s3://vod/origin", "--s3-cold-class", "GLACIER", "--s3-restore-poll", "100ms"}, s3Flags...)...)
	e.demote()
	for _, f := range e.files {
		if !glacier.Archived("vod", "origin/"+f.Key) {
			t.Fatalf("%s not archived after the demotion", f.Key)
		}
	}
	pub, adminAddr := e.edge("s3://vod/origin", s3Flags...)

	began := time.Now()
	asked := 0
	for _, f := range e.files {
		wantRestoring(t, pub+"/"+f.Key)
		asked++
	}
	testenv.Eventually(t, time.Minute, "every archived answer counted", func() bool {
		return restoreCalls(t, adminAddr, "posted")+restoreCalls(t, adminAddr, "repeated")+restoreCalls(t, adminAddr, "dropped") == asked
	})
	posted := restoreCalls(t, adminAddr, "posted")
	if posted < 1 || posted > 1+int(time.Since(began)/time.Minute) {
		t.Fatalf("the edge posted %d restore requests for %d archived answers of one title (one a minute expected)", posted, asked)
	}
	t.Logf("%d files answered 503 through the edge; %d restore request posted, %d repeated", asked, posted, restoreCalls(t, adminAddr, "repeated"))
	if c := e.title().Class; c != catalog.Restoring {
		t.Fatalf("class after the edge's request: %s, want restoring", c)
	}
	testenv.Eventually(t, time.Minute, "RestoreObject of every object", func() bool {
		for _, f := range e.files {
			if glacier.Restores("vod", "origin/"+f.Key) == 0 {
				return false
			}
		}
		return true
	})
	wantRestoring(t, pub+"/titles/"+e.id+"/master.m3u8") // still restoring: the 503 again, not a stored copy

	glacier.Release()
	e.waitClass(catalog.Hot)
	for _, f := range e.files {
		if n := glacier.Restores("vod", "origin/"+f.Key); n != 1 {
			t.Errorf("%s: %d RestoreObject calls, want 1", f.Key, n)
		}
		code, _, body := get(t, pub+"/"+f.Key)
		if code != http.StatusOK || int64(len(body)) != f.Size {
			t.Errorf("%s after the restore: %d, %d bytes, want 200 with %d", f.Key, code, len(body), f.Size)
		}
		if strings.HasSuffix(f.Key, "master.m3u8") && !bytes.Contains(body, []byte("#EXTM3U")) {
			t.Errorf("master after the restore: %s", body)
		}
	}
}
