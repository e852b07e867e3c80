package testenv

import (
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestStartS3RoundTrip(t *testing.T) {
	srv := StartS3(t)
	srv.CreateBucket(t, "media")
	srv.PutObject(t, "media", "a/b.txt", []byte("hello, edge"), "text/plain")

	out, err := srv.Client(t).GetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String("media"), Key: aws.String("a/b.txt"), Range: aws.String("bytes=7-"),
	})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil || string(got) != "edge" {
		t.Fatalf("body = %q, %v; want %q", got, err, "edge")
	}
	if cr := aws.ToString(out.ContentRange); cr != "bytes 7-10/11" {
		t.Errorf("Content-Range = %q", cr)
	}
}
