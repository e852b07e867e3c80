// Package cluster is a site's membership: the vodedge nodes of one ISP
// location find each other with gossip (hashicorp/memberlist), agree
// without a coordinator on which node owns which file, and notice within
// seconds when one dies. Asking a peer for bytes (the peer data plane)
// is cache/peer's; this package only says whom to ask (Route).
//
// # Why steering/cluster
//
// The top-level folders are fixed (cmd cache origin fill steering bench
// deploy). Membership is read by the edge (placement, peer fill) and by
// the steering service (which nodes are alive, draining, loaded), so it
// lives under steering rather than cache, and cache does not depend on
// it: the edge node is assembled with it through cache/peer's Router
// (Route, PeerFailed) and the peer listener's PeerConfig (Owns).
//
// # What it owns
//
//   - Cluster: memberlist with a tuned failure detector (FastLANTiming:
//     a crashed node is declared dead in 1–2 s on loopback), encrypted
//     with the site's key (memberlist keyring, AES-GCM), labelled
//     "vodedge" so other memberlist applications are refused. Members(),
//     Status() and AdminRoutes() (GET /v1/cluster, POST /v1/drain,
//     /v1/undrain) expose the view.
//   - Meta: what a node publishes (site, public, admin and peer
//     addresses, capacity weight, state, egress vs capacity, version, and
//     since encoding version 2 the port of its HTTPS listener) in a
//     versioned binary encoding of at most 463 bytes (memberlist allows
//     512); a node of the previous release reads the version 1 fields and
//     ignores the rest. A node republishes (UpdateNode) only when its state changes or
//     its load moves by Config.LoadStep, sampled every second.
//   - Placement: a internal/placement Table over the usable members of
//     the node's site (alive, ok or degraded, decodable metadata), rebuilt
//     on every membership event and swapped atomically; the request path
//     (Owns, Route) reads it without locks. Config.Owners nodes own each
//     file.
//
// # Watchers
//
// Config.Watch makes a member a watcher: it gossips and follows the site
// like a node, but publishes StateWatching (which no release places
// files on; older nodes decode it as an unknown, unplaceable state), may
// leave its addresses empty, owns nothing and is never a peer. The
// steering service watches each site this way. Changes() signals every
// change of the view (coalesced, never blocking memberlist), so a
// watcher rebuilds what it derives at once instead of polling
// (TestWatcherIsNeverPlaced).
//
// # Liveness, and what memberlist does not tell
//
// memberlist v0.7.0 keeps a member's suspect state unexported (the Node
// it hands out always says alive), and reports a dead node and a node that
// left through the same NotifyLeave. So: a node announces StateLeaving
// before it leaves, which tells the two apart; and "suspect" here is this
// node's own observation: a member whose peer request failed is passed
// over for Config.SuspectFor (2 s), or until memberlist brings news of it.
// Until memberlist declares a crashed node dead, requests to it fail fast
// (refused at once on a LAN, 300 ms at worst) and go to the origin.
//
// # Metrics
//
// vodedge_cluster_members{state,site} (read at scrape time),
// vodedge_gossip_bytes_total{direction,kind} (counted by a wrapper around
// memberlist's transport: memberlist reports traffic only to go-metrics'
// process-wide sink), vodedge_gossip_health_score,
// vodedge_cluster_meta_updates_total, vodedge_cluster_name_conflicts_total,
// vodedge_cluster_egress_bits_per_second.
//
// # Imports
//
// Imports: internal/admin, internal/placement; memberlist,
// client_golang and the standard library.
//
// It imports nothing of the edge, the origin or the fill agent.
package cluster
