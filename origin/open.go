package origin

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
)

// Fetcher is what Open returns. It is declared here for Open's sake only:
// callers declare the (smaller) interface they need, such as cache.Origin.
type Fetcher interface {
	Fetch(ctx context.Context, req Request) (*Object, error)
	Close() error
}

var (
	_ Fetcher = (*File)(nil)
	_ Fetcher = (*HTTP)(nil)
	_ Fetcher = (*S3)(nil)
	_ Fetcher = (*Sample)(nil)
)

// Options configures the clients Open builds.
type Options struct {
	// UserAgent is sent by the HTTP and S3 clients unless their own
	// options set one, e.g. "vodedge/1.2.0".
	UserAgent string
	HTTP      HTTPOptions
	S3        S3Options
}

// specForms lists the accepted origin specs, for error messages.
const specForms = `accepted forms: "" or "sample:" (embedded sample title), file:///absolute/dir, http://host[:port][/prefix], https://host[:port][/prefix], s3://bucket[/prefix]`

// Open returns the client for an origin spec (the edge's --origin flag):
//
//	"" or "sample:"                     the embedded sample title (Sample)
//	file:///absolute/dir                a local directory (File)
//	http(s)://host[:port][/prefix]      an HTTP server (HTTP)
//	s3://bucket[/prefix]                an S3 bucket (S3; opts.S3 names an
//	                                    S3-compatible endpoint)
//
// ctx bounds set-up only (loading the AWS configuration).
func Open(ctx context.Context, spec string, opts Options) (Fetcher, error) {
	if spec == "" {
		return NewSample(), nil
	}
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("origin: %w; %s", err, specForms)
	}
	switch u.Scheme {
	case "sample":
		if spec[len("sample:"):] != "" {
			return nil, fmt.Errorf("origin: %q: the sample origin takes no path; %s", spec, specForms)
		}
		return NewSample(), nil
	case "file":
		return openFile(u)
	case "http", "https":
		hopts := opts.HTTP
		hopts.UserAgent = orDefault(hopts.UserAgent, opts.UserAgent)
		return fetcher(NewHTTP(spec, hopts))
	case "s3":
		return openS3(ctx, u, opts)
	case "":
		return nil, fmt.Errorf("origin: %q has no scheme; %s", u.Redacted(), specForms)
	default:
		return nil, fmt.Errorf("origin: %q: unknown scheme %q; %s", u.Redacted(), u.Scheme, specForms)
	}
}

// openFile accepts only absolute paths: a relative one would depend on the
// working directory of a daemon, which is a trap. "file://dir" is the usual
// mistake (dir becomes the host), so it is named in the error.
func openFile(u *url.URL) (Fetcher, error) {
	switch {
	case u.Opaque != "" || (u.Host != "" && u.Host != "localhost"):
		return nil, fmt.Errorf("origin: %q: the directory must be an absolute path, as in file:///srv/vod (three slashes)", u.String())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("origin: %q: a query or fragment is not allowed; want file:///absolute/dir", u.String())
	case !filepath.IsAbs(filepath.FromSlash(u.Path)):
		return nil, fmt.Errorf("origin: %q: the directory must be an absolute path, as in file:///srv/vod", u.String())
	}
	return fetcher(NewFile(filepath.FromSlash(u.Path)))
}

// openS3 takes the bucket from the host and the prefix from the path.
// Credentials never go in the spec (it ends up in logs and ps output).
func openS3(ctx context.Context, u *url.URL, opts Options) (Fetcher, error) {
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("origin: %q: credentials do not belong in the origin URL; use the AWS environment or configuration", u.Redacted())
	case u.Host == "" || u.Port() != "":
		return nil, fmt.Errorf("origin: %q: want s3://bucket[/prefix] (set the endpoint of an S3-compatible server in the S3 options)", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("origin: %q: a query or fragment is not allowed; want s3://bucket[/prefix]", u.Redacted())
	}
	sopts := opts.S3
	sopts.Transport.UserAgent = orDefault(sopts.Transport.UserAgent, opts.UserAgent)
	return fetcher(NewS3(ctx, u.Host, u.Path, sopts))
}

// fetcher converts a constructor's result without turning a nil *T into a
// non-nil Fetcher.
func fetcher[T Fetcher](f T, err error) (Fetcher, error) {
	if err != nil {
		return nil, err
	}
	return f, nil
}
