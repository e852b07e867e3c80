package origin

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// HTTPOptions tunes the connections of the HTTP client, and of the S3
// client (S3Options.Transport). Zero fields take the defaults below; the
// edge's miss path wants origin failures to surface in seconds so that it
// can answer 502/504 or try another source.
type HTTPOptions struct {
	// DialTimeout bounds a TCP connect and, separately, a TLS handshake.
	// Default 3s.
	DialTimeout time.Duration
	// HeaderTimeout bounds the wait for response headers once the request
	// is sent. Default 10s.
	HeaderTimeout time.Duration
	// IdleReadTimeout fails a body read with ErrTimeout when no byte
	// arrives for this long. Default 10s.
	IdleReadTimeout time.Duration
	// MaxIdleConnsPerHost is the keep-alive pool size. Default 64.
	MaxIdleConnsPerHost int
	// UserAgent is sent with every request, e.g. "vodedge/1.2.0".
	// Default "vodedge".
	UserAgent string
}

// Defaults of HTTPOptions.
const (
	DefaultDialTimeout         = 3 * time.Second
	DefaultHeaderTimeout       = 10 * time.Second
	DefaultIdleReadTimeout     = 10 * time.Second
	DefaultMaxIdleConnsPerHost = 64
	DefaultUserAgent           = "vodedge"
)

// withDefaults fills zero fields and rejects negative ones.
func (o HTTPOptions) withDefaults() (HTTPOptions, error) {
	if o.DialTimeout < 0 || o.HeaderTimeout < 0 || o.IdleReadTimeout < 0 || o.MaxIdleConnsPerHost < 0 {
		return o, fmt.Errorf("origin: HTTP options: negative timeout or pool size: %+v", o)
	}
	o.DialTimeout = orDefault(o.DialTimeout, DefaultDialTimeout)
	o.HeaderTimeout = orDefault(o.HeaderTimeout, DefaultHeaderTimeout)
	o.IdleReadTimeout = orDefault(o.IdleReadTimeout, DefaultIdleReadTimeout)
	o.MaxIdleConnsPerHost = orDefault(o.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	o.UserAgent = orDefault(o.UserAgent, DefaultUserAgent)
	return o, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// newTransport returns a Transport of our own (never the shared default,
// whose pool and timeouts other code may change).
func newTransport(o HTTPOptions) *http.Transport {
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
	configureTransport(tr, o)
	return tr
}

// configureTransport applies o to tr. Compression is off: Go's transparent
// gzip would drop Content-Length and hide the object's real size, and video
// does not compress anyway.
func configureTransport(tr *http.Transport, o HTTPOptions) {
	d := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: 30 * time.Second}
	tr.DialContext = d.DialContext
	tr.TLSHandshakeTimeout = o.DialTimeout
	tr.ResponseHeaderTimeout = o.HeaderTimeout
	tr.MaxIdleConnsPerHost = o.MaxIdleConnsPerHost
	tr.IdleConnTimeout = 90 * time.Second
	tr.DisableCompression = true
	tr.MaxResponseHeaderBytes = 64 << 10
}
