package tlsreload

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer serves a line echo over r's TLS listener until the test ends.
func echoServer(t *testing.T, r *Reloader) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := r.Listener(ln)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := c.Write(append(sc.Bytes(), '\n')); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		tl.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// dial opens a TLS connection trusting nothing but checking nothing
// either (the test reads the certificate it got).
func dial(t *testing.T, addr string) *tls.Conn {
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func serial(c *tls.Conn) string { return c.ConnectionState().PeerCertificates[0].SerialNumber.String() }

func echo(t *testing.T, c *tls.Conn, line string) {
	t.Helper()
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		t.Fatalf("write on an established connection: %v", err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != line+"\n" {
		t.Fatalf("echo %q: %q %v", line, got, err)
	}
}

func leafSerial(t *testing.T, certFile string) string {
	c, err := tls.LoadX509KeyPair(certFile, filepath.Join(filepath.Dir(certFile), "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(c.Certificate[0])
	return leaf.SerialNumber.String()
}

func TestReloadSwapsTheCertificateWithoutDroppingConnections(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := WriteSelfSigned(cert, key, "one", []string{"127.0.0.1"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	first := leafSerial(t, cert)
	reg := prometheus.NewRegistry()
	r, err := New(Config{CertFile: cert, KeyFile: key}, Deps{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	addr := echoServer(t, r)
	old := dial(t, addr)
	echo(t, old, "before")
	if serial(old) != first {
		t.Fatal("the first connection did not get the first certificate")
	}

	if err := WriteSelfSigned(cert, key, "two", []string{"127.0.0.1"}, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	second := leafSerial(t, cert)
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	echo(t, old, "after the reload") // the established connection lives on
	if got := serial(dial(t, addr)); got != second {
		t.Fatalf("a new connection got certificate %s, want the reloaded %s", got, second)
	}

	// A broken reload keeps the certificate in use.
	os.WriteFile(key, []byte("not a key"), 0o600)
	if err := r.Reload(); err == nil {
		t.Fatal("a reload with a broken key succeeded")
	}
	if got := serial(dial(t, addr)); got != second {
		t.Fatalf("after a failed reload a new connection got %s, want %s", got, second)
	}
	if ok, bad := testutil.ToFloat64(r.m.reloads.WithLabelValues("ok")), testutil.ToFloat64(r.m.reloads.WithLabelValues("error")); ok != 2 || bad != 1 {
		t.Fatalf("reloads ok=%v error=%v, want 2 and 1", ok, bad)
	}
	if na := testutil.ToFloat64(r.m.notAfter); int64(na) != r.Certificate().Leaf.NotAfter.Unix() {
		t.Fatalf("not_after gauge %v", na)
	}
}

func TestNewRefusesWhatCannotServe(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if _, err := New(Config{CertFile: cert}, Deps{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no key file: %v", err)
	}
	if _, err := New(Config{CertFile: cert, KeyFile: key}, Deps{}); err == nil {
		t.Fatal("missing files accepted")
	}
	WriteSelfSigned(cert, key, "a", []string{"localhost"}, time.Hour)
	other := filepath.Join(dir, "other")
	os.Mkdir(other, 0o755)
	WriteSelfSigned(filepath.Join(other, "cert.pem"), filepath.Join(other, "key.pem"), "b", nil, time.Hour)
	if _, err := New(Config{CertFile: cert, KeyFile: filepath.Join(other, "key.pem")}, Deps{}); err == nil {
		t.Fatal("a key that does not match the certificate was accepted")
	}
	r, err := New(Config{CertFile: cert, KeyFile: key}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if c := r.TLSConfig(); c.MinVersion != tls.VersionTLS12 || c.NextProtos[0] != "http/1.1" {
		t.Fatalf("TLS config %+v", c)
	}
}
