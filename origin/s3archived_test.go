package origin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestS3ArchivedObject: an object in GLACIER (emulated in front of
// versitygw by testenv.Glacier) answers a cache's request 503 with
// Retry-After and a short body, other callers a StatusError wrapping
// ErrArchived and ErrUnreachable; Notify gets the key each time; once
// restored the object is served.
func TestS3ArchivedObject(t *testing.T) {
	srv := testenv.StartS3(t)
	srv.CreateBucket(t, "vod")
	g := testenv.StartGlacier(t, srv)
	via := srv
	via.Endpoint = g.Endpoint
	ctx := context.Background()
	if _, err := via.Client(t).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vod"), Key: aws.String("p/titles/a/seg.m4s"),
		Body: strings.NewReader("segment bytes"), StorageClass: types.StorageClassGlacier}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var notified []string
	o := newS3Origin(t, via, "vod", "p", func(opts *S3Options) {
		opts.Archived = ArchivedOptions{RetryAfter: 90 * time.Second, Notify: func(k string) {
			mu.Lock()
			notified = append(notified, k)
			mu.Unlock()
		}}
	})
	obj, err := o.Fetch(ctx, Request{Key: "/titles/a/seg.m4s", Length: -1, AnyStatus: true})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if obj.Status != http.StatusServiceUnavailable || obj.Header.Get("Retry-After") != "90" || !strings.Contains(string(body), "retry in 90 s") || obj.Length != int64(len(body)) {
		t.Errorf("archived, any status: %d %v %q", obj.Status, obj.Header, body)
	}
	_, err = o.Fetch(ctx, Request{Key: "/titles/a/seg.m4s", Length: -1})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 503 || !errors.Is(err, ErrArchived) || !errors.Is(err, ErrUnreachable) || se.Header.Get("Retry-After") != "90" {
		t.Errorf("archived, plain request: %v", err)
	}
	mu.Lock()
	if len(notified) != 2 || notified[0] != "/titles/a/seg.m4s" {
		t.Errorf("notified %q, want the key twice", notified)
	}
	mu.Unlock()

	if _, err := via.Client(t).RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: aws.String("vod"), Key: aws.String("p/titles/a/seg.m4s"),
		RestoreRequest: &types.RestoreRequest{Days: aws.Int32(1)}}); err != nil {
		t.Fatal(err)
	}
	obj, err = o.Fetch(ctx, Request{Key: "/titles/a/seg.m4s", Length: -1, AnyStatus: true})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(obj.Body)
	obj.Body.Close()
	if obj.Status != http.StatusOK || string(body) != "segment bytes" {
		t.Errorf("restored: %d %q", obj.Status, body)
	}
}
