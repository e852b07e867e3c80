package edge

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// A parent node that refuses connections is passed over for
// parentSuspectFor: the next files go to the next source without
// trying it, and it is tried again afterwards.
func TestParentDownIsPassedOver(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there: connections are refused
	clock := testenv.NewClock(time.Now())
	ps := &parentSources{version: "test", now: clock.Now}
	defer ps.close()
	src, ok := ps.source("ix", "ix-1", addr, "grant")
	if !ok {
		t.Fatal("no source")
	}
	r := src.(parentSource).r
	if len(r.Route("/k")) != 1 {
		t.Fatal("a fresh parent is not asked")
	}
	if _, err := src.Fetch(context.Background(), origin.Request{Key: "/k", Length: 1}); err == nil {
		t.Fatal("a fetch from a parent that is down succeeded")
	}
	if got := r.Route("/k"); len(got) != 0 {
		t.Fatalf("right after it failed the parent is still asked: %v", got)
	}
	clock.Advance(parentSuspectFor)
	if len(r.Route("/k")) != 1 {
		t.Fatal("the parent is not asked again after parentSuspectFor")
	}
	if again, _ := ps.source("ix", "ix-1", addr, "grant"); again.(parentSource).r != r {
		t.Fatal("the same node and grant made a second source")
	}
	if other, _ := ps.source("ix", "ix-1", addr, "grant-2"); other.(parentSource).r == r {
		t.Fatal("a new grant kept the old source")
	}
}
