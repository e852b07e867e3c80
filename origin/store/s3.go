package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Config configures an S3 store.
type S3Config struct {
	Bucket string
	// Prefix is prepended to every key ("vod" → vod/titles/…).
	Prefix string
	// Endpoint of an S3-compatible server (path-style); empty for AWS.
	Endpoint string
	// Region; default from the AWS environment, else us-east-1.
	Region string
	// AccessKeyID and SecretAccessKey, when both set, are static
	// credentials; otherwise the standard AWS chain is used.
	AccessKeyID, SecretAccessKey string
	// HotClass and ColdClass are S3 storage classes; defaults STANDARD
	// and GLACIER_IR.
	HotClass, ColdClass types.StorageClass
	// MultipartThreshold: files this large or larger go up in parts of
	// MultipartPartSize. Defaults 64 MiB and 16 MiB; parts are at least
	// 5 MiB (S3's minimum).
	MultipartThreshold, MultipartPartSize int64
	// RestoreDays is how long S3 keeps a restored copy of an archived
	// object (GLACIER, DEEP_ARCHIVE) before it is copied back to the hot
	// class; default 7. RestorePoll is the wait between checks, default 1 min.
	RestoreDays int32
	RestorePoll time.Duration
	// HTTPClient, if set, is used for every request (tests close its
	// idle connections).
	HTTPClient *http.Client
}

func (c *S3Config) defaults() error {
	c.Prefix = strings.Trim(c.Prefix, "/")
	c.HotClass = orDefault(c.HotClass, types.StorageClassStandard)
	c.ColdClass = orDefault(c.ColdClass, types.StorageClassGlacierIr)
	c.MultipartThreshold = orDefault(c.MultipartThreshold, 64<<20)
	c.MultipartPartSize = orDefault(c.MultipartPartSize, 16<<20)
	c.RestoreDays = orDefault(c.RestoreDays, 7)
	c.RestorePoll = orDefault(c.RestorePoll, time.Minute)
	switch {
	case c.Bucket == "" || strings.ContainsAny(c.Bucket, "/\\ "):
		return fmt.Errorf("%w: S3 bucket %q", ErrConfig, c.Bucket)
	case c.MultipartPartSize < 5<<20 || c.MultipartPartSize > 5<<30:
		return fmt.Errorf("%w: multipart part size %d: want 5 MiB..5 GiB", ErrConfig, c.MultipartPartSize)
	case c.MultipartThreshold < c.MultipartPartSize:
		return fmt.Errorf("%w: multipart threshold below the part size", ErrConfig)
	case !knownClass(c.HotClass) || !knownClass(c.ColdClass):
		return fmt.Errorf("%w: storage classes %q/%q: want one of %v", ErrConfig, c.HotClass, c.ColdClass, types.StorageClassStandard.Values())
	}
	return nil
}

func knownClass(c types.StorageClass) bool {
	for _, v := range c.Values() {
		if v == c {
			return true
		}
	}
	return false
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// S3 is a store in an S3 bucket. It is safe for concurrent use.
type S3 struct {
	cfg    S3Config
	client *s3.Client
}

// classMeta is the user metadata key recording our class on each object.
const classMeta = "vodedge-class"

// NewS3 builds an S3 store; ctx bounds loading the AWS configuration.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.AccessKeyID != "" && cfg.SecretAccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: AWS configuration: %w", ErrConfig, err)
	}
	awsCfg.Region = orDefault(awsCfg.Region, "us-east-1")
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint, o.UsePathStyle = aws.String(cfg.Endpoint), true
		}
		if cfg.HTTPClient != nil {
			o.HTTPClient = cfg.HTTPClient
		}
	})
	return &S3{cfg: cfg, client: client}, nil
}

// String names the store in logs.
func (s *S3) String() string {
	return "s3://" + strings.TrimSuffix(s.cfg.Bucket+"/"+s.cfg.Prefix, "/")
}

// Close releases nothing; it exists for symmetry with Local.
func (s *S3) Close() error { return nil }

func (s *S3) objectKey(key string) string {
	if s.cfg.Prefix == "" {
		return key
	}
	return s.cfg.Prefix + "/" + key
}

// Put uploads f at f.Key in the hot class, in parts when it is large.
func (s *S3) Put(ctx context.Context, f File) error {
	if err := CheckKey(f.Key); err != nil {
		return err
	}
	src, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer src.Close()
	if f.Size >= s.cfg.MultipartThreshold {
		return s.multipart(ctx, f, src)
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.objectKey(f.Key)),
		Body: src, ContentLength: aws.Int64(f.Size), ContentType: aws.String(ContentType(f.Key)),
		StorageClass: s.cfg.HotClass, Metadata: s.metadata(f.SHA256, Hot),
	})
	return s.failed("PutObject", f.Key, err)
}

func (s *S3) metadata(sum string, c Class) map[string]string {
	m := map[string]string{classMeta: string(c)}
	if sum != "" {
		m["sha256"] = sum
	}
	return m
}

// multipart uploads f in parts read straight from the file (never more
// than one part in memory: the SDK reads the section as it sends it).
func (s *S3) multipart(ctx context.Context, f File, src *os.File) error {
	key := s.objectKey(f.Key)
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), ContentType: aws.String(ContentType(f.Key)),
		StorageClass: s.cfg.HotClass, Metadata: s.metadata(f.SHA256, Hot),
	})
	if err != nil {
		return s.failed("CreateMultipartUpload", f.Key, err)
	}
	parts, err := s.uploadParts(ctx, key, up.UploadId, src, f.Size)
	if err == nil {
		_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
	}
	if err != nil {
		// Abort with a fresh context: ctx may be what failed.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: up.UploadId})
		return s.failed("multipart upload", f.Key, err)
	}
	return nil
}

func (s *S3) uploadParts(ctx context.Context, key string, id *string, src io.ReaderAt, size int64) ([]types.CompletedPart, error) {
	var parts []types.CompletedPart
	for off, n := int64(0), int32(1); off < size; off, n = off+s.cfg.MultipartPartSize, n+1 {
		length := min(s.cfg.MultipartPartSize, size-off)
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: id,
			PartNumber: aws.Int32(n), Body: io.NewSectionReader(src, off, length), ContentLength: aws.Int64(length),
		})
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", n, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	return parts, nil
}

// Stat returns the size of an object.
func (s *S3) Stat(ctx context.Context, key string) (int64, error) {
	h, err := s.head(ctx, key)
	if err != nil {
		return 0, err
	}
	return aws.ToInt64(h.ContentLength), nil
}

func (s *S3) head(ctx context.Context, key string) (*s3.HeadObjectOutput, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	h, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.objectKey(key))})
	if err != nil {
		return nil, s.failed("HeadObject", key, err)
	}
	return h, nil
}

// failed classifies an SDK error; nil stays nil.
func (s *S3) failed(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return fmt.Errorf("store: %s s3://%s/%s: %w", op, s.cfg.Bucket, s.objectKey(key), ErrNotFound)
	}
	return fmt.Errorf("store: %s s3://%s/%s: %w: %w", op, s.cfg.Bucket, s.objectKey(key), ErrUnavailable, err)
}
