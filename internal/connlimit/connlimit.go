// Package connlimit caps the connections a public listener holds open:
// in all, and per client address (per IPv4 address, per IPv6 /64, since
// one IPv6 client holds a whole /64).
//
// # Why not fasthttp's MaxConnsPerIP
//
// fasthttp's MaxConnsPerIP wraps every accepted connection in its own
// type, which hides *net.TCPConn's ReadFrom: a disk hit, an *os.File
// body, then goes out in 4 KiB writes instead of sendfile(2) (BRIEF,
// "Library facts"; TestPerIPCapKeepsSendfile measures it). Any wrapper
// has the same problem, and also loses fasthttp's single writev of header
// and body, which it does only for *net.TCPConn. So the Limiter never
// wraps: its listener counts a connection when it accepts it and hands
// out the connection itself; the server reports the connection's end
// through its ConnState hook (FastHTTPConnState, HTTPConnState), which
// releases the count by the connection's remote address. Both fasthttp
// and net/http report every connection they accepted as closed or
// hijacked exactly once.
//
// A connection over a limit is answered, on a plain HTTP listener, with
// a one-line 503 (all) or 429 (per client) written with a short deadline
// and closed at once; on a TLS listener it is closed without a word (the
// handshake has not happened). Rejections are counted by reason.
package connlimit

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
)

// Config sets the limits; 0 means no limit.
type Config struct {
	// Max is the most connections open at once over every listener of
	// the Limiter.
	Max int
	// PerClient is the most connections open at once from one IPv4
	// address or one IPv6 /64. Players behind a carrier-grade NAT share
	// an address: size it for the largest NAT pool behind the node.
	PerClient int
	// Name labels the metrics (listener="public").
	Name string
}

// Limiter counts connections by client and refuses those over a limit.
type Limiter struct {
	cfg Config
	mu  struct {
		sync.Mutex
		open     int
		byClient map[netip.Addr]int // clients with at least one connection open
	}
	m metrics
}

type metrics struct {
	open     prometheus.GaugeFunc
	rejected *prometheus.CounterVec
	max      prometheus.Counter
	perIP    prometheus.Counter
}

// New builds a limiter; reg receives its metrics (nil registers nowhere).
func New(cfg Config, reg prometheus.Registerer) (*Limiter, error) {
	if cfg.Max < 0 || cfg.PerClient < 0 {
		return nil, errors.New("connlimit: limits must not be negative")
	}
	if cfg.Name == "" {
		cfg.Name = "public"
	}
	l := &Limiter{cfg: cfg}
	l.mu.byClient = make(map[netip.Addr]int)
	labels := prometheus.Labels{"listener": cfg.Name}
	l.m.open = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "vodedge_connections_open", ConstLabels: labels,
		Help: "Connections open on the listener (counted by the connection limiter).",
	}, func() float64 { return float64(l.Open()) })
	l.m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_connections_rejected_total", ConstLabels: labels,
		Help: "Connections refused at accept, by reason: max (the listener's limit), per_client (one address's limit).",
	}, []string{"reason"})
	l.m.max, l.m.perIP = l.m.rejected.WithLabelValues("max"), l.m.rejected.WithLabelValues("per_client")
	if reg != nil {
		for _, c := range []prometheus.Collector{l.m.open, l.m.rejected} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("connlimit: metrics: %w", err)
			}
		}
	}
	return l, nil
}

// Open returns the number of connections counted open.
func (l *Limiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.open
}

// Client returns the number of connections open from addr's client key.
func (l *Limiter) Client(addr netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.byClient[clientKey(addr)]
}

// clientKey is what PerClient counts: the IPv4 address, or the IPv6 /64.
func clientKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

func remoteKey(c net.Conn) (netip.Addr, bool) {
	ra := c.RemoteAddr()
	if ra == nil {
		return netip.Addr{}, false
	}
	if ta, ok := ra.(*net.TCPAddr); ok {
		a, ok := netip.AddrFromSlice(ta.IP)
		return clientKey(a), ok
	}
	ap, err := netip.ParseAddrPort(ra.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return clientKey(ap.Addr()), true
}

// admit counts c, or reports why it cannot be: "" when admitted.
func (l *Limiter) admit(c net.Conn) string {
	key, ok := remoteKey(c)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.Max > 0 && l.mu.open >= l.cfg.Max {
		return "max"
	}
	if ok && l.cfg.PerClient > 0 && l.mu.byClient[key] >= l.cfg.PerClient {
		return "per_client"
	}
	l.mu.open++
	if ok {
		l.mu.byClient[key]++
	}
	return ""
}

// Release uncounts a connection the listener admitted; the servers'
// ConnState hooks call it once per connection.
func (l *Limiter) Release(c net.Conn) {
	key, ok := remoteKey(c)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.open > 0 {
		l.mu.open--
	}
	if !ok {
		return
	}
	switch n := l.mu.byClient[key]; {
	case n > 1:
		l.mu.byClient[key] = n - 1
	case n == 1:
		delete(l.mu.byClient, key)
	}
}

// FastHTTPConnState is fasthttp.Server.ConnState: it releases a
// connection when fasthttp is done with it.
func (l *Limiter) FastHTTPConnState(c net.Conn, st fasthttp.ConnState) {
	if st == fasthttp.StateClosed || st == fasthttp.StateHijacked {
		l.Release(c)
	}
}

// HTTPConnState is net/http.Server.ConnState: it releases a connection
// when net/http is done with it.
func (l *Limiter) HTTPConnState(c net.Conn, st http.ConnState) {
	if st == http.StateClosed || st == http.StateHijacked {
		l.Release(c)
	}
}

// Listener returns ln counting its connections against the limits. Its
// connections are ln's own (never wrapped, see the package doc), so the
// server it feeds must call Release for each through its ConnState hook.
// With reply, a refused connection gets a one-line HTTP answer first
// (plain HTTP listeners; not under TLS).
func (l *Limiter) Listener(ln net.Listener, reply bool) net.Listener {
	return &listener{Listener: ln, l: l, reply: reply}
}

type listener struct {
	net.Listener
	l     *Limiter
	reply bool
}

// Accept returns the next connection within the limits; refused ones are
// answered and closed here.
func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		reason := ln.l.admit(c)
		if reason == "" {
			return c, nil
		}
		ln.refuse(c, reason)
	}
}

var (
	replyMax       = reply("503 Service Unavailable", "503 too many connections")
	replyPerClient = reply("429 Too Many Requests", "429 too many connections from your address")
)

// reply is a whole HTTP/1.1 answer with a one-line body, in the edge's
// error style.
func reply(status, line string) []byte {
	return fmt.Appendf(nil, "HTTP/1.1 %s\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s\n", status, len(line)+1, line)
}

func (ln *listener) refuse(c net.Conn, reason string) {
	msg := replyMax
	if reason == "max" {
		ln.l.m.max.Inc()
	} else {
		ln.l.m.perIP.Inc()
		msg = replyPerClient
	}
	if ln.reply {
		// A fresh socket's send buffer is empty: the write does not block,
		// the deadline is a guard.
		_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = c.Write(msg)
	}
	_ = c.Close()
}
