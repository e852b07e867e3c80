package daemon

import (
	"context"
	"errors"
	"log/slog"
	"net"
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
