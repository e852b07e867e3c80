package logship

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("the receiver counted %d lines, the log holds %d (or their order differs)", len(got), len(want))
	}
}

func TestShipsEveryLineOnceInOrder(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	s, reg := shipper(t, log, t.TempDir(), rc)
	log.add(3000) // about 260 KiB: several batches
	rounds(s, 1)
	log.add(10)
	rounds(s, 1)
	sameLines(t, rc.counted(), readLines(t, log.path))
	if seqs := rc.seen[s.cur.Stream]; len(seqs) < 5 || !slices.IsSorted(seqs) || seqs[0] != 1 {
		t.Errorf("sequence numbers %v: want 1, 2, … in order", seqs)
	}
	if lag := testenv.Metric(t, reg, "vodedge_logship_lag_lines"); lag != 0 {
		t.Errorf("lag %v lines after shipping everything", lag)
	}
	if got := testenv.Metric(t, reg, "vodedge_logship_shipped_lines_total"); got != 3010 {
		t.Errorf("shipped %v lines, want 3010", got)
	}
}

func TestAResendAfterALostAnswerIsCountedOnce(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	s, reg := shipper(t, log, t.TempDir(), rc)
	log.add(100)
	rc.set(func(r *receiver) { r.lose = 1 })
	rounds(s, 2) // counted, answer lost; then sent again
	sameLines(t, rc.counted(), readLines(t, log.path))
	if rc.resent[1] != 1 {
		t.Errorf("batch 1 resent %d times, want 1", rc.resent[1])
	}
	if got := testenv.Metric(t, reg, "vodedge_logship_batches_total", "result", "duplicate"); got != 1 {
		t.Errorf("%v duplicates, want 1", got)
	}
}

func TestBatchesWaitInTheSpoolAcrossRestarts(t *testing.T) {
	rc, log, spool := newReceiver(t), newLog(t), t.TempDir()
	rc.set(func(r *receiver) { r.down = true })
	s, reg := shipper(t, log, spool, rc)
	log.add(500)
	rounds(s, 3)
	if lag := testenv.Metric(t, reg, "vodedge_logship_lag_lines"); lag != 500 {
		t.Fatalf("lag %v lines while the controller is down, want 500", lag)
	}
	if b := testenv.Metric(t, reg, "vodedge_logship_spool_bytes"); b <= 0 {
		t.Errorf("spool bytes %v", b)
	}
	s.tail.close()
	log.add(200)
	s2, _ := shipper(t, log, spool, rc)
	if s2.cur.Stream != s.cur.Stream || s2.cur.Seq != s.cur.Seq {
		t.Errorf("cursor after restart %+v, before %+v", s2.cur, s.cur)
	}
	rc.set(func(r *receiver) { r.down = false })
	rounds(s2, 1)
	sameLines(t, rc.counted(), readLines(t, log.path))
}

// An edge killed between spooling a batch and saving the cursor: the
// restart moves the cursor past the spooled batch, so its lines are
// neither cut again nor lost.
func TestACrashBeforeTheCursorIsSavedLosesNothing(t *testing.T) {
	rc, log, spool := newReceiver(t), newLog(t), t.TempDir()
	rc.set(func(r *receiver) { r.down = true })
	s, _ := shipper(t, log, spool, rc)
	log.add(50)
	before, err := os.ReadFile(s.cfg.SpoolDir + "/" + cursorName)
	if err != nil {
		t.Fatal(err)
	}
	rounds(s, 1)
	s.tail.close()
	os.WriteFile(s.cfg.SpoolDir+"/"+cursorName, before, 0o644) // as it was before the batch
	log.add(50)
	s2, _ := shipper(t, log, spool, rc)
	rc.set(func(r *receiver) { r.down = false })
	rounds(s2, 1)
	sameLines(t, rc.counted(), readLines(t, log.path))
}

func TestTheSpoolBoundDropsTheOldestBatches(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	rc.set(func(r *receiver) { r.down = true })
	bound := int64(64 << 10)
	s, reg := shipper(t, log, t.TempDir(), rc, func(c *Config) { c.SpoolBytes = bound })
	for range 40 {
		log.addRandom(200) // poorly compressible: the spool fills
		rounds(s, 1)
	}
	if b := testenv.Metric(t, reg, "vodedge_logship_spool_bytes"); b > float64(bound) || b == 0 {
		t.Errorf("spool bytes %v, bound %d", b, bound)
	}
	dropped := testenv.Metric(t, reg, "vodedge_logship_dropped_lines_total")
	if dropped == 0 {
		t.Fatal("nothing dropped past the bound")
	}
	rc.set(func(r *receiver) { r.down = false })
	rounds(s, int(s.cfg.MaxBackoff/s.cfg.Every)+1) // past the backoff
	all, got := readLines(t, log.path), rc.counted()
	if len(got)+int(dropped) != len(all) {
		t.Fatalf("counted %d + dropped %v ≠ %d lines in the log", len(got), dropped, len(all))
	}
	sameLines(t, got, all[len(all)-len(got):]) // the newest survive, the oldest went
}

