package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/prometheus/client_golang/prometheus"
)

// Config is a node's cluster configuration. Start from DefaultConfig; New
// validates it.
type Config struct {
	// Name is the node's name, unique in the cluster (memberlist refuses a
	// second node under a name that is alive elsewhere; New's Start fails
	// with ErrNameConflict).
	Name string
	// GossipAddr is where memberlist listens, TCP and UDP, host:port; port
	// 0 picks a free one (tests).
	GossipAddr string
	// AdvertiseHost is the IP other nodes reach this one at. Empty: the
	// gossip bind IP, or a private IP of the host when bound to 0.0.0.0.
	// It also fills the host of HTTP, admin and peer addresses given as
	// ":port".
	AdvertiseHost string
	// Join lists host:port of nodes to join. Start tries once; when none
	// answers the node runs alone and retries every RejoinInterval while it
	// knows no other member.
	Join []string
	// Key is the gossip encryption key (AES, 16, 24 or 32 bytes), shared
	// by the site; the peer credentials derive from it. nil only with
	// Insecure.
	Key      []byte
	Insecure bool
	// Watch makes this member a watcher: it gossips, follows the members'
	// state and load and computes the site's placement, but publishes
	// StateWatching, so no node ever places files on it or asks it for
	// any (the steering service watches each site this way). Its Meta
	// needs only Site; addresses may be empty.
	Watch bool

	// Meta is what the node publishes: Site, addresses, Weight,
	// CapacityBps and Version are taken from here; State and EgressBps
	// are maintained by the cluster.
	Meta Meta
	// Owners is the number of nodes of a site that own each file (fetch it
	// from the origin); the others ask them first. Default 1.
	Owners int

	Timing Timing
	// LoadInterval is how often egress is sampled; LoadStep is how much
	// the load (egress/capacity) must move before it is republished.
	LoadInterval time.Duration
	LoadStep     float64
	// SuspectFor is how long a member whose peer request failed
	// (refused, timed out) is passed over by this node.
	SuspectFor time.Duration
	// ForgetAfter is how long dead and departed members stay in the view.
	ForgetAfter time.Duration
	// RejoinInterval is how often a node alone retries Join.
	RejoinInterval time.Duration
	// PublishTimeout bounds the wait for a metadata broadcast and for the
	// leave broadcast at shutdown.
	PublishTimeout time.Duration
}

// Timing is memberlist's failure-detection and gossip tuning.
type Timing struct {
	ProbeInterval           time.Duration
	ProbeTimeout            time.Duration
	SuspicionMult           int
	SuspicionMaxTimeoutMult int
	GossipInterval          time.Duration
	PushPullInterval        time.Duration
	TCPTimeout              time.Duration
	DeadNodeReclaimTime     time.Duration
	// AwarenessMaxMultiplier caps how far memberlist's Lifeguard stretches
	// the probe interval of a node that misses acks (usually because it is
	// overloaded itself).
	AwarenessMaxMultiplier int
}

// FastLANTiming detects a crashed node in about 1 s on a LAN (measured
// on loopback with 5 nodes: TestClusterSIGKILLDetection in cmd/vodedge):
// a probe every 200 ms with a 100 ms ack timeout, and suspicion that
// expires after 3 probe intervals once another node confirms it (6 at
// most). A suspected node refutes within a gossip round (50 ms), so a
// node that is only slow is not declared dead. memberlist's Lifeguard
// awareness stretches the probe interval of a node that is itself
// overloaded, by up to 8× by default; here by 3× at most, so that
// detection stays under 3 s on a saturated machine (with 8×, a run on a
// 2-core box at load average 14 took 7.9 s). On 5 nodes it costs about
// 5 probes/s and their acks per node.
func FastLANTiming() Timing {
	return Timing{
		ProbeInterval:           200 * time.Millisecond,
		ProbeTimeout:            100 * time.Millisecond,
		SuspicionMult:           3,
		SuspicionMaxTimeoutMult: 2,
		GossipInterval:          50 * time.Millisecond,
		PushPullInterval:        15 * time.Second,
		TCPTimeout:              2 * time.Second,
		DeadNodeReclaimTime:     10 * time.Second,
		AwarenessMaxMultiplier:  3,
	}
}

