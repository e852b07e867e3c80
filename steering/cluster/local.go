package cluster

import (
	"fmt"
	"net"
	"sync"
)

// localState is the metadata this node publishes, and what it derives
// from: the operator's drain, the disk tier's health, shutdown.
type localState struct {
	mu       sync.Mutex // protects the fields below
	meta     Meta       // State and EgressBps derived, the rest configured
	draining bool
	degraded bool
	leaving  bool
	watching bool // a watcher (Config.Watch): never placed
	// loadMoved is set by a set function that changed EgressBps enough to
	// be worth a broadcast.
	loadMoved bool
	encoded   []byte // meta's encoding, what NodeMeta hands memberlist
}

func (l *localState) init(m Meta, watching bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.meta, l.watching = m, watching
	l.deriveLocked()
}

// set applies f and re-encodes; it reports whether the published state
// changed or f marked a load change.
func (l *localState) set(f func(*localState)) (changed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	before := l.meta.State
	l.loadMoved = false
	f(l)
	l.deriveLocked()
	return l.meta.State != before || l.loadMoved
}

// deriveLocked computes State (leaving > watching > draining > degraded >
// ok) and
// the encoding. Meta was validated by New and fillHosts, so Encode can
// only fail on a programming error, which keeps the previous encoding.
func (l *localState) deriveLocked() {
	switch {
	case l.leaving:
		l.meta.State = StateLeaving
	case l.watching:
		l.meta.State = StateWatching
	case l.draining:
		l.meta.State = StateDraining
	case l.degraded:
		l.meta.State = StateDegraded
	default:
		l.meta.State = StateOK
	}
	if b, err := l.meta.Encode(); err == nil {
		l.encoded = b
	}
}

func (l *localState) get() Meta {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.meta
}

func (l *localState) bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.encoded
}

// fillHosts puts ip in the addresses configured as ":port" (listening on
// every interface), so that other nodes can reach them.
func (l *localState) fillHosts(ip string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range []*string{&l.meta.HTTPAddr, &l.meta.AdminAddr, &l.meta.PeerAddr} {
		if *a == "" {
			continue // a watcher's unused address
		}
		host, port, _ := net.SplitHostPort(*a)
		if (host == "" || net.ParseIP(host).IsUnspecified()) && ip != "" {
			*a = net.JoinHostPort(ip, port)
		}
	}
	if _, err := l.meta.Encode(); err != nil {
		return fmt.Errorf("cluster: node metadata: %w", err)
	}
	l.deriveLocked()
	return nil
}
