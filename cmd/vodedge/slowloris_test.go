package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// slowloris holds n connections to addr from the loopback addresses
// 127.0.0.2… (100 per address), each sending a request's header one
// field per second and never finishing it; a connection the server
// closes is opened again, as an attacker would.
type slowloris struct {
	stop      chan struct{}
	once      sync.Once
	wg        sync.WaitGroup
	open      atomic.Int64 // connections currently held
	reconnect atomic.Int64 // connections the server closed
}

func startSlowloris(addr string, n int) *slowloris {
	s := &slowloris{stop: make(chan struct{})}
	for i := range n {
		src := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i/100))}
		s.wg.Go(func() { s.hold(addr, src) })
	}
	return s
}

func (s *slowloris) hold(addr string, src *net.TCPAddr) {
	d := net.Dialer{LocalAddr: src, Timeout: 5 * time.Second}
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		s.open.Add(1)
		_, err = io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n")
		for i := 0; err == nil; i++ {
			select {
			case <-s.stop:
				c.Close()
				s.open.Add(-1)
				return
			case <-time.After(time.Second):
			}
			_, err = fmt.Fprintf(c, "X-Slow-%d: a\r\n", i)
		}
		c.Close()
		s.open.Add(-1)
		s.reconnect.Add(1)
	}
}

func (s *slowloris) end() { s.once.Do(func() { close(s.stop) }); s.wg.Wait() }

// latencies makes n sequential GETs of url on one kept-alive connection
// and returns their durations, sorted.
func latencies(t *testing.T, c *http.Client, url string, n int) []time.Duration {
	t.Helper()
	out := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		resp, err := c.Get(url)
		if err != nil {
			t.Fatalf("normal client: %v", err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("normal client: %d %v", resp.StatusCode, err)
		}
		out = append(out, time.Since(start))
	}
	slices.Sort(out)
	return out
}

func pct(d []time.Duration, p float64) time.Duration { return d[int(float64(len(d)-1)*p)] }

// TestSlowlorisKeepsNormalClientsFast holds 1,000 slowloris connections
// (headers trickled one field a second, from ten client addresses)
// against an edge while a normal client fetches a 64 KiB hot segment
// over keep-alive; its p99 is compared with its own baseline measured
// just before. The goal is within 2× (reported); the assertion is
// generous (10× + 20 ms) because the attacker shares the two cores. The
// edge's --read-timeout (3 s here) cuts every slow connection, which the
// attacker opens again; after the attack the connections drain.
func TestSlowlorisKeepsNormalClientsFast(t *testing.T) {
	const conns, requests = 1000, 3000
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "hot.m4s"), make([]byte, 64<<10), 0o644)
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := start(t, "edge", "--listen", listen, "--admin", adminAddr, "--origin", "file://"+root, "--disk-bytes", "0",
		"--read-timeout", "3s", "--access-log", "off", "--log-level", "error")
	p.waitReady(t, "http://"+adminAddr+"/readyz")
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	url := "http://" + listen + "/hot.m4s"
	latencies(t, c, url, 1000) // warm: the segment in RAM, the connection open

	base := latencies(t, c, url, requests)
	attack := startSlowloris(listen, conns)
	defer attack.end()
	testenv.Eventually(t, 30*time.Second, "1000 slow connections to be held", func() bool {
		return gauge(t, adminAddr, "vodedge_connections_open", "listener", "public") >= conns
	})
	held := gauge(t, adminAddr, "vodedge_connections_open", "listener", "public")
	under := latencies(t, c, url, requests)
	testenv.Eventually(t, 10*time.Second, "the read timeout to cut slow connections", func() bool { return attack.reconnect.Load() > 0 })
	attack.end()
	testenv.Eventually(t, 10*time.Second, "the connections to drain", func() bool {
		return gauge(t, adminAddr, "vodedge_connections_open", "listener", "public") <= 2
	})
	after := latencies(t, c, url, requests)

	// The baseline is the better of the runs before and after the
	// attack: the strictest reference on a noisy machine.
	b99, u99 := min(pct(base, 0.99), pct(after, 0.99)), pct(under, 0.99)
	ratio := float64(u99) / float64(b99)
	r := func(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
	t.Logf("normal client, %d GETs of 64 KiB each: baseline p50 %v p99 %v (before) / p50 %v p99 %v (after); with %d slowloris connections held (%d counted open by the edge): p50 %v p99 %v, p99 ×%.2f the better baseline (goal ≤ 2×); %d slow connections cut by --read-timeout and reopened",
		requests, r(pct(base, 0.5)), r(pct(base, 0.99)), r(pct(after, 0.5)), r(pct(after, 0.99)), conns, held,
		r(pct(under, 0.5)), r(u99), ratio, attack.reconnect.Load())
	if u99 > 10*b99+20*time.Millisecond {
		t.Errorf("p99 under attack %v against a baseline of %v: beyond the generous bound", u99, b99)
	}
}
