package cluster

import (
	"net"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// countingTransport wraps memberlist's NetTransport to count gossip
// traffic on the cluster's own registry. memberlist reports traffic only
// to go-metrics' process-wide sink, which two nodes in one process (tests)
// would share; counting at the transport is per node and exact.
type countingTransport struct {
	inner   *memberlist.NetTransport
	packets chan *memberlist.Packet
	streams chan net.Conn
	stop    chan struct{}
	done    sync.WaitGroup // the forwarder
	once    sync.Once
	m       *metrics
}

var _ memberlist.NodeAwareTransport = (*countingTransport)(nil)

func newCountingTransport(inner *memberlist.NetTransport, m *metrics) *countingTransport {
	t := &countingTransport{
		inner: inner, m: m,
		packets: make(chan *memberlist.Packet), streams: make(chan net.Conn),
		stop: make(chan struct{}),
	}
	t.done.Add(1)
	go t.forward()
	return t
}

// forward counts incoming packets and wraps incoming streams on their
// way to memberlist, until Shutdown.
func (t *countingTransport) forward() {
	defer t.done.Done()
	for {
		select {
		case p := <-t.inner.PacketCh():
			t.m.gossipBytes(rx, packet, len(p.Buf))
			select {
			case t.packets <- p:
			case <-t.stop:
				return
			}
		case c := <-t.inner.StreamCh():
			select {
			case t.streams <- &countingConn{Conn: c, m: t.m}:
			case <-t.stop:
				c.Close()
				return
			}
		case <-t.stop:
			return
		}
	}
}

func (t *countingTransport) FinalAdvertiseAddr(ip string, port int) (net.IP, int, error) {
	return t.inner.FinalAdvertiseAddr(ip, port)
}

func (t *countingTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	t.m.gossipBytes(tx, packet, len(b))
	return t.inner.WriteTo(b, addr)
}

func (t *countingTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	t.m.gossipBytes(tx, packet, len(b))
	return t.inner.WriteToAddress(b, a)
}

func (t *countingTransport) PacketCh() <-chan *memberlist.Packet { return t.packets }
func (t *countingTransport) StreamCh() <-chan net.Conn           { return t.streams }

func (t *countingTransport) DialTimeout(addr string, d time.Duration) (net.Conn, error) {
	return t.wrap(t.inner.DialTimeout(addr, d))
}

func (t *countingTransport) DialAddressTimeout(a memberlist.Address, d time.Duration) (net.Conn, error) {
	return t.wrap(t.inner.DialAddressTimeout(a, d))
}

func (t *countingTransport) wrap(c net.Conn, err error) (net.Conn, error) {
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, m: t.m}, nil
}

// Shutdown closes the listeners (the inner transport waits for its
// goroutines, which the forwarder keeps draining), then stops the
// forwarder. memberlist calls it before stopping its own loops.
func (t *countingTransport) Shutdown() error {
	var err error
	t.once.Do(func() {
		err = t.inner.Shutdown()
		close(t.stop)
		t.done.Wait()
	})
	return err
}

// countingConn counts a gossip stream's bytes (joins, push/pull state
// exchanges, TCP fallback pings).
type countingConn struct {
	net.Conn
	m *metrics
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.m.gossipBytes(rx, stream, n)
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.m.gossipBytes(tx, stream, n)
	return n, err
}

// Label values of vodedge_gossip_bytes_total.
const (
	rx, tx         = "received", "sent"
	packet, stream = "packet", "stream"
)

// gossipBytes counts n bytes of gossip.
func (m *metrics) gossipBytes(dir, kind string, n int) {
	if n > 0 {
		m.gossip.WithLabelValues(dir, kind).Add(float64(n))
	}
}
