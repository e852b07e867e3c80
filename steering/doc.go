// Package steering is the steering service, `vodedge steer`: a player
// asks for a file and gets rank-ordered, signed URLs, the nearest healthy
// node that holds the file first, fallbacks after it, as Open Connect's
// steering does. Its parts are leaf packages: prefix (the prefix table),
// bgp (the embedded GoBGP speaker), urlsign (signed URLs, shared with the
// edge), cluster (site membership, shared with the edge) and placement
// (rendezvous hashing, shared with the edge and the fill planner).
//
// # The decision
//
// Engine.Decide, for a client address and a file:
//
//  1. Sites by proximity. The prefix table returns every site whose
//     prefixes contain the client, each with its longest match; sites
//     are ranked by that length, longest first (the most specific route
//     is the nearest, as a router would choose). Sites tied on length
//     are ordered by a hash of client network, file and site. The sites
//     that match nothing follow in the configured default order, which
//     is also the whole ranking of a client no prefix matches.
//  2. Within a site, the holders of the file. By default the file's
//     owners by the site's weighted rendezvous placement over its usable
//     nodes (alive, ok or degraded), Owners of them: exactly what each
//     edge computes for peer fill (cluster.Owns) and what the fill planner
//     uses to place manifest copies. With a Content source that knows the
//     site (its fill manifest), the nodes the manifest lists instead.
//     Holders are ordered by a hash of client network, file and node.
//  3. Filters. A node that is down (dead, left), draining or leaving, or
//     whose published load is at or above the threshold, is passed over:
//     a health miss. A site that does not hold the file (its manifest
//     does not list it) is passed over: a content miss. A site with no
//     candidate gives way to the next.
//  4. Answer. Up to MaxURLs URLs, node URLs signed (urlsign), then the
//     origin (unsigned) when configured, alone when no node can serve.
//
// The outcome counts what happened in the client's best site: best, or
// health_miss (a node that would have served it was passed over for
// health, or the site had no usable node), content_miss (the site does
// not hold the file), origin, none. Every node passed over is counted by
// reason (down, draining, overloaded, content).
//
// # Health and load: a watcher in each site's gossip
//
// Steering joins each site's memberlist as a watcher (cluster.Config
// Watch): a member that publishes StateWatching, which no node places
// files on or asks for any. It receives the same gossip as the nodes: a
// crashed node is declared dead by memberlist (FastLANTiming) and the
// news reaches steering with the same broadcast that reaches the nodes;
// drains, degraded disks and load (republished when it moves by 10 % of
// capacity) arrive the same way. Each change signals Cluster.Changes and
// the site's view is rebuilt and swapped atomically.
//
// The alternative, polling each edge's GET /v1/cluster with an admin
// token, was rejected: it adds a poll interval to every detection (and
// must fail over when the polled node is the dead one), and the admin
// token also allows drain and purge, while the gossip key allows reading
// membership and peer fetches only. Measured: a SIGKILLed node leaves the
// answers 0.9 s after the kill (TestSteeringEndToEnd; 0.91–1.0 s with
// real `vodedge edge` processes), target 3 s. A watcher costs each site a
// member to probe (a few packets a second).
//
// # What a node holds, and what a content miss is
//
// vodedge edges are caches: any node can serve any file, fetching a miss
// once from the file's owner in its site (peer fill) or the origin. So
// holding is a matter of where a file lives, not whether it can be
// served. Steering knows it without any report from the nodes: a site's
// placement ranking is a pure function of its usable members, which
// steering sees through gossip, and of the file's path. The owners are
// the nodes that fetch the file from the origin and keep it; sending a
// client elsewhere in the site costs a peer copy. Steering thus sends
// each client to an owner, which also spreads a site's files over its
// nodes by their weights. When an owner is passed over, the next node by
// placement is the one the edges now treat as owner, so the two stay in
// agreement through failures and drains.
//
// What placement cannot say is whether a site keeps a file at all: a
// small site may hold only its popular files. With a Content source (the
// site's fill manifest, which lists each file's nodes), a file the
// manifest does not list is a content miss for the site, and the client
// goes to the next site that holds it, as Open Connect does; nodes not
// listed for a listed file are not holders. Without one, every site
// holds every file (it is a cache) and content misses do not occur.
// Per-node fill progress is not used: a node listed for a file that has
// not fetched it yet serves it through its miss path (one collapsed
// fetch), which is better than sending that file's clients to a farther
// site for the whole fill window.
//
// Cold titles (cold.go): with manifests, steering also lists the
// controller's cold titles at each poll, and its JSON answers for their
// files carry "restoring": true and "retry_after" (seconds), so a player
// can say "restoring, retry in N s"; it still ranks and redirects as for
// any file, because the request that reaches a node or the origin is
// what starts the restore.
//
// # Stability
//
// Nothing is random. Sites tied on prefix length, and holders within a
// site, are ordered by hashes of the client's network (its /24 or /48,
// Config.ClientBitsV4/V6), the file and the site or node name: the same
// client network asking for the same file gets the same answer while the
// sites' membership, prefixes and health are unchanged
// (TestDecideFollowsPlacementAndIsStable), while different networks
// spread over equally good sites and holders.
//
// # Client address
//
// The connection's peer address; X-Forwarded-For only when the peer is
// in Config.TrustedProxies, and then the rightmost entry that is not
// itself a trusted proxy (entries further left are the client's own
// claims).
//
// GET /v1/site tells a client which site it belongs to (Engine.ClientSite:
// its most specific prefix, the site its answers rank first; none when
// no prefix matches). The browse page asks it so that its "Popular here"
// row ranks titles by the controller's popularity at that site, as a
// front end that knows its viewer's network would. It answers the
// address steering decides for and nothing else, so a client learns
// only its own site.
//
// # Speed
//
// The decision path takes no lock but the prefix table's read lock,
// reads site views through atomic pointers, and allocates nothing once
// its Decision has grown (BenchmarkDecide -cpu 1: 1.7–2.5 µs, 0
// allocations, 400,000–590,000 decisions/s on one core of the noisy 2-core
// box across runs, with 10,000 routes and two signed URLs). Metrics are resolved counters (no label lookup);
// the decision log is handed over a buffered channel and dropped and
// counted when its writer falls behind. Over HTTP (fasthttp, wrk on the
// same 2 cores, 32 connections, decision log on): about 34,000 JSON
// answers/s and 41,000 redirects/s.
//
// # Decision log and metrics
//
// One JSON line per decision (Config.LogBuffer, --decision-log): time,
// client network, file, longest matching prefix, outcome, chosen site and
// node, the site's rank, URL count, nodes passed over by reason. Metrics:
// vodedge_steer_decisions_total{outcome,match},
// vodedge_steer_passed_over_total{reason}, vodedge_steer_decision_seconds,
// vodedge_steer_requests_total{mode,code},
// vodedge_steer_decision_log_dropped_total, vodedge_steer_prefixes{source},
// vodedge_steer_nodes{site,state}, the BGP speaker's
// vodedge_steer_bgp_* and each watcher's vodedge_cluster_* and
// vodedge_gossip_* (labelled watched_site).
//
// # HTTP
//
//	GET /v1/steer?file=PATH[&file=PATH…]   JSON answers (at most MaxFiles)
//	GET PATH                               302 to the first URL (players that cannot read JSON)
//
// Errors: 400 (bad path, too many files), 405, 404 under /v1/, 503 when
// no node and no origin can serve; every answer is Cache-Control:
// no-store. The command serves the same handler over TLS beside plain
// HTTP (--tls-listen); node URLs are https://host:PORT on the TLS port a
// node publishes through gossip when its site is configured for HTTPS
// (SiteConfig.HTTPS: --node-scheme https, or https: true in the sites
// file), so a player page served over HTTPS gets URLs it may fetch; a
// node without a TLS listener keeps its http:// URL. The admin API (AdminRoutes) lists sites, prefixes and BGP
// sessions, decides for any client, and reloads the prefix files.
//
// # Running it: the Go API behind `vodedge steer`
//
// A Service is the decision machinery and its handlers; a Server is the
// daemon around it: the public HTTP and HTTPS listeners (fasthttp, with
// internal/connlimit's connection limits), the admin listener, the TLS
// certificate and the decision log file. The command line only fills a
// ServerConfig from its flags and the sites file; the demo and the tests
// build the same ServerConfig and call the same NewServer, Run and
// Shutdown:
//
//	cfg := steering.DefaultServerConfig()
//	cfg.Listen, cfg.Admin = "127.0.0.1:0", "127.0.0.1:0"
//	err := sitesFile.Apply(&cfg.Service, "steer-1", "")
//	srv, err := steering.NewServer(cfg, steering.ServerDeps{Logger: log})
//	…
//	err = srv.Run(ctx) // serves until ctx ends, srv.Shutdown, or a listener fails
//
// It has the edge node's shape (cache/edge), with the listener plumbing
// and the run-once life from internal/daemon: NewServer binds every
// listener (port 0 is resolved before anything is served: Addrs) and
// releases what it opened when a step fails, naming the field a failure
// comes from (daemon.FieldError: "Listen", "TLSListen", "Admin", "TLS",
// "DecisionLog") so that the command line can name its flag. Run joins
// the sites' gossip and starts the BGP speaker, then serves; /readyz is
// 503 until then. Stopping: the listeners stop taking requests, requests
// in flight get ShutdownTimeout, the service leaves the gossip and
// flushes the decision log, then the log file is closed. Keys, the URL
// signer and admin tokens are values in the configuration (reading
// files is the command line's business, except the sites file's, read
// by SitesFile.Apply); the certificate and the prefix files stay files
// because Reload (SIGHUP) reads them again. Signals, like every
// process-wide setting, stay in cmd/vodedge.
//
// Imports: steering/cluster (each site's membership, watched),
// steering/prefix and steering/bgp (client prefixes, static and learned),
// internal/manifest (content location), internal/placement,
// internal/urlsign (signed URLs), internal/admin, internal/connlimit,
// internal/tlsreload and internal/daemon (the daemon around the
// service).
package steering
