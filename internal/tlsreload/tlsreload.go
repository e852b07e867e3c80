// Package tlsreload serves TLS with a certificate and key read from files,
// read again on Reload (the daemons call it on SIGHUP), so that a renewed
// certificate takes effect without a restart and without dropping a
// connection: established connections keep the certificate they were
// handshaken with; every handshake after the reload gets the new one. A
// reload that fails (a missing file, a key that does not match) keeps the
// old certificate and says why.
//
// The certificate is handed to crypto/tls through GetCertificate from an
// atomic pointer, so a handshake never waits on a reload.
//
// Metrics (on the injected registerer): vodedge_tls_reloads_total{result}
// and vodedge_tls_cert_not_after_seconds, the expiry of the certificate
// in use, for an alert well before it passes.
package tlsreload

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrConfig marks a configuration that cannot serve TLS.
var ErrConfig = errors.New("tlsreload: bad configuration")

// Config names the certificate and key files.
type Config struct {
	// CertFile holds the PEM certificate chain, leaf first; KeyFile the
	// PEM private key of the leaf.
	CertFile, KeyFile string
	// MinVersion is the lowest TLS version accepted; 0 means TLS 1.2.
	MinVersion uint16
	// WarnBefore logs a warning at each load when the certificate expires
	// within this long; 0 means 14 days.
	WarnBefore time.Duration
}

// Deps are the reloader's injected dependencies.
type Deps struct {
	Logger     *slog.Logger          // nil discards
	Registerer prometheus.Registerer // nil registers nowhere
	Now        func() time.Time      // nil is time.Now
}

// Reloader holds the certificate in use and reads it again on Reload.
type Reloader struct {
	cfg  Config
	log  *slog.Logger
	now  func() time.Time
	cert atomic.Pointer[tls.Certificate]
	mu   sync.Mutex // serializes Reload
	m    metrics
}

type metrics struct {
	reloads  *prometheus.CounterVec
	notAfter prometheus.Gauge
}

// New reads the certificate and key; it fails when they cannot serve.
func New(cfg Config, deps Deps) (*Reloader, error) {
	if cfg.CertFile == "" || cfg.KeyFile == "" {
		return nil, fmt.Errorf("%w: both a certificate file and a key file are needed", ErrConfig)
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if cfg.WarnBefore == 0 {
		cfg.WarnBefore = 14 * 24 * time.Hour
	}
	r := &Reloader{cfg: cfg, log: deps.Logger, now: deps.Now}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.m = metrics{
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_tls_reloads_total",
			Help: "Reads of the TLS certificate and key files (start-up and SIGHUP), by result (ok, error: the old certificate stays in use).",
		}, []string{"result"}),
		notAfter: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vodedge_tls_cert_not_after_seconds",
			Help: "Expiry (Unix time) of the TLS certificate in use.",
		}),
	}
	if err := r.load(); err != nil {
		return nil, err
	}
	if deps.Registerer != nil {
		for _, c := range []prometheus.Collector{r.m.reloads, r.m.notAfter} {
			if err := deps.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("tlsreload: metrics: %w", err)
			}
		}
	}
	return r, nil
}

// Reload reads the files again. On an error the certificate in use stays.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(); err != nil {
		r.log.Error("TLS certificate reload failed; the previous certificate stays in use", "err", err)
		return err
	}
	return nil
}

func (r *Reloader) load() error {
	cert, err := tls.LoadX509KeyPair(r.cfg.CertFile, r.cfg.KeyFile)
	if err != nil {
		r.m.reloads.WithLabelValues("error").Inc()
		return fmt.Errorf("tlsreload: %s, %s: %w", r.cfg.CertFile, r.cfg.KeyFile, err)
	}
	leaf := cert.Leaf
	if leaf == nil { // LoadX509KeyPair fills it since Go 1.23; keep the guard
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			r.m.reloads.WithLabelValues("error").Inc()
			return fmt.Errorf("tlsreload: %s: %w", r.cfg.CertFile, err)
		}
		cert.Leaf = leaf
	}
	r.cert.Store(&cert)
	r.m.reloads.WithLabelValues("ok").Inc()
	r.m.notAfter.Set(float64(leaf.NotAfter.Unix()))
	attrs := []any{"subject", leaf.Subject.String(), "dns", leaf.DNSNames, "ips", leaf.IPAddresses, "not_after", leaf.NotAfter.UTC()}
	switch left := leaf.NotAfter.Sub(r.now()); {
	case left <= 0:
		r.log.Error("TLS certificate loaded, but it has expired: clients will refuse it", attrs...)
	case left < r.cfg.WarnBefore:
		r.log.Warn("TLS certificate loaded; it expires soon", append(attrs, "expires_in", left.Round(time.Hour))...)
	default:
		r.log.Info("TLS certificate loaded", attrs...)
	}
	return nil
}

// Certificate returns the certificate in use.
func (r *Reloader) Certificate() *tls.Certificate { return r.cert.Load() }

// GetCertificate is tls.Config.GetCertificate: the certificate in use.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cert.Load(), nil
}

// TLSConfig returns a server configuration serving the certificate in
// use, HTTP/1.1 only (the servers behind it speak HTTP/1.1).
func (r *Reloader) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     r.cfg.MinVersion,
		GetCertificate: r.GetCertificate,
		NextProtos:     []string{"http/1.1"},
	}
}

// Listener wraps ln so that every accepted connection speaks TLS with
// the certificate in use at its handshake.
func (r *Reloader) Listener(ln net.Listener) net.Listener {
	return tls.NewListener(ln, r.TLSConfig())
}
