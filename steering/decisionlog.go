package steering

import (
	"bufio"
	"io"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// logEntry is one decision as the log records it. It holds no buffer of
// the decision (the strings are the request's file and the views' names),
// so it can wait in the queue after the decision is reused.
type logEntry struct {
	at           time.Time
	clientPrefix netip.Prefix
	file         string
	match        netip.Prefix
	outcome      Outcome
	site, node   string
	siteRank     int
	urls         int
	misses       [numMisses]int
}

// decisionLog writes decisions as JSON lines from its own goroutine. The
// request path hands entries over a buffered channel and never waits: a
// full buffer drops the entry and counts it (dropped).
type decisionLog struct {
	ch      chan logEntry
	w       *bufio.Writer
	dropped func()
	stop    chan struct{}
	done    sync.WaitGroup
	once    sync.Once
}

// newDecisionLog starts the writer on w (nil: a log that drops nothing
// and writes nothing).
func newDecisionLog(w io.Writer, buffer int, dropped func()) *decisionLog {
	l := &decisionLog{dropped: dropped, stop: make(chan struct{})}
	if w == nil {
		return l
	}
	l.ch, l.w = make(chan logEntry, buffer), bufio.NewWriterSize(w, 64<<10)
	l.done.Add(1)
	go l.run()
	return l
}

func (l *decisionLog) record(d *Decision, at time.Time) {
	if l.ch == nil {
		return
	}
	e := logEntry{at: at, clientPrefix: d.ClientPrefix, file: d.File, match: d.Match, outcome: d.Outcome, urls: len(d.Candidates), misses: d.Misses}
	if len(d.Candidates) > 0 {
		c := &d.Candidates[0]
		e.site, e.node, e.siteRank = c.Site, c.Node, c.SiteRank
	}
	select {
	case l.ch <- e:
	default:
		l.dropped()
	}
}

// run writes entries, flushing when the queue runs dry and every second.
func (l *decisionLog) run() {
	defer l.done.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var buf []byte
	for {
		select {
		case e := <-l.ch:
			buf = appendLogEntry(buf[:0], &e)
			_, _ = l.w.Write(buf)
			if len(l.ch) == 0 {
				_ = l.w.Flush()
			}
		case <-tick.C:
			_ = l.w.Flush()
		case <-l.stop:
			for {
				select {
				case e := <-l.ch:
					buf = appendLogEntry(buf[:0], &e)
					_, _ = l.w.Write(buf)
				default:
					_ = l.w.Flush()
					return
				}
			}
		}
	}
}

// close writes what is queued and stops the writer.
func (l *decisionLog) close() {
	l.once.Do(func() {
		close(l.stop)
		l.done.Wait()
	})
}

// appendLogEntry appends one line:
//
//	{"time":"…","client":"10.1.2.0/24","file":"/t/1/m.m3u8","match":"10.1.0.0/16",
//	 "outcome":"best","site":"ams","node":"ams-2","site_rank":1,"urls":3,
//	 "passed_over":{"down":0,"draining":0,"overloaded":0,"content":0}}
func appendLogEntry(b []byte, e *logEntry) []byte {
	b = append(b, `{"time":"`...)
	b = e.at.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	b = append(b, `","client":`...)
	b = appendPrefix(b, e.clientPrefix)
	b = append(b, `,"file":`...)
	b = appendString(b, e.file)
	b = append(b, `,"match":`...)
	b = appendPrefix(b, e.match)
	b = append(b, `,"outcome":`...)
	b = appendString(b, e.outcome.String())
	b = append(b, `,"site":`...)
	b = appendString(b, e.site)
	b = append(b, `,"node":`...)
	b = appendString(b, e.node)
	b = append(b, `,"site_rank":`...)
	b = strconv.AppendInt(b, int64(e.siteRank), 10)
	b = append(b, `,"urls":`...)
	b = strconv.AppendInt(b, int64(e.urls), 10)
	b = append(b, `,"passed_over":{`...)
	for r, n := range e.misses {
		if r > 0 {
			b = append(b, ',')
		}
		b = appendString(b, missNames[r])
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, "}}\n"...)
}
