package origin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Options configures an S3 origin client.
type S3Options struct {
	// Endpoint is the URL of an S3-compatible server, e.g.
	// "http://127.0.0.1:7070"; buckets are then addressed path-style,
	// which such servers expect. Empty means AWS.
	Endpoint string
	// Region defaults to the environment's (AWS_REGION, shared config),
	// else "us-east-1".
	Region string
	// AccessKeyID and SecretAccessKey, when both set, are static
	// credentials (tests, S3-compatible servers). Otherwise credentials
	// come from the standard AWS chain (environment, shared files, IAM).
	AccessKeyID     string
	SecretAccessKey string
	// Transport tunes connections exactly as for HTTP origins: dial and
	// header timeouts, the idle read timeout of bodies, the pool size and
	// the User-Agent (appended to the SDK's).
	Transport HTTPOptions
	// Archived is what an object in an archive class (S3 answers
	// InvalidObjectState until it is restored) becomes: see s3archived.go.
	Archived ArchivedOptions
}

// s3MaxAttempts is one retry instead of the SDK's two: the edge's miss
// path must fail within seconds (502/504 or the next source), and each
// attempt may already wait HeaderTimeout.
const s3MaxAttempts = 2

// S3 is an origin in an S3 bucket, under an optional prefix: key "/a/b"
// is the object "prefix/a/b". It is safe for concurrent use; Close
// releases its idle connections.
type S3 struct {
	bucket, prefix string
	desc           string
	idle           time.Duration
	tr             *http.Transport
	client         *s3.Client
	archived       ArchivedOptions
}

// NewS3 returns a client for bucket and prefix (leading and trailing "/"
// ignored). ctx bounds the loading of the AWS configuration only.
func NewS3(ctx context.Context, bucket, prefix string, opts S3Options) (*S3, error) {
	prefix = strings.Trim(prefix, "/")
	if err := checkS3Names(bucket, prefix, opts.Endpoint); err != nil {
		return nil, err
	}
	tops, err := opts.Transport.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg, err := loadAWSConfig(ctx, opts)
	if err != nil {
		return nil, err
	}
	tr := s3Transport(cfg.HTTPClient, tops)
	o := &S3{bucket: bucket, prefix: prefix, idle: tops.IdleReadTimeout, tr: tr, archived: opts.Archived.withDefaults()}
	o.client = s3.NewFromConfig(cfg, func(so *s3.Options) {
		// S3 redirects (wrong region) are errors to report, not to follow
		// with a signature made for another host.
		so.HTTPClient = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		if opts.Endpoint != "" {
			so.BaseEndpoint = aws.String(opts.Endpoint)
			so.UsePathStyle = true
		}
		so.APIOptions = append(so.APIOptions, userAgent(tops.UserAgent))
	})
	o.desc = fmt.Sprintf("s3 origin s3://%s (region %s, endpoint %s)", path.Join(bucket, prefix), cfg.Region, orDefault(opts.Endpoint, "AWS"))
	return o, nil
}

// userAgent appends ours ("vodedge/1.2.0") to the SDK's User-Agent, which
// S3 operators use to tell clients apart.
func userAgent(ua string) func(*middleware.Stack) error {
	if name, version, ok := strings.Cut(ua, "/"); ok {
		return awsmiddleware.AddUserAgentKeyValue(name, version)
	}
	return awsmiddleware.AddUserAgentKey(ua)
}

// s3Transport returns the transport of the SDK's client, which carries
// what the configuration put there (a custom CA bundle from AWS_CA_BUNDLE),
// tuned with our options. We keep the *http.Transport so that Close can
// release its connections.
func s3Transport(c aws.HTTPClient, o HTTPOptions) *http.Transport {
	b, ok := c.(*awshttp.BuildableClient)
	if !ok {
		return newTransport(o)
	}
	tr := b.GetTransport()
	configureTransport(tr, o)
	return tr
}

