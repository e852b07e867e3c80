package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Server is a versitygw process serving the S3 API on loopback from a
// temporary directory, started by StartS3 and stopped at the test's end.
type S3Server struct {
	Endpoint  string // "http://127.0.0.1:PORT"; use path-style addressing
	AccessKey string
	SecretKey string
	Region    string
	Dir       string // the posix backend's root: one directory per bucket
}

// s3StartTimeout bounds versitygw's start-up; it takes well under a second
// but CI machines under -race can be slow.
const s3StartTimeout = 30 * time.Second

// StartS3 starts versitygw (skipping the test when it is not installed,
// see Tool) and waits until it accepts connections.
func StartS3(t testing.TB) S3Server {
	t.Helper()
	bin := Tool(t, "versitygw")
	s := S3Server{AccessKey: "vodedge-test", SecretKey: "vodedge-test-secret", Region: "us-east-1", Dir: t.TempDir()}
	// The free port is found by closing a listener, so another process
	// may take it before versitygw binds it: try again on a new port.
	var err error
	for range 3 {
		addr := FreeAddr(t)
		if err = s.start(t, bin, addr); err == nil {
			s.Endpoint = "http://" + addr
			return s
		}
	}
	t.Fatalf("testenv: start versitygw: %v", err)
	return s
}

// start runs versitygw on addr and registers its stop in t.Cleanup. Its
// output goes to a file, which is read only to explain a failure.
func (s S3Server) start(t testing.TB, bin, addr string) error {
	log, err := os.CreateTemp(t.TempDir(), "versitygw-*.log")
	if err != nil {
		return err
	}
	defer log.Close() // the child has its own copy
	cmd := exec.Command(bin, "--port", addr, "--region", s.Region, "--quiet", "posix", s.Dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{}) // closed when the process has been waited for
	go func() { cmd.Wait(); close(done) }()
	if err := waitListening(addr, done); err != nil {
		stop(cmd, done)
		out, _ := os.ReadFile(log.Name())
		return fmt.Errorf("%w; versitygw output:\n%s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { stop(cmd, done) })
	return nil
}

// waitListening polls addr until it accepts a connection, the process
// exits, or s3StartTimeout passes.
func waitListening(addr string, done <-chan struct{}) error {
	deadline := time.Now().Add(s3StartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return errors.New("versitygw exited during start-up")
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("versitygw not listening on %s after %v", addr, s3StartTimeout)
}

// stop asks the process to exit, kills it if it has not within 5 s, and
// waits for it.
func stop(cmd *exec.Cmd, done <-chan struct{}) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// Client returns an SDK client for the server. It ignores the AWS
// environment of the machine, and its idle connections are closed at the
// test's end (goleak checks).
func (s S3Server) Client(t testing.TB) *s3.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return s3.New(s3.Options{
		Region:                     s.Region,
		BaseEndpoint:               aws.String(s.Endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		HTTPClient:                 &http.Client{Transport: tr},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// CreateBucket creates a bucket, failing the test on error.
func (s S3Server) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client(t).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("testenv: create bucket %s: %v", bucket, err)
	}
}

// PutObject stores data at bucket/key through the S3 API (so that
// versitygw records its ETag and metadata), failing the test on error.
// contentType may be empty.
func (s S3Server) PutObject(t testing.TB, bucket, key string, data []byte, contentType string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if _, err := s.Client(t).PutObject(ctx, in); err != nil {
		t.Fatalf("testenv: put s3://%s/%s: %v", bucket, key, err)
	}
}
