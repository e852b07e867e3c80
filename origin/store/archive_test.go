package store

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestS3ArchiveRestoreAsksEveryObjectFirst: demoting to GLACIER (through
// testenv.Glacier, which emulates the archive class versitygw lacks)
// archives every object; restoring asks S3 to restore all of them
// before waiting on the first, so the restores run side by side — the
// test releases them only once every object was asked for, which a
// restore that waited object by object would never reach — then copies
// them back (readable again, one RestoreObject each).
func TestS3ArchiveRestoreAsksEveryObjectFirst(t *testing.T) {
	srv := testenv.StartS3(t)
	srv.CreateBucket(t, "vod")
	g := testenv.StartGlacier(t, srv)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	st, err := Open(context.Background(), "s3://vod/prod", S3Config{
		Endpoint: g.Endpoint, Region: srv.Region, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey,
		ColdClass: types.StorageClassGlacier, RestorePoll: 20 * time.Millisecond, HTTPClient: &http.Client{Transport: tr},
	})
	if err != nil {
		t.Fatal(err)
	}
	fs := files(t, "t3", map[string]int{"master.m3u8": 300, "video-h264-240p/seg-00000.m4s": 4000, "video-h264-240p/seg-00001.m4s": 4000})
	for _, f := range fs {
		if err := st.Put(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetClass(context.Background(), keys(fs), Cold); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if !g.Archived("vod", "prod/"+f.Key) {
			t.Fatalf("%s not archived", f.Key)
		}
	}
	g.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // a failed wait below must not leave the restore polling
	done := make(chan error, 1)
	go func() { done <- st.SetClass(ctx, keys(fs), Hot) }()
	testenv.Eventually(t, 30*time.Second, "a restore asked for every object", func() bool {
		for _, f := range fs {
			if g.Restores("vod", "prod/"+f.Key) == 0 {
				return false
			}
		}
		return true
	})
	g.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if g.Archived("vod", "prod/"+f.Key) || g.Restores("vod", "prod/"+f.Key) != 1 {
			t.Errorf("%s after the restore: archived %v, %d RestoreObject calls", f.Key, g.Archived("vod", "prod/"+f.Key), g.Restores("vod", "prod/"+f.Key))
		}
	}
}