// loadAWSConfig loads the standard configuration. Checksums are computed
// and checked only when an operation requires it: S3-compatible servers
// reject or omit the SDK's default CRC32s, and a ranged GET cannot be
// checked against a whole-object checksum anyway.
func loadAWSConfig(ctx context.Context, opts S3Options) (aws.Config, error) {
	lopts := []func(*config.LoadOptions) error{
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
		config.WithRetryMaxAttempts(s3MaxAttempts),
	}
	if opts.Region != "" {
		lopts = append(lopts, config.WithRegion(opts.Region))
	}
	if opts.AccessKeyID != "" && opts.SecretAccessKey != "" {
		creds := credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, "")
		lopts = append(lopts, config.WithCredentialsProvider(creds))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lopts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("origin: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// checkS3Names validates what NewS3 is given, so that a typo fails at
// start-up and not on the first miss.
func checkS3Names(bucket, prefix, endpoint string) error {
	if bucket == "" || strings.ContainsAny(bucket, "/\\ ") || len(bucket) > 255 {
		return fmt.Errorf("origin: S3 bucket %q: want a bucket name such as my-videos", bucket)
	}
	if prefix != "" && keyProblem("/"+prefix) != "" {
		return fmt.Errorf("origin: S3 prefix %q: %s", prefix, keyProblem("/"+prefix))
	}
	if endpoint != "" {
		if _, err := parseBase(endpoint); err != nil {
			return fmt.Errorf("origin: S3 endpoint: %w", err)
		}
	}
	return nil
}

// String describes the origin for logs (never the credentials).
func (o *S3) String() string { return o.desc }

// Close closes idle connections. Bodies still open keep working.
func (o *S3) Close() error {
	o.tr.CloseIdleConnections()
	return nil
}

// Fetch gets req with GetObject and a Range header; see Object for what is
// returned. The body is read under ctx: cancelling ctx aborts it.
func (o *S3) Fetch(ctx context.Context, req Request) (*Object, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	obj, err := o.fetch(ctx, cancel, req)
	if err != nil {
		cancel(nil)
	}
	return obj, err
}

func (o *S3) objectKey(key string) string {
	if o.prefix == "" {
		return key[1:]
	}
	return o.prefix + key
}

func (o *S3) fetch(ctx context.Context, cancel context.CancelCauseFunc, req Request) (*Object, error) {
	key := o.objectKey(req.Key)
	what := "GetObject s3://" + o.bucket + "/" + key
	in := &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)}
	if !req.whole() {
		in.Range = aws.String(req.rangeHeader())
	}
	if req.IfNoneMatch != "" {
		in.IfNoneMatch = aws.String(req.IfNoneMatch)
	}
	if !req.IfModifiedSince.IsZero() {
		in.IfModifiedSince = aws.Time(req.IfModifiedSince)
	}
	out, err := o.client.GetObject(ctx, in)
	if err != nil {
		return o.failed(ctx, cancel, req, key, what, err)
	}
	r := &reply{
		what:   what,
		meta:   s3Meta(out.ETag, out.ContentType, out.LastModified),
		length: aws.ToInt64(out.ContentLength),
		body:   newRemoteBody(ctx, cancel, out.Body, o.idle, what),
	}
	r.meta.Status = http.StatusOK
	if out.ContentLength == nil {
		r.length = -1
	}
	obj, err := o.check(r, out.ContentRange, req)
	if err != nil {
		r.body.Close()
		return nil, err
	}
	obj.Header = rawHeader(awsmiddleware.GetRawResponse(out.ResultMetadata))
	return obj, nil
}

// rawHeader returns the end-to-end header fields of the SDK's raw HTTP
// response (Cache-Control, Expires, Date, … as stored with the object),
// without S3's own x-amz-* fields (request ids, checksums, user
// metadata), which are no player's business; nil when the SDK kept none.
func rawHeader(raw any) http.Header {
	resp, ok := raw.(*smithyhttp.Response)
	if !ok || resp == nil || resp.Response == nil {
		return nil
	}
	return s3Header(resp.Header)
}

