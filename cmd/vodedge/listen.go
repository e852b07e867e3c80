package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/internal/bytesize"
	"github.com/vodedge/vodedge/internal/daemon"
)

// tlsOpts are a daemon's flags for TLS on its public listener (edge,
// steer) or its API (origin). Plain HTTP stays on --listen.
type tlsOpts struct {
	listen, cert, key string
}

func (t *tlsOpts) bind(f *pflag.FlagSet, what string) {
	f.StringVar(&t.listen, "tls-listen", "", "HTTPS address "+what+" (e.g. :8443), beside the plain HTTP --listen; needs --tls-cert and --tls-key")
	f.StringVar(&t.cert, "tls-cert", "", "PEM certificate chain for --tls-listen, leaf first; re-read on SIGHUP (connections in progress keep theirs)")
	f.StringVar(&t.key, "tls-key", "", "PEM private key of --tls-cert; re-read on SIGHUP")
}

// check refuses half a TLS configuration.
func (t *tlsOpts) check() error {
	switch {
	case t.listen == "" && (t.cert != "" || t.key != ""):
		return errors.New("--tls-cert and --tls-key need --tls-listen (the HTTPS address)")
	case t.listen != "" && (t.cert == "" || t.key == ""):
		return errors.New("--tls-listen needs --tls-cert and --tls-key")
	}
	return nil
}

// reloadOnHUP calls reload (re-reading what) for each SIGHUP until ctx
// ends; a failed reload is logged by the daemon and the old
// configuration stays.
func reloadOnHUP(ctx context.Context, log *slog.Logger, hup <-chan os.Signal, what string, reload func() error) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			log.Info("SIGHUP: re-reading " + what)
			_ = reload()
		}
	}
}

// flagError names the flag of a configuration field that a daemon's New
// reports failing (a daemon.FieldError); flags maps fields to flags.
func flagError(err error, flags map[string]string) error {
	var fe *daemon.FieldError
	if errors.As(err, &fe) {
		if flag, ok := flags[fe.Field]; ok {
			return fmt.Errorf("%s: %w", flag, fe.Err)
		}
	}
	return err
}

// limitOpts are the public listener's timeouts and limits (edge, steer).
type limitOpts struct {
	read, write, idle time.Duration
	minRate           bytesize.Size
	headerBytes       bytesize.Size
	maxConns          int
	perClient         int
}

// bind adds the flags with def's values as defaults; the write timeout's
// help says how the daemon uses it, and --min-client-rate exists only
// when def has one.
func (l *limitOpts) bind(f *pflag.FlagSet, def limitOpts, writeHelp string) {
	f.DurationVar(&l.read, "read-timeout", def.read, "time a client has to send a request's headers (from connecting, or from the request's first byte on a kept-alive connection); slow senders (slowloris) are cut off")
	f.DurationVar(&l.write, "write-timeout", def.write, writeHelp)
	f.DurationVar(&l.idle, "idle-timeout", def.idle, "how long a kept-alive connection may wait for its next request")
	if def.minRate > 0 {
		l.minRate = def.minRate
		f.Var(&l.minRate, "min-client-rate", "slowest reading rate (bytes/s) a client is given time for beyond --write-timeout")
	}
	l.headerBytes = def.headerBytes
	f.Var(&l.headerBytes, "max-header-bytes", "largest request header block (request line and fields); 431 beyond it")
	f.IntVar(&l.maxConns, "max-conns", 0, "most connections open at once on the public listeners (503 beyond); 0: three quarters of the open-file limit, so that disk files and origin connections always find descriptors; -1: no limit")
	f.IntVar(&l.perClient, "max-conns-per-client", 0, "most connections open at once from one IPv4 address or IPv6 /64 (429 beyond); 0: no limit. Players behind a carrier-grade NAT share an address: size it for the NAT pools behind the node. Keeps sendfile (fasthttp's own per-IP cap would not)")
}

// connLimit resolves --max-conns: 0 is three quarters of RLIMIT_NOFILE
// (Go raises the soft limit to the hard one at start-up), -1 no limit.
func (l *limitOpts) connLimit() (int, error) {
	switch {
	case l.maxConns < -1:
		return 0, fmt.Errorf("--max-conns %d: want a count, 0 (auto) or -1 (no limit)", l.maxConns)
	case l.maxConns == -1:
		return 0, nil
	case l.maxConns > 0:
		return l.maxConns, nil
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 || rl.Cur > 1<<30 {
		return 0, nil
	}
	return max(int(rl.Cur)*3/4, 64), nil
}

func (l *limitOpts) check() error {
	var errs []string
	for name, d := range map[string]time.Duration{"read-timeout": l.read, "write-timeout": l.write, "idle-timeout": l.idle} {
		if d <= 0 {
			errs = append(errs, fmt.Sprintf("--%s must be positive", name))
		}
	}
	if l.perClient < 0 {
		errs = append(errs, "--max-conns-per-client must not be negative")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// notifyHUP catches SIGHUP (whose default action ends the process) for
// reloadOnHUP; call it before the daemon is reachable. The caller stops
// it with signal.Stop.
func notifyHUP() chan os.Signal {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup
}
