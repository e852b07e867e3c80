package daemon

import (
	"context"
	"log/slog"
	"net"
)

// Addrs are a daemon's configured addresses; TLS is "" without HTTPS.
type Addrs struct{ Public, TLS, Admin string }

// Listeners are a daemon's bound sockets; TLS is nil without HTTPS.
type Listeners struct{ Public, TLS, Admin net.Listener }

// FieldError is a failure traced to one field of a daemon's
// configuration: a listener that cannot bind, a certificate that does not
// load, a directory that cannot be used. A command line names its flag
// instead of the field.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

// Field wraps err as a FieldError for field; nil stays nil.
func Field(field string, err error) error {
	if err == nil {
		return nil
	}
	return &FieldError{Field: field, Err: err}
}

// Listen binds the addresses, closing what it bound when one fails; the
// error is a FieldError naming "Listen", "TLSListen" or "Admin".
func Listen(a Addrs) (Listeners, error) {
	var ls Listeners
	for _, l := range []struct {
		field, addr string
		ln          *net.Listener
	}{{"Listen", a.Public, &ls.Public}, {"TLSListen", a.TLS, &ls.TLS}, {"Admin", a.Admin, &ls.Admin}} {
		if l.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			ls.Close()
			return Listeners{}, Field(l.field, err)
		}
		*l.ln = ln
	}
	return ls, nil
}

// Close closes every bound listener (those already served are closed by
// their servers; closing again is harmless).
func (l Listeners) Close() {
	for _, ln := range []net.Listener{l.Public, l.TLS, l.Admin} {
		if ln != nil {
			ln.Close()
		}
	}
}

// Bound returns the addresses the listeners got.
func (l Listeners) Bound() Addrs {
	var a Addrs
	for _, x := range []struct {
		ln  net.Listener
		out *string
	}{{l.Public, &a.Public}, {l.TLS, &a.TLS}, {l.Admin, &a.Admin}} {
		if x.ln != nil {
			*x.out = x.ln.Addr().String()
		}
	}
	return a
}

// Describe names the bound addresses for a daemon's "ready" log line.
func (l Listeners) Describe() []any {
	b := l.Bound()
	attrs := []any{"listen", b.Public, "admin", b.Admin}
	if b.TLS != "" {
		attrs = append(attrs, "tls_listen", b.TLS)
	}
	return attrs
}

// Wait blocks until ctx ends or stop is closed (nil), or a listener's
// server reports on errc (its error, logged).
func Wait(ctx context.Context, stop <-chan struct{}, errc <-chan error, log *slog.Logger) error {
	select {
	case <-ctx.Done():
		return nil
	case <-stop:
		return nil
	case err := <-errc:
		log.Error("listener failed", "err", err)
		return err
	}
}

// SameAddr reports whether two configured addresses are one socket; two
// requests for port 0 are two different ports.
func SameAddr(a, b string) bool {
	return a != "" && a == b && !hasZeroPort(a)
}

func hasZeroPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}