func TestRotatedLogIsFinishedBeforeTheNewOne(t *testing.T) {
	rc, log, spool := newReceiver(t), newLog(t), t.TempDir()
	s, _ := shipper(t, log, spool, rc)
	log.add(20)
	rounds(s, 1)
	s.tail.close() // the edge stops
	log.add(30)    // lines the stopped edge wrote last, not yet shipped
	if err := os.Rename(log.path, log.path+".1"); err != nil {
		t.Fatal(err)
	}
	log.add(40) // the restarted edge's new file
	s2, _ := shipper(t, log, spool, rc)
	rounds(s2, 2)
	sameLines(t, rc.counted(), readLines(t, log.path+".1", log.path))
}

// copyTruncate is logrotate's copytruncate: the log copied beside it,
// then truncated in place.
func copyTruncate(t *testing.T, log *logFile) {
	b, err := os.ReadFile(log.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(log.path+".1", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(log.path, 0); err != nil {
		t.Fatal(err)
	}
}

// Lines written after the last round are in logrotate's copy: it is
// finished before the truncated log, even when the log grew past the
// cursor again before the shipper looked.
func TestACopyTruncatedLogIsFinishedFromItsCopy(t *testing.T) {
	for name, after := range map[string]int{"shorter than the cursor": 5, "grown past the cursor": 400} {
		t.Run(name, func(t *testing.T) {
			rc, log := newReceiver(t), newLog(t)
			s, _ := shipper(t, log, t.TempDir(), rc)
			log.add(40)
			rounds(s, 1)
			log.add(7) // not yet cut when the copy is made
			copyTruncate(t, log)
			log.add(after)
			rounds(s, 2)
			sameLines(t, rc.counted(), readLines(t, log.path+".1", log.path))
		})
	}
}

// Without a copy beside it (compressed or deleted), the truncated log is
// shipped from its start.
func TestACopyTruncatedLogIsShippedFromItsStart(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	s, _ := shipper(t, log, t.TempDir(), rc)
	first := log.add(40)
	rounds(s, 1)
	if err := os.Truncate(log.path, 0); err != nil {
		t.Fatal(err)
	}
	second := log.add(5)
	rounds(s, 1)
	sameLines(t, rc.counted(), append(first, second...))
}

func TestAPartialLineWaitsForItsNewline(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	s, _ := shipper(t, log, t.TempDir(), rc)
	want := log.add(3)
	f, _ := os.OpenFile(log.path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"path":"/titles/t/half`)
	rounds(s, 1)
	sameLines(t, rc.counted(), want)
	f.WriteString(`"}` + "\n")
	f.Close()
	rounds(s, 1)
	sameLines(t, rc.counted(), append(want, `{"path":"/titles/t/half"}`+"\n"))
}

func TestALineLongerThanABatchIsSkippedAndCounted(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	s, reg := shipper(t, log, t.TempDir(), rc)
	before := log.add(2)
	f, _ := os.OpenFile(log.path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(append(make([]byte, 100<<10), '\n'))
	f.Close()
	after := log.add(2)
	rounds(s, 1)
	sameLines(t, rc.counted(), append(before, after...))
	if got := testenv.Metric(t, reg, "vodedge_logship_dropped_lines_total"); got != 1 {
		t.Errorf("dropped %v, want 1", got)
	}
}

func TestARefusedBatchIsDroppedNotRetried(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	s, reg := shipper(t, log, t.TempDir(), rc, func(c *Config) { c.URL = rc.srv.URL + "/nowhere" })
	log.add(5)
	s.cfg.URL += "?" // the receiver reads a query "seq=…?…": not a number, 400
	rounds(s, 2)
	if got := testenv.Metric(t, reg, "vodedge_logship_batches_total", "result", "rejected"); got != 1 {
		t.Errorf("rejected %v, want 1", got)
	}
	if lag := testenv.Metric(t, reg, "vodedge_logship_lag_lines"); lag != 0 {
		t.Errorf("lag %v: a refused batch stays", lag)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	s, _ := shipper(t, log, t.TempDir(), rc, func(c *Config) { c.Every = 10 * time.Millisecond })
	want := log.add(10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	testenv.Eventually(t, 10*time.Second, "the lines to be shipped", func() bool { return len(rc.counted()) == len(want) })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestConfigIsChecked(t *testing.T) {
	for name, c := range map[string]Config{
		"no URL":         {LogPath: "a", SpoolDir: "b"},
		"stdout":         {URL: "http://c/x", LogPath: "-", SpoolDir: "b"},
		"no spool":       {URL: "http://c/x", LogPath: "a"},
		"tiny batches":   {URL: "http://c/x", LogPath: "a", SpoolDir: "b", BatchBytes: 100},
		"spool < batch":  {URL: "http://c/x", LogPath: "a", SpoolDir: "b", SpoolBytes: 1000},
		"not http":       {URL: "ftp://c/x", LogPath: "a", SpoolDir: "b"},
		"negative every": {URL: "http://c/x", LogPath: "a", SpoolDir: "b", Every: -1},
	} {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRunShipsTheLastLinesWhenStopped(t *testing.T) {
	rc, log := newReceiver(t), newLog(t)
	s, _ := shipper(t, log, t.TempDir(), rc, func(c *Config) { c.Every = time.Hour })
	first := log.add(5)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	testenv.Eventually(t, 10*time.Second, "the first round", func() bool { return len(rc.counted()) == len(first) })
	last := log.add(3) // written as the node stops; no round is due for an hour
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sameLines(t, rc.counted(), append(first, last...))
}
