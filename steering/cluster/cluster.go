package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// ErrNameConflict means another live node already uses this node's name.
var ErrNameConflict = errors.New("cluster: node name already in use")

// LoadSource is what the cluster reads from the node to publish its load
// and state. The edge adapts its cache.Server to it.
type LoadSource interface {
	// BytesSent is the body bytes sent since start, all listeners.
	BytesSent() uint64
	// Degraded reports whether the node serves but stores nothing new.
	Degraded() bool
}

// Cluster is this node's membership in its site cluster: memberlist,
// the view of the members, placement of files over them, and the metadata
// this node publishes. Create it with New, join with Start, leave with
// Shutdown. Its methods are safe for concurrent use.
type Cluster struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics

	ml atomic.Pointer[memberlist.Memberlist] // set by Start; nil before
	tr *countingTransport                    // set by Start

	mu       sync.Mutex         // protects members, health, conflict
	members  map[string]*Member // every member heard of, by name
	health   map[string]*health // local suspicion, by name; kept across views
	conflict string             // address of a live node using our name

	view    atomic.Pointer[view] // immutable snapshot for the request path
	changed chan struct{}        // signalled (never blocking) when view changes

	local   localState  // what this node publishes
	publish sync.Mutex  // serializes UpdateNode so the newest meta wins
	closed  bool        // memberlist is shut down; protected by publish
	closing atomic.Bool // memberlist is being shut down: quieter logs

	started  atomic.Bool
	stop     chan struct{}
	loops    sync.WaitGroup // the load sampler and the joiner
	shutdown sync.Once
}

// New validates cfg and prepares the cluster. It opens no socket: until
// Start, the view holds this node alone, so everything is "owned" here.
func New(cfg Config, deps Deps) (*Cluster, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Cluster{
		cfg: cfg, log: deps.Logger, now: deps.Now,
		members: make(map[string]*Member), health: make(map[string]*health),
		stop: make(chan struct{}), changed: make(chan struct{}, 1),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	m, err := newMetrics(deps.Registerer, c)
	if err != nil {
		return nil, fmt.Errorf("cluster: metrics: %w", err)
	}
	c.metrics = m
	c.local.init(cfg.Meta, cfg.Watch)
	c.view.Store(newView(nil, c.cfg.Name, c.cfg.Meta.Site))
	return c, nil
}

// Name is this node's name.
func (c *Cluster) Name() string { return c.cfg.Name }

// Start opens the gossip listener, publishes this node's metadata, joins
// the nodes of Config.Join and starts sampling src for load and state
// (nil: the node publishes neither). It fails on a bad address, or when
// another live node uses this node's name; a Join that reaches nobody is
// retried in the background.
func (c *Cluster) Start(src LoadSource) error {
	if !c.started.CompareAndSwap(false, true) {
		return errors.New("cluster: already started")
	}
	if err := c.create(); err != nil {
		return err
	}
	if err := c.joinOnce(); err != nil {
		c.Shutdown()
		return err
	}
	c.loops.Add(2)
	go c.sampleLoop(src)
	go c.joinLoop()
	return nil
}

// Changes is signalled after the view of the members changes (a member
// joined, left, died, changed state or load). Signals coalesce: one
// receive may stand for several changes, so a receiver reads Members
// afterwards. The channel is never closed.
func (c *Cluster) Changes() <-chan struct{} { return c.changed }

// GossipAddr is the address other nodes join this one at (after Start).
func (c *Cluster) GossipAddr() string {
	ml := c.list()
	if ml == nil {
		return ""
	}
	return ml.LocalNode().Address()
}

// joinOnce joins the configured nodes and checks that nobody else uses
// our name.
func (c *Cluster) joinOnce() error {
	if len(c.cfg.Join) > 0 {
		ml := c.list()
		if n, err := ml.Join(c.cfg.Join); err != nil {
			c.log.Warn("cluster: no node to join answered; running alone and retrying", "join", c.cfg.Join, "err", oneLine(err))
		} else {
			c.log.Info("cluster: joined", "contacted", n, "members", ml.NumMembers())
		}
	}
	c.mu.Lock()
	other := c.conflict
	c.mu.Unlock()
	if other != "" {
		return fmt.Errorf("%w: %q is used by the live node at %s; every node needs a unique name", ErrNameConflict, c.cfg.Name, other)
	}
	return nil
}

// joinLoop retries Join while this node knows no other member.
func (c *Cluster) joinLoop() {
	defer c.loops.Done()
	if len(c.cfg.Join) == 0 {
		return
	}
	t := time.NewTicker(c.cfg.RejoinInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		ml := c.list()
		if ml.NumMembers() > 1 {
			continue
		}
		if _, err := ml.Join(c.cfg.Join); err == nil {
			c.log.Info("cluster: joined", "members", ml.NumMembers())
		}
	}
}

// Shutdown announces that this node is leaving (so the others stop
// placing files on it at once), leaves, and stops gossip. It waits for
// its goroutines. Requests routed after it go to the origin. It is safe
// to call more than once.
func (c *Cluster) Shutdown() {
	c.shutdown.Do(func() {
		close(c.stop)
		c.loops.Wait()
		if ml := c.list(); ml != nil {
			c.leave(ml)
		}
		c.view.Store(newView(nil, c.cfg.Name, c.cfg.Meta.Site))
	})
}

func (c *Cluster) leave(ml *memberlist.Memberlist) {
	c.local.set(func(l *localState) { l.leaving = true })
	c.publishMeta("leaving")
	if err := ml.Leave(c.cfg.PublishTimeout); err != nil {
		c.log.Warn("cluster: leave not acknowledged", "err", err)
	}
	c.publish.Lock()
	defer c.publish.Unlock()
	c.closed = true
	c.closing.Store(true)
	if err := ml.Shutdown(); err != nil {
		c.log.Warn("cluster: memberlist shutdown", "err", err)
	}
	c.log.Info("cluster: left")
}

// oneLine flattens memberlist's multi-line errors for the log.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// list is memberlist, nil before Start.
func (c *Cluster) list() *memberlist.Memberlist { return c.ml.Load() }

// advertiseIP is the IP that fills empty hosts in published addresses.
func advertiseIP(ip net.IP) string {
	if ip == nil || ip.IsUnspecified() {
		return ""
	}
	return ip.String()
}
