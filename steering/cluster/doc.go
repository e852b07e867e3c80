// Package cluster is a site's membership: the vodedge nodes of one ISP
// location find each other with gossip (hashicorp/memberlist), agree
// without a coordinator on which node owns which file, ask each other
// before the origin, and notice within seconds when one dies.
//
// # Why steering/cluster
//
// The top-level folders are fixed (cmd cache origin fill steering bench
// deploy). Membership is read by the edge (placement, peer fill) and by
// the steering service (which nodes are alive, draining, loaded), so it
// lives under steering rather than cache, and cache does not depend on
// it: the edge wires it in cmd/vodedge through cache's two hooks, the
// Origin interface (PeerOrigin implements it) and the peer listener's
// PeerConfig (Owns, and PeerAuth for Authorized).
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
//   - Placement: a steering/placement Table over the usable members of
//     the node's site (alive, ok or degraded, decodable metadata), rebuilt
//     on every membership event and swapped atomically; the request path
//     (Owns, Route) reads it without locks. Config.Owners nodes own each
//     file.
//   - PeerOrigin: the edge's origin in a cluster. A slice owned by another
//     node is asked of that node's peer listener (bearer token
//     HMAC-SHA256(key, "vodedge-peer"), Range request); a miss (404 with
//     X-Vodedge-Peer-Miss), a timeout (300 ms to headers), a refusal or
//     an error goes to the origin, and a body that breaks midway is
//     finished from the origin. A 404 from the owner is final: the owner
//     asked the origin. Peer requests never chain: a peer that does not
//     own the key answers from its cache only (cache.Server.ServePeer).
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
// vodedge_cluster_egress_bits_per_second; and for PeerOrigin
// vodedge_peer_fetches_total{outcome}, vodedge_peer_bytes_total{outcome},
// vodedge_peer_origin_fetches_total{reason}, vodedge_peer_resumed_total.
//
// # Imports
//
// memberlist, steering/placement, origin (object model and error
// sentinels), client_golang, the standard library. Not cache: PeerOrigin
// matches cache.Origin structurally, and the peer miss header is checked
// equal to cache.HeaderPeerMiss in the tests.
package cluster