// LANTiming is memberlist's DefaultLANConfig: detection in about 5–6 s,
// for networks where 100 ms acks are not assured.
func LANTiming() Timing {
	d := memberlist.DefaultLANConfig()
	return Timing{
		ProbeInterval: d.ProbeInterval, ProbeTimeout: d.ProbeTimeout,
		SuspicionMult: d.SuspicionMult, SuspicionMaxTimeoutMult: d.SuspicionMaxTimeoutMult,
		GossipInterval: d.GossipInterval, PushPullInterval: d.PushPullInterval,
		TCPTimeout: d.TCPTimeout, DeadNodeReclaimTime: 30 * time.Second, AwarenessMaxMultiplier: d.AwarenessMaxMultiplier,
	}
}

// DefaultConfig returns the defaults: gossip on :7946 with FastLANTiming,
// one owner per file, load sampled every second and republished when it
// moves by 10 % of capacity.
func DefaultConfig() Config {
	return Config{
		GossipAddr:     ":7946",
		Meta:           Meta{Weight: 1},
		Owners:         1,
		Timing:         FastLANTiming(),
		LoadInterval:   time.Second,
		LoadStep:       0.1,
		SuspectFor:     2 * time.Second,
		ForgetAfter:    time.Hour,
		RejoinInterval: 5 * time.Second,
		PublishTimeout: time.Second,
	}
}

// Deps are a cluster's injected dependencies.
type Deps struct {
	// Logger receives the cluster's logs and memberlist's; nil discards.
	Logger *slog.Logger
	// Registerer receives the cluster's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Key sizes memberlist accepts (AES-128, -192, -256).
func validKeyLen(n int) bool { return n == 16 || n == 24 || n == 32 }

func (c *Config) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("cluster: "+format, a...)) }
	if c.Name == "" || len(c.Name) > 128 {
		bad("node name must be 1 to 128 bytes, got %d", len(c.Name))
	}
	if _, _, err := net.SplitHostPort(c.GossipAddr); err != nil {
		bad("gossip address %q: %v", c.GossipAddr, err)
	}
	switch {
	case c.Key == nil && !c.Insecure:
		bad("no cluster key: gossip and peer requests would be unauthenticated (set a key, or Insecure explicitly)")
	case c.Key != nil && !validKeyLen(len(c.Key)):
		bad("cluster key is %d bytes, want 16, 24 or 32", len(c.Key))
	}
	meta := c.Meta
	if c.Watch {
		meta.State = StateWatching
	}
	if err := meta.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Owners < 1 || c.Owners > 16 {
		bad("owners per file must be 1 to 16, got %d", c.Owners)
	}
	errs = append(errs, c.validateDurations()...)
	return errors.Join(errs...)
}

func (c *Config) validateDurations() []error {
	var errs []error
	for name, d := range map[string]time.Duration{
		"probe interval": c.Timing.ProbeInterval, "probe timeout": c.Timing.ProbeTimeout, "gossip interval": c.Timing.GossipInterval,
		"TCP timeout": c.Timing.TCPTimeout, "load interval": c.LoadInterval, "rejoin interval": c.RejoinInterval,
		"publish timeout": c.PublishTimeout, "suspect hold": c.SuspectFor, "forget after": c.ForgetAfter,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("cluster: %s must be positive, got %v", name, d))
		}
	}
	if c.Timing.SuspicionMult < 1 || c.Timing.SuspicionMaxTimeoutMult < 1 || c.Timing.AwarenessMaxMultiplier < 1 {
		errs = append(errs, errors.New("cluster: suspicion and awareness multipliers must be at least 1"))
	}
	if !(c.LoadStep > 0 && c.LoadStep <= 1) {
		errs = append(errs, fmt.Errorf("cluster: load step must be within (0, 1], got %v", c.LoadStep))
	}
	return errs
}
