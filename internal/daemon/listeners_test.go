package daemon

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
)

func TestListenBindsAndNamesTheBusyField(t *testing.T) {
	ls, err := Listen(Addrs{Public: "127.0.0.1:0", Admin: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	b := ls.Bound()
	if b.Public == "" || b.Admin == "" || b.TLS != "" || b.Public == b.Admin {
		t.Fatalf("bound %+v", b)
	}
	_, err = Listen(Addrs{Public: "127.0.0.1:0", TLS: "127.0.0.1:0", Admin: b.Admin})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "Admin" {
		t.Fatalf("busy admin port: %v", err)
	}
	ls.Close()
	if c, err := net.Dial("tcp", b.Public); err == nil {
		c.Close()
		t.Fatal("listener still open after Close")
	}
}

func TestWait(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	errc := make(chan error, 1)
	stop := make(chan struct{})
	boom := errors.New("boom")
	errc <- boom
	if err := Wait(context.Background(), stop, errc, log); err != boom {
		t.Fatalf("a failed listener: %v", err)
	}
	close(stop)
	if err := Wait(context.Background(), stop, errc, log); err != nil {
		t.Fatalf("stopped: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(ctx, nil, errc, log); err != nil {
		t.Fatalf("context ended: %v", err)
	}
}

func TestSameAddr(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{{":8080", ":8080", true}, {"127.0.0.1:0", "127.0.0.1:0", false}, {"", "", false}, {":8080", ":8081", false}} {
		if got := SameAddr(tc.a, tc.b); got != tc.same {
			t.Errorf("SameAddr(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestCheckAddrs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		a         Addrs
		cert, key string
		want      string // "" for none
	}{
		{"fine", Addrs{Public: ":8080", Admin: "127.0.0.1:9090"}, "", "", ""},
		{"fine with TLS", Addrs{Public: ":8080", TLS: ":8443", Admin: ":9090"}, "c", "k", ""},
		{"no admin", Addrs{Public: ":8080"}, "", "", "Listen and Admin are required"},
		{"admin on public", Addrs{Public: ":8080", Admin: ":8080"}, "", "", "Admin must differ from Listen (:8080)"},
		{"TLS without files", Addrs{Public: ":1", TLS: ":2", Admin: ":3"}, "c", "", "TLSListen needs TLS.CertFile and TLS.KeyFile"},
		{"files without TLS", Addrs{Public: ":1", Admin: ":3"}, "c", "k", "TLS.CertFile and TLS.KeyFile need TLSListen"},
	} {
		errs := CheckAddrs(tc.a, tc.cert, tc.key)
		switch {
		case tc.want == "" && len(errs) > 0:
			t.Errorf("%s: %v", tc.name, errs)
		case tc.want != "" && (len(errs) != 1 || !strings.HasPrefix(errs[0], tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, errs, tc.want)
		}
	}
}

func TestDialable(t *testing.T) {
	for in, want := range map[string]string{
		"[::]:8070": "127.0.0.1:8070", "0.0.0.0:8070": "127.0.0.1:8070", ":8070": "127.0.0.1:8070",
		"10.0.0.1:8070": "10.0.0.1:8070", "[::1]:8070": "[::1]:8070", "no-port": "no-port",
	} {
		if got := Dialable(in); got != want {
			t.Errorf("Dialable(%q) = %q, want %q", in, got, want)
		}
	}
}
