package cluster

import (
	"fmt"
	"log"
	"net"
	"strconv"

	"github.com/hashicorp/memberlist"
)

// gossipLabel is prefixed to every gossip packet and stream: nodes of
// another memberlist application on the same network (Consul, Serf) are
// refused rather than merged.
const gossipLabel = "vodedge"

// create opens the gossip transport, completes the published addresses
// with the advertised IP and starts memberlist.
func (c *Cluster) create() error {
	host, portStr, _ := net.SplitHostPort(c.cfg.GossipAddr) // validated
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("cluster: gossip address %q: bad port", c.cfg.GossipAddr)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	mlog := log.New(&logWriter{log: c.log, closing: &c.closing}, "", 0)
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{BindAddrs: []string{host}, BindPort: port, Logger: mlog})
	if err != nil {
		return fmt.Errorf("cluster: gossip listener on %s: %w", c.cfg.GossipAddr, err)
	}
	c.tr = newCountingTransport(nt, c.metrics)
	ip, advPort, err := c.tr.FinalAdvertiseAddr(c.cfg.AdvertiseHost, nt.GetAutoBindPort())
	if err != nil {
		c.tr.Shutdown()
		return fmt.Errorf("cluster: advertise address (set an advertise host): %w", err)
	}
	if err := c.local.fillHosts(advertiseIP(ip)); err != nil {
		c.tr.Shutdown()
		return err
	}
	ml, err := memberlist.Create(c.memberlistConfig(mlog, ip, advPort))
	if err != nil {
		c.tr.Shutdown()
		return fmt.Errorf("cluster: starting memberlist: %w", err)
	}
	c.ml.Store(ml)
	c.log.Info("cluster: gossip listening", "addr", ml.LocalNode().Address(), "node", c.cfg.Name, "site", c.cfg.Meta.Site,
		"encrypted", c.cfg.Key != nil)
	return nil
}

func (c *Cluster) memberlistConfig(l *log.Logger, ip net.IP, port int) *memberlist.Config {
	mc := memberlist.DefaultLANConfig()
	mc.Name = c.cfg.Name
	mc.Transport = c.tr
	mc.Label = gossipLabel
	mc.AdvertiseAddr, mc.AdvertisePort = ip.String(), port
	mc.Logger = l
	t := c.cfg.Timing
	mc.ProbeInterval, mc.ProbeTimeout = t.ProbeInterval, t.ProbeTimeout
	mc.SuspicionMult, mc.SuspicionMaxTimeoutMult = t.SuspicionMult, t.SuspicionMaxTimeoutMult
	mc.GossipInterval, mc.PushPullInterval = t.GossipInterval, t.PushPullInterval
	mc.TCPTimeout, mc.DeadNodeReclaimTime = t.TCPTimeout, t.DeadNodeReclaimTime
	mc.AwarenessMaxMultiplier = t.AwarenessMaxMultiplier
	if c.cfg.Key != nil {
		mc.SecretKey = c.cfg.Key // memberlist builds its keyring from it
	}
	d := &delegate{c: c}
	mc.Delegate, mc.Events, mc.Conflict = d, d, d
	return mc
}
