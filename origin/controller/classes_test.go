package controller_test

import (
	"context"
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
	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// clock is a settable clock for the tiering policy.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestPopularityAndColdClass publishes a title to the local store, feeds
// edge access logs that make it popular (it stays hot), lets days pass
// without traffic (the policy moves it to cold: its files leave the
// served tree and a request for one answers 503 and starts a restore),
// and waits for the restore.
func TestPopularityAndColdClass(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Tiering.ColdAfterDays, cfg.Tiering.ColdBelow = 2, 0.5
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	deps := testDeps()
	deps.Now = clk.now
	e := start(t, cfg, deps)
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 2, Width: 320, Height: 180})
	res := e.ingest(src, catalog.Metadata{Title: "Popular For A While"})
	e.wait(res.Job.ID, pipeline.Done)
	id := res.Title.ID
	title := e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published })

	// Three days of traffic: every file served twice a day.
	var logs strings.Builder
	for d := range 3 {
		for _, f := range title.Files {
			fmt.Fprintf(&logs, `{"time":%q,"method":"GET","path":"/%s","status":200,"bytes":%d,"site":"ams"}`+"\n",
				clk.now().AddDate(0, 0, d).Format(time.RFC3339), f.Key, 2*f.Size)
		}
	}
	clk.add(2 * 24 * time.Hour)
	st, err := e.cli.PostLogs(context.Background(), strings.NewReader(logs.String()))
	if err != nil || st.Counted != 3*len(title.Files) {
		t.Fatalf("post logs: %+v %v", st, err)
	}
	scores, err := e.cli.Popularity(context.Background(), true, nil)
	if err != nil || len(scores) != 1 || scores[0].Name != id || scores[0].Popularity < 1 {
		t.Fatalf("title scores %+v %v", scores, err)
	}
	if n, err := e.cli.RunTiering(context.Background()); err != nil || n != 0 {
		t.Fatalf("popular title demoted: %d %v", n, err)
	}

	clk.add(10 * 24 * time.Hour) // the traffic has faded out of the window
	if n, err := e.cli.RunTiering(context.Background()); err != nil || n != 1 {
		t.Fatalf("tiering: %d %v", n, err)
	}
	e.title(id, func(t *catalog.Title) bool { return t.Class == catalog.Cold })
	master := e.url + "/titles/" + id + "/master.m3u8"
	resp, err := http.Get(master)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("cold file: %d %v", resp.StatusCode, resp.Header)
	}
	e.title(id, func(t *catalog.Title) bool { return t.Class == catalog.Hot })
	if resp, err := http.Get(master); err != nil || resp.StatusCode != 200 {
		t.Errorf("restored file: %v", err)
	} else {
		resp.Body.Close()
	}
}

// TestS3PublishAndClasses publishes to a real S3 server (versitygw),
// reads the title back through the edge's S3 origin client, checks the
// recorded checksums, and moves it cold and back through the API.
func TestS3PublishAndClasses(t *testing.T) {
	srv := testenv.StartS3(t)
	srv.CreateBucket(t, "vod")
	cfg := testConfig(t, t.TempDir())
	cfg.Store = "s3://vod/origin"
	cfg.S3.Endpoint, cfg.S3.Region, cfg.S3.AccessKeyID, cfg.S3.SecretAccessKey = srv.Endpoint, srv.Region, srv.AccessKey, srv.SecretKey
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg.S3.HTTPClient = &http.Client{Transport: tr}
	e := start(t, cfg, testDeps())
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 2, Width: 320, Height: 180})
	res := e.ingest(src, catalog.Metadata{Title: "In The Bucket"})
	e.wait(res.Job.ID, pipeline.Done)
	id := res.Title.ID
	title := e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published })

	edge, err := origin.NewS3(context.Background(), "vod", "origin", origin.S3Options{Endpoint: srv.Endpoint, Region: srv.Region, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	defer edge.Close()
	obj, err := edge.Fetch(context.Background(), origin.Request{Key: "/titles/" + id + "/master.m3u8", Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if !strings.Contains(string(body), "video-h264-180p/index.m3u8") {
		t.Errorf("master through the edge's S3 client:\n%s", body)
	}
	cli := srv.Client(t)
	for _, f := range title.Files {
		h, err := cli.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("vod"), Key: aws.String("origin/" + f.Key)})
		if err != nil || aws.ToInt64(h.ContentLength) != f.Size || h.Metadata["sha256"] != f.SHA256 {
			t.Errorf("%s: %v", f.Key, err)
		}
	}
	if resp, err := http.Get(e.url + "/titles/" + id + "/master.m3u8"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("controller serving an S3 store's file: %d", resp.StatusCode)
		}
	}
	if _, err := e.cli.Demote(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	e.title(id, func(t *catalog.Title) bool { return t.Class == catalog.Cold })
	h, _ := cli.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("vod"), Key: aws.String("origin/" + title.Files[0].Key)})
	if h.Metadata["vodedge-class"] != "cold" {
		t.Errorf("object metadata after demotion: %v", h.Metadata)
	}
	if _, err := e.cli.Title(context.Background(), id, true); err != nil { // a GET of a cold title restores it
		t.Fatal(err)
	}
	e.title(id, func(t *catalog.Title) bool { return t.Class == catalog.Hot })
}
