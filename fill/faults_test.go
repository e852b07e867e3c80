package fill_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
)

// TestClockJumpsAroundTheWindow moves the node's clock while it fills:
// forward past the window's end in the middle of a file (the file is
// abandoned, never made visible, and no more bytes are fetched), back to
// before the window (an NTP correction: still no traffic), then forward
// a day into the next window (the fill resumes and completes, every file
// whole and verified). vodedge_fill_window_open follows each jump;
// vodedge_fill_abandoned_total counts the interrupted file, which is not
// a failure.
func TestClockJumpsAroundTheWindow(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	m := &manifest.Manifest{Version: 1, Site: "ams"}
	for i := range 3 {
		e := o.add(fmt.Sprintf("/jump/%d.m4s", i), 1<<20)
		e.Nodes = []string{"n1"}
		m.Entries = append(m.Entries, e)
	}
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	clock := testenv.NewClock(day.Add(13*time.Hour + 59*time.Minute)) // inside 02:00-14:00
	set := func(d time.Duration) { clock.Set(day.Add(d)) }
	cfg := testAgentConfig(n, pub, t)
	cfg.Window, _ = fill.ParseWindow("02:00-14:00", time.UTC)
	cfg.RateBytes, cfg.Concurrency = 512<<10, 1 // 2 s per file
	reg := prometheus.NewRegistry()
	a, err := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL), Registerer: reg, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	stop := runAgent(a)
	defer stop()
	a.Offer(sign(t, m, priv))
	testenv.Eventually(t, 10*time.Second, "the first file to be under way", func() bool { return o.Sent("") > 256<<10 })

	set(14*time.Hour + time.Second) // forward past the end, mid-file
	testenv.Eventually(t, 5*time.Second, "the agent to stop at the window's end", func() bool { return a.Status().State == fill.StateWaiting })
	if open := testenv.Metric(t, reg, "vodedge_fill_window_open"); open != 0 {
		t.Fatalf("window_open = %v after the clock passed the end", open)
	}
	// quiet proves silence without a sleep: the agent looks at the clock
	// twice more, on a closed window, and the origin sees nothing.
	quiet := func(what string) {
		bytes, requests := o.Sent(""), o.Requests("")
		lookedAgain(t, a, clock)
		lookedAgain(t, a, clock)
		if got, n := o.Sent(""), o.Requests(""); got != bytes || n != requests {
			t.Fatalf("%s: %d bytes in %d requests fetched outside the window", what, got-bytes, n-requests)
		}
	}
	// The abandoned fetch's last bytes may still be on their way (the
	// origin counts what it wrote into the socket's buffers): wait until
	// the agent has abandoned the file and the origin has stopped
	// answering, which it never would if the agent went on fetching at
	// its rate, then demand silence.
	testenv.Eventually(t, 5*time.Second, "the abandoned fetch to end at the origin", func() bool {
		return testenv.Metric(t, reg, "vodedge_fill_abandoned_total") >= 1 && o.InFlight() == 0
	})
	quiet("after the jump past the end")
	done := 0
	for _, e := range m.Entries {
		if _, ok := n.store.Lookup(e.Key, false); ok {
			done++
		}
	}
	if st := a.Status(); done != st.FilesDone || done == len(m.Entries) {
		t.Fatalf("%d files visible, status says %d done of %d: an abandoned file must not be visible", done, st.FilesDone, len(m.Entries))
	}

	set(time.Hour) // back to 01:00, before the window
	quiet("after the jump back to 01:00")
	if a.Status().State != fill.StateWaiting {
		t.Fatalf("state %s before the window", a.Status().State)
	}

	set(24*time.Hour + 2*time.Hour + time.Minute) // forward a day, into the next window
	testenv.Eventually(t, 30*time.Second, "the fill to complete in the next window", func() bool { return a.Status().State == fill.StateDone })
	if open := testenv.Metric(t, reg, "vodedge_fill_window_open"); open != 1 {
		t.Fatalf("window_open = %v inside the window", open)
	}
	for _, e := range m.Entries {
		var got []byte
		for idx := int64(0); idx*cfg.SliceBytes < e.Size; idx++ {
			r, ok := n.store.Lookup(cachekey.SliceKey(e.Key, idx), false)
			if !ok || !r.Pinned {
				t.Fatalf("%s slice %d not stored and pinned after the fill", e.Key, idx)
			}
			cr, err := n.store.NewChunkReader(r)
			if err != nil {
				t.Fatal(err)
			}
			b, err := cr.ReadAll()
			cr.Close()
			if err != nil {
				t.Fatalf("%s slice %d: %v", e.Key, idx, err)
			}
			got = append(got, b...)
		}
		if !bytes.Equal(got, content(e.Key, e.Size)) {
			t.Fatalf("%s: wrong bytes stored", e.Key)
		}
	}
	if f, ab := testenv.Metric(t, reg, "vodedge_fill_failures_total"), testenv.Metric(t, reg, "vodedge_fill_abandoned_total"); f != 0 || ab < 1 || a.Status().FilesFailed != 0 {
		t.Fatalf("failures_total %v, abandoned_total %v, files_failed %d: a closing window abandons, it does not fail", f, ab, a.Status().FilesFailed)
	}
	t.Logf("clock jumps: origin sent %d bytes for %d bytes of files (the abandoned file fetched again)", o.Sent(""), 3<<20)
}
