package origin

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	s3opts := S3Options{Endpoint: "http://127.0.0.1:1", Region: "eu-west-3", AccessKeyID: "a", SecretAccessKey: "b"}
	tests := []struct {
		spec string
		want string // the client's type, or "error: <substring>"
	}{
		{"", "*origin.Sample"},
		{"sample:", "*origin.Sample"},
		{"SAMPLE:", "*origin.Sample"},
		{"file://" + dir, "*origin.File"},
		{"file://localhost" + dir, "*origin.File"},
		{"http://example.com", "*origin.HTTP"},
		{"https://example.com:8443/vod/", "*origin.HTTP"},
		{"s3://bucket", "*origin.S3"},
		{"s3://bucket/some/prefix/", "*origin.S3"},
		{"sample:x", "error: takes no path"},
		{"file://relative/dir", "error: absolute path"},
		{"file:relative", "error: absolute path"},
		{"file://", "error: absolute path"},
		{"file:///" + strings.TrimPrefix(dir, "/") + "/missing", "error: open file origin"},
		{"file://" + dir + "?x=1", "error: query"},
		{"http://", "error: http(s)://host"},
		{"http://h/?a=b", "error: query"},
		{"s3://", "error: s3://bucket"},
		{"s3://bucket:9000/x", "error: s3://bucket"},
		{"s3://key:secret@bucket/x", "error: credentials"},
		{"s3://bucket?region=x", "error: query"},
		{"ftp://h/x", `error: unknown scheme "ftp"`},
		{"/srv/vod", "error: no scheme"},
		{"%zz", "error: accepted forms"},
		{"http://h:port", "error: accepted forms"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			f, err := Open(context.Background(), tc.spec, Options{UserAgent: "vodedge/test", S3: s3opts})
			if err != nil {
				if !strings.HasPrefix(tc.want, "error: ") || !strings.Contains(err.Error(), strings.TrimPrefix(tc.want, "error: ")) {
					t.Fatalf("Open(%q) = %v, want %s", tc.spec, err, tc.want)
				}
				if f != nil {
					t.Errorf("Open(%q) returned a non-nil Fetcher with its error", tc.spec)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error leaks a secret: %v", err)
				}
				return
			}
			defer f.Close()
			if got := fmt.Sprintf("%T", f); got != tc.want {
				t.Fatalf("Open(%q) = %s, want %s", tc.spec, got, tc.want)
			}
			if s := fmt.Sprint(f); s == "" || strings.Contains(s, "secret") {
				t.Errorf("String() = %q", s)
			}
		})
	}
}

func TestOpenPassesOptions(t *testing.T) {
	f, err := Open(context.Background(), "http://example.com", Options{UserAgent: "vodedge/9", HTTP: HTTPOptions{DialTimeout: 7}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if h := f.(*HTTP); h.opts.UserAgent != "vodedge/9" || h.opts.DialTimeout != 7 {
		t.Errorf("options = %+v", h.opts)
	}
	f, err = Open(context.Background(), "s3://b/p", Options{S3: S3Options{Region: "eu-west-3", Endpoint: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if s := f.(*S3).String(); s != "s3 origin s3://b/p (region eu-west-3, endpoint http://127.0.0.1:1)" {
		t.Errorf("String() = %q", s)
	}
}
