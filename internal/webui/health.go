package webui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Level is a node's or component's state as an ISP portal shows it.
type Level string

// Levels, from best to worst.
const (
	OK    Level = "OK"
	Warn  Level = "WARN"
	Error Level = "ERROR"
)

func (l Level) rank() int {
	switch l {
	case Warn:
		return 1
	case Error:
		return 2
	}
	return 0
}

func worst(a, b Level) Level {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Problem is one component's finding about a node.
type Problem struct {
	Component string `json:"component"` // node, cluster, disk, fill, load, origin, steering
	Level     Level  `json:"level"`
	Message   string `json:"message"`
}

// Thresholds of the node state.
const (
	loadWarn  = 0.8 // steering's default load threshold passes the node over here
	loadError = 1.0
)

// counters are the values of a node's counters at one poll, for the
// findings that look at what changed since the previous poll.
type counters struct {
	originErrors     float64
	checksumFailures float64
	fillFailures     float64
}

// assess sets n.Problems and n.State from what the poll found: the node
// itself, its peers' view of it (peer: its member entry in another node's
// cluster view, nil if none), steering's view ("" if steering does not
// list it) and the counters' increase since the previous poll.
func assess(n *NodeStatus, p *nodeProbe, peer *memberStatus, steerState string, delta counters) {
	probs := []Problem{}
	add := func(comp string, l Level, format string, args ...any) {
		probs = append(probs, Problem{Component: comp, Level: l, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case p == nil || p.err != nil:
		add("node", Error, "admin API unreachable%s", errSuffix(p))
	case !p.ready:
		add("node", Error, "not ready: %s", p.detail)
	case strings.Contains(p.detail, ";"):
		add("node", Warn, "%s", p.detail) // "ready; disk tier degraded: …"
	}
	if peer != nil {
		switch peer.State {
		case "dead", "left":
			add("cluster", Error, "its site's gossip says %s", peer.State)
		case "suspect":
			add("cluster", Warn, "suspected by its peers")
		}
	}
	switch n.Cluster {
	case "draining":
		add("cluster", Warn, "draining: takes no new files or clients")
	case "leaving":
		add("cluster", Warn, "leaving the cluster")
	}
	if len(n.Unseen) > 0 {
		add("cluster", Warn, "sees %s down, but they answer: a partition?", strings.Join(n.Unseen, ", "))
	}
	if n.Disk.Degraded {
		add("disk", Warn, "disk tier degraded: stores nothing new, serves what it can read")
	}
	for _, name := range slices.Sorted(maps.Keys(n.Disk.Disks)) {
		switch n.Disk.Disks[name] {
		case "failed":
			add("disk", Warn, "disk %s failed: out of service, its objects are fetched again onto the others", name)
		case "offline":
			add("disk", Warn, "disk %s offline (taken out of service by an operator)", name)
		}
	}
	if delta.checksumFailures > 0 {
		add("disk", Warn, "%.0f checksum failures since the last look (objects evicted and refetched)", delta.checksumFailures)
	}
	assessFill(n.Fill, delta, add)
	switch {
	case n.Load >= loadError:
		add("load", Error, "egress at %.0f%% of capacity", 100*n.Load)
	case n.Load >= loadWarn:
		add("load", Warn, "egress at %.0f%% of capacity: steering passes it over", 100*n.Load)
	}
	if delta.originErrors > 0 {
		add("origin", Warn, "%.0f failed origin fetches since the last look", delta.originErrors)
	}
	if steerState != "" && steerState != "ok" && (p != nil && p.err == nil) && n.Cluster == "ok" {
		add("steering", Warn, "steering sees it %s", steerState)
	}
	n.Problems, n.State = probs, OK
	for _, pr := range probs {
		n.State = worst(n.State, pr.Level)
	}
}

func assessFill(f *FillStatus, delta counters, add func(string, Level, string, ...any)) {
	if f == nil {
		return
	}
	switch {
	case f.FilesFailed > 0:
		add("fill", Warn, "%d files failed in manifest v%d", f.FilesFailed, f.Version)
	case delta.fillFailures > 0:
		add("fill", Warn, "%.0f failed fill fetches since the last look", delta.fillFailures)
	}
	if f.LastError != "" && f.State != "done" {
		add("fill", Warn, "last fill error: %s", f.LastError)
	}
	if f.State == "filling" && !f.WindowOpen && f.BytesDone < f.Bytes {
		add("fill", Warn, "manifest v%d not applied and the fill window (%s) is closed", f.Version, f.Window)
	}
}

func errSuffix(p *nodeProbe) string {
	if p == nil || p.err == nil {
		return ""
	}
	return ": " + p.err.Error()
}
