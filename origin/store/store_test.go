package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestKeys(t *testing.T) {
	good := []string{"titles/abc/master.m3u8", "titles/a-1/video-h264-720p/seg-00001.m4s"}
	bad := []string{"titles/abc", "titles/ABC/x", "titles/abc/../x", "titles/abc/.tmp", "other/abc/x", "titles/abc/a/b/c", "titles/-a/x", "titles/abc/x y"}
	for _, k := range good {
		if err := CheckKey(k); err != nil {
			t.Errorf("%q: %v", k, err)
		}
	}
	for _, k := range bad {
		if err := CheckKey(k); !errors.Is(err, ErrBadKey) {
			t.Errorf("%q accepted", k)
		}
	}
	if id, ok := TitleOf("/titles/abc-1/video/seg.m4s"); !ok || id != "abc-1" {
		t.Errorf("TitleOf = %q %v", id, ok)
	}
	if _, ok := TitleOf("/sample/master.m3u8"); ok {
		t.Error("TitleOf accepted a non-title path")
	}
}

// files writes a small title's files into a work directory.
func files(t *testing.T, id string, sizes map[string]int) []File {
	dir := t.TempDir()
	var out []File
	for rel, n := range sizes {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		data := make([]byte, n)
		rand.Read(data)
		os.WriteFile(p, data, 0o644)
		key, err := Key(id, rel)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Describe(key, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func keys(fs []File) []string {
	var k []string
	for _, f := range fs {
		k = append(k, f.Key)
	}
	return k
}

// fetch reads a key through the edge's own origin client.
func fetch(t *testing.T, o origin.Fetcher, key string) ([]byte, error) {
	obj, err := o.Fetch(context.Background(), origin.Request{Key: "/" + key, Length: -1})
	if err != nil {
		return nil, err
	}
	defer obj.Body.Close()
	return io.ReadAll(obj.Body)
}

func TestLocalPublishAndClasses(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(context.Background(), "file://"+dir, S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs := files(t, "t1", map[string]int{"master.m3u8": 100, "video-h264-240p/seg-00000.m4s": 5000})
	for _, f := range fs {
		if err := st.Put(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	edge, _ := origin.NewFile(dir)
	defer edge.Close()
	for _, f := range fs {
		got, err := fetch(t, edge, f.Key)
		want, _ := os.ReadFile(f.Path)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s through the edge's file origin: %v", f.Key, err)
		}
	}
	if err := st.SetClass(context.Background(), keys(fs), Cold); err != nil {
		t.Fatal(err)
	}
	if _, err := fetch(t, edge, fs[0].Key); !errors.Is(err, origin.ErrNotFound) {
		t.Errorf("cold object still served: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cold", fs[0].Key)); err != nil {
		t.Errorf("not under cold/: %v", err)
	}
	// Again (an interrupted move run twice), then back.
	for _, c := range []Class{Cold, Hot, Hot} {
		if err := st.SetClass(context.Background(), keys(fs), c); err != nil {
			t.Fatalf("SetClass(%s): %v", c, err)
		}
	}
	if n, err := st.Stat(context.Background(), fs[1].Key); err != nil || n != fs[1].Size {
		t.Errorf("restored Stat = %d, %v", n, err)
	}
	if err := st.Put(context.Background(), File{Key: "../../etc/passwd", Path: fs[0].Path}); !errors.Is(err, ErrBadKey) {
		t.Errorf("traversal key: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "titles", "t1", ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestS3PublishMultipartAndClasses(t *testing.T) {
	srv := testenv.StartS3(t)
	srv.CreateBucket(t, "vod")
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	st, err := Open(context.Background(), "s3://vod/prod", S3Config{
		Endpoint: srv.Endpoint, Region: srv.Region, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey,
		MultipartThreshold: 5 << 20, MultipartPartSize: 5 << 20, HTTPClient: &http.Client{Transport: tr},
	})
	if err != nil {
		t.Fatal(err)
	}
	fs := files(t, "t2", map[string]int{"master.m3u8": 300, "video-h264-240p/seg-00000.m4s": 11 << 20})
	for _, f := range fs {
		if err := st.Put(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	client := srv.Client(t)
	for _, f := range fs {
		h, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("vod"), Key: aws.String("prod/" + f.Key)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt64(h.ContentLength) != f.Size || h.Metadata["sha256"] != f.SHA256 || h.Metadata[classMeta] != "hot" {
			t.Errorf("%s: size %d meta %v", f.Key, aws.ToInt64(h.ContentLength), h.Metadata)
		}
		if f.Size > 5<<20 && !strings.HasSuffix(aws.ToString(h.ETag), `-3"`) {
			t.Errorf("%s: ETag %s is not a 3-part multipart ETag", f.Key, aws.ToString(h.ETag))
		}
	}
	edge, err := origin.NewS3(context.Background(), "vod", "prod", origin.S3Options{Endpoint: srv.Endpoint, Region: srv.Region, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	defer edge.Close()
	got, err := fetch(t, edge, fs[1].Key)
	want, _ := os.ReadFile(fs[1].Path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("multipart object through the edge's S3 origin: %v", err)
	}
	checkS3Class(t, st, client, fs, Cold)
	checkS3Class(t, st, client, fs, Hot)
}

func checkS3Class(t *testing.T, st Store, client *s3.Client, fs []File, c Class) {
	t.Helper()
	if err := st.SetClass(context.Background(), keys(fs), c); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		h, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("vod"), Key: aws.String("prod/" + f.Key)})
		if err != nil {
			t.Fatal(err)
		}
		// versitygw keeps every object STANDARD whatever the request
		// says; the class metadata, copied with it, is what it keeps.
		if h.Metadata[classMeta] != string(c) || h.Metadata["sha256"] != f.SHA256 || aws.ToString(h.ContentType) != ContentType(f.Key) {
			t.Errorf("%s after SetClass(%s): class %q meta %v type %q", f.Key, c, h.StorageClass, h.Metadata, aws.ToString(h.ContentType))
		}
		if h.StorageClass != "" && h.StorageClass != types.StorageClassStandard && c == Hot {
			t.Errorf("%s: storage class %s after restore", f.Key, h.StorageClass)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	for _, spec := range []string{"file://relative/dir", "s3://", "s3://user:pw@bucket", "ftp://x", "/plain/path"} {
		if _, err := Open(context.Background(), spec, S3Config{}); !errors.Is(err, ErrConfig) {
			t.Errorf("Open(%q) = %v", spec, err)
		}
	}
	if _, err := NewS3(context.Background(), S3Config{Bucket: "b", MultipartPartSize: 1 << 20}); !errors.Is(err, ErrConfig) {
		t.Errorf("tiny parts: %v", err)
	}
}