// s3Header returns the end-to-end fields of an S3 answer without S3's
// own x-amz-* fields: an error answer (a 404 for NoSuchKey, a 304)
// passes on no more of S3's internals than an object does.
func s3Header(raw http.Header) http.Header {
	h := endToEnd(raw)
	for k := range h {
		if strings.HasPrefix(k, "X-Amz-") {
			delete(h, k)
		}
	}
	return h
}

// check parses Content-Range, present when S3 answered 206, and checks the
// reply against the request.
func (o *S3) check(r *reply, contentRange *string, req Request) (*Object, error) {
	if contentRange != nil {
		cr, err := parseContentRange(*contentRange)
		if err != nil {
			return nil, fmt.Errorf("origin: %s: %w", r.what, err)
		}
		r.ranged, r.cr = true, cr
	}
	return r.object(req)
}

func s3Meta(etag, contentType *string, lastModified *time.Time) Meta {
	return Meta{ETag: aws.ToString(etag), ContentType: aws.ToString(contentType), LastModified: aws.ToTime(lastModified)}
}

// failed classifies a GetObject error by S3 error code, then by HTTP
// status (for servers, and HEAD-like answers, without a code), then as a
// transport failure. GetObject does not model NoSuchBucket, hence codes
// rather than types. A missing bucket is a configuration error, not a
// missing object: it must not turn into a 404 that players believe.
func (o *S3) failed(ctx context.Context, cancel context.CancelCauseFunc, req Request, key, what string, err error) (*Object, error) {
	var (
		apiErr  smithy.APIError
		respErr *awshttp.ResponseError
		code    string
		status  int
	)
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	switch {
	case status == http.StatusNotModified && req.conditional():
		// status is only known from a ResponseError, so respErr is set.
		obj := notModified(req, Meta{ETag: req.IfNoneMatch, LastModified: req.IfModifiedSince})
		obj.Header = s3Header(respErr.Response.Header)
		if etag := obj.Header.Get("ETag"); etag != "" {
			obj.ETag = etag
		}
		cancel(nil) // no body will release the request's context
		return obj, nil
	case code == "InvalidObjectState":
		cancel(nil) // the answer is made here: no body holds the context
		return o.archivedAnswer(req, what)
	case code == "NoSuchBucket":
		return nil, fmt.Errorf("origin: %s: bucket %s does not exist: %w: %w", what, o.bucket, ErrBadResponse, err)
	case code == "NoSuchKey" || status == http.StatusNotFound:
		se := &StatusError{What: what, Status: http.StatusNotFound, Err: ErrNotFound}
		if respErr != nil {
			se.Header = s3Header(respErr.Response.Header)
		}
		return nil, se
	case code == "InvalidRange" || status == http.StatusRequestedRangeNotSatisfiable:
		return o.unsatisfiable(ctx, cancel, req, key, what)
	case status >= 500:
		return nil, fmt.Errorf("origin: %s: status %d: %w: %w", what, status, ErrUnreachable, err)
	case status != 0:
		return nil, fmt.Errorf("origin: %s: status %d: %w: %w", what, status, ErrBadResponse, err)
	}
	return nil, classify(ctx, what, err, ErrUnreachable)
}

// unsatisfiable turns an InvalidRange into a RangeError, asking HeadObject
// for the size since S3 errors do not carry it in a form the SDK exposes.
// An empty object asked from offset 0 is an empty answer, not an error.
func (o *S3) unsatisfiable(ctx context.Context, cancel context.CancelCauseFunc, req Request, key, what string) (*Object, error) {
	head, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)})
	if err != nil || head.ContentLength == nil {
		return nil, &RangeError{Key: req.Key, Size: -1}
	}
	size := *head.ContentLength
	if size == 0 && req.Offset == 0 {
		r := &reply{
			what: what,
			meta: s3Meta(head.ETag, head.ContentType, head.LastModified),
			body: newRemoteBody(ctx, cancel, http.NoBody, 0, what),
		}
		return r.finish(req, 0, 0), nil
	}
	return nil, &RangeError{Key: req.Key, Size: size}
}
