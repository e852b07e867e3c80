package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/cache/peer"
	"github.com/vodedge/vodedge/steering/cluster"
)

// clusterOpts are the edge's site cluster flags. The node is in a
// cluster when it has a key (--cluster-key-file) or --cluster-insecure.
type clusterOpts struct {
	flags       *pflag.FlagSet
	keyFile     string
	insecure    bool
	join        []string
	gossip      string
	advertise   string
	peerListen  string
	weight      float64
	egress      string
	owners      int
	peerTimeout time.Duration
}

func (c *clusterOpts) bind(f *pflag.FlagSet) {
	c.flags = f
	def := cluster.DefaultConfig()
	f.StringVar(&c.keyFile, "cluster-key-file", "", "file holding the site cluster's shared key (base64 of 16, 24 or 32 bytes: head -c 32 /dev/urandom | base64); joins the node to its site cluster: gossip encrypted with it, peer requests authenticated with a token derived from it")
	f.BoolVar(&c.insecure, "cluster-insecure", false, "join a site cluster without a key: gossip in clear text and a well-known peer token; only for test labs")
	f.StringSliceVar(&c.join, "join", nil, "gossip addresses (host:port,…) of other nodes of the site; retried every 5s while none answers")
	f.StringVar(&c.gossip, "gossip-listen", def.GossipAddr, "gossip address (TCP and UDP) of the site cluster")
	f.StringVar(&c.advertise, "advertise-host", "", "IP other nodes reach this node at (default: the gossip IP, or a private IP of the host when gossip listens on every interface); also fills the host of --listen, --admin and --peer-listen given as :port")
	f.StringVar(&c.peerListen, "peer-listen", ":8081", "address of the peer listener that other nodes of the site fetch from (authenticated; never the public one)")
	f.Float64Var(&c.weight, "capacity-weight", 1, "this node's share of the site's files relative to the other nodes (e.g. 2 for a node with twice the disk)")
	f.StringVar(&c.egress, "egress-capacity", "10Gbit", "egress this node is sized for (bits/s: 10Gbit, 400Mbit); its published load is egress / capacity")
	f.IntVar(&c.owners, "owners-per-file", def.Owners, "nodes of the site that own (fetch from the origin) each file; the others ask them first")
	f.DurationVar(&c.peerTimeout, "peer-timeout", peer.DefaultConfig().Timeout, "time to connect to a peer and get its response headers before fetching from the origin instead")
}

func (c *clusterOpts) enabled() bool { return c.keyFile != "" || c.insecure }

// check refuses cluster flags without a key, and a peer listener on a
// public or admin address.
func (c *clusterOpts) check(o *edgeOpts) error {
	if !c.enabled() {
		for _, name := range []string{"join", "gossip-listen", "peer-listen", "advertise-host", "owners-per-file"} {
			if flagChanged(c.flags, name) {
				return fmt.Errorf("--%s needs --cluster-key-file (the site's shared key), or --cluster-insecure for a test lab", name)
			}
		}
		return nil
	}
	if c.keyFile != "" && c.insecure {
		return errors.New("--cluster-insecure and --cluster-key-file exclude each other")
	}
	for _, other := range []struct{ flag, addr string }{{"--listen", o.listen}, {"--admin", o.adminAddr}} {
		if c.peerListen == other.addr && !strings.HasSuffix(other.addr, ":0") {
			return fmt.Errorf("--peer-listen must differ from %s (%s): peer requests never go to that listener", other.flag, other.addr)
		}
	}
	return nil
}

// config is the node's site membership, or nil outside a cluster.
func (c *clusterOpts) config(o *edgeOpts) (*edge.Cluster, error) {
	if err := c.check(o); err != nil || !c.enabled() {
		return nil, err
	}
	ec := edge.DefaultCluster()
	mc := &ec.Membership
	if c.keyFile != "" {
		key, err := cluster.LoadKey(c.keyFile)
		if err != nil {
			return nil, fmt.Errorf("--cluster-key-file: %w", err)
		}
		mc.Key = key
	}
	capacity, err := cluster.ParseBitRate(c.egress)
	if err != nil {
		return nil, fmt.Errorf("--egress-capacity: %w", err)
	}
	mc.Name, mc.Insecure, mc.Join, mc.GossipAddr, mc.AdvertiseHost = o.cfg.NodeName, c.insecure, c.join, c.gossip, c.advertise
	mc.Owners, mc.Meta.Weight, mc.Meta.CapacityBps = c.owners, c.weight, capacity
	ec.PeerListen, ec.Peer.Timeout = c.peerListen, c.peerTimeout
	return ec, nil
}
