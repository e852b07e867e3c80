package origin

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

func newS3Origin(t *testing.T, srv testenv.S3Server, bucket, prefix string, edit func(*S3Options)) *S3 {
	t.Helper()
	opts := S3Options{
		Endpoint:        srv.Endpoint,
		Region:          srv.Region,
		AccessKeyID:     srv.AccessKey,
		SecretAccessKey: srv.SecretKey,
		Transport:       HTTPOptions{DialTimeout: time.Second, HeaderTimeout: 10 * time.Second, IdleReadTimeout: 5 * time.Second},
	}
	if edit != nil {
		edit(&opts)
	}
	o, err := NewS3(context.Background(), bucket, prefix, opts)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// TestS3 runs against one versitygw process: starting one takes a second.
func TestS3(t *testing.T) {
	srv := testenv.StartS3(t)
	srv.CreateBucket(t, "vod")
	data := content(20000)
	srv.PutObject(t, "vod", "titles/a/seg 1.m4s", data, "video/iso.segment")
	srv.PutObject(t, "vod", "titles/empty.bin", nil, "")
	srv.PutObject(t, "vod", "root.m4s", data[:100], "")
	o := newS3Origin(t, srv, "vod", "/titles/", nil)

	t.Run("ranges", func(t *testing.T) { testRanges(t, o, "/a/seg 1.m4s", data) })
	t.Run("empty", func(t *testing.T) { testEmpty(t, o, "/empty.bin") })
	t.Run("meta", func(t *testing.T) {
		obj, _, err := fetchAll(o, Request{Key: "/a/seg 1.m4s", Offset: 1, Length: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(obj.ETag, `"`) || obj.ContentType != "video/iso.segment" || obj.LastModified.IsZero() {
			t.Errorf("Meta = %+v, want a quoted ETag, the stored type and a date", obj.Meta)
		}
	})
	t.Run("not found", func(t *testing.T) {
		for _, key := range []string{"/nope.m4s", "/root.m4s", "/a"} {
			_, _, err := fetchAll(o, Request{Key: key, Offset: 10, Length: 10})
			wantErr(t, err, ErrNotFound)
		}
	})
	t.Run("no prefix", func(t *testing.T) {
		root := newS3Origin(t, srv, "vod", "", nil)
		for key, want := range map[string][]byte{"/root.m4s": data[:100], "/titles/a/seg 1.m4s": data} {
			if _, got, err := fetchAll(root, Request{Key: key, Length: -1}); err != nil || string(got) != string(want) {
				t.Errorf("Fetch(%s) = %d bytes, %v; want %d bytes", key, len(got), err, len(want))
			}
		}
	})
	t.Run("bad key", func(t *testing.T) {
		_, _, err := fetchAll(o, Request{Key: "/../root.m4s", Length: -1})
		wantErr(t, err, ErrBadKey)
	})
	t.Run("missing bucket", func(t *testing.T) {
		_, _, err := fetchAll(newS3Origin(t, srv, "nobucket", "", nil), Request{Key: "/root.m4s", Length: -1})
		wantErr(t, err, ErrBadResponse)
	})
	t.Run("wrong secret", func(t *testing.T) {
		bad := newS3Origin(t, srv, "vod", "", func(o *S3Options) { o.SecretAccessKey = "wrong" })
		_, _, err := fetchAll(bad, Request{Key: "/root.m4s", Length: -1})
		wantErr(t, err, ErrBadResponse)
		if strings.Contains(err.Error(), "wrong") || strings.Contains(bad.String(), srv.SecretKey) {
			t.Errorf("a secret leaked into %q or %q", err, bad.String())
		}
	})
}

func TestS3Unreachable(t *testing.T) {
	srv := testenv.S3Server{Endpoint: "http://" + testenv.FreeAddr(t), Region: "us-east-1", AccessKey: "a", SecretKey: "b"} // nobody listens
	o := newS3Origin(t, srv, "vod", "", nil)
	start := time.Now()
	_, _, err := fetchAll(o, Request{Key: "/a", Length: -1})
	wantErr(t, err, ErrUnreachable)
	if d := time.Since(start); d > 20*time.Second { // a refused connection fails at once; retries must not add up to minutes
		t.Errorf("took %v to fail", d)
	}
}

// TestS3StalledBody checks the idle read timeout on an S3 body, against a
// server that sends the headers of a GetObject answer and then stalls.
func TestS3StalledBody(t *testing.T) {
	url := startStallServer(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", "1000")
		w.Header().Set("ETag", `"x"`)
		w.Write(content(100))
	})
	srv := testenv.S3Server{Endpoint: url, Region: "us-east-1", AccessKey: "a", SecretKey: "b"}
	o := newS3Origin(t, srv, "vod", "", func(o *S3Options) { o.Transport.IdleReadTimeout = 200 * time.Millisecond })
	_, got, err := fetchAll(o, Request{Key: "/a", Length: -1})
	wantErr(t, err, ErrTimeout)
	if len(got) != 100 {
		t.Errorf("got %d bytes before the stall, want 100", len(got))
	}
}

func TestNewS3Rejects(t *testing.T) {
	tests := []struct{ bucket, prefix, endpoint string }{
		{"", "", ""},
		{"a/b", "", ""},
		{"vod", "a//b", ""},
		{"vod", "a/../b", ""},
		{"vod", "", "ftp://h"},
		{"vod", "", "http://h/?x"},
	}
	for _, tc := range tests {
		o, err := NewS3(context.Background(), tc.bucket, tc.prefix, S3Options{Endpoint: tc.endpoint, Region: "us-east-1"})
		if err == nil {
			o.Close()
			t.Errorf("NewS3(%q, %q, endpoint %q) succeeded", tc.bucket, tc.prefix, tc.endpoint)
		}
	}
}
