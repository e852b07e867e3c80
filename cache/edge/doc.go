// Package edge assembles an edge node from a Config: the Go API behind
// `vodedge edge`. The command line only fills a Config from flags and its
// YAML file; the demo and the tests build the same Config and call the
// same New, Run and Shutdown.
//
//	cfg := edge.DefaultConfig()
//	cfg.Listen, cfg.Admin, cfg.Origin = "127.0.0.1:0", "127.0.0.1:0", "http://origin:8000"
//	n, err := edge.New(cfg, edge.Deps{Logger: log})
//	…
//	err = n.Run(ctx) // serves until ctx ends, n.Shutdown, or a listener fails
//
// # What it owns
//
// The wiring, and nothing else: which part talks to which, in what order
// they start and stop, and the resources New opens (origin client, disk
// tier, access log file, listeners), released in reverse order. The parts
// own their behaviour: the serving path (cache), the disk tier
// (cache/disktier), the peer data plane (cache/peer), site membership
// (steering/cluster), the fill agent (fill), the access log's shipper
// to the controller (cache/logship), the admin listener
// (internal/admin). Three small adapters live here because only the
// assembly knows both sides: the cluster's placement as the peer layer's
// Router, the disk tier as the fill agent's Store (FillStore), and the
// serving path's egress and health as the cluster's load source.
//
// # Choices
//
//   - New binds every listener, so a configuration with port 0 gets its
//     ports before anything is served (Addrs), and the cluster publishes
//     the ports that were really bound.
//   - Keys and tokens are values in the Config, not file names: reading
//     files is the command line's business, and tests make keys in
//     memory. TLS certificates stay files because they are re-read on
//     SIGHUP (Node.ReloadTLS).
//   - Process-wide settings (GOMEMLIMIT, signal handling, the logger's
//     format) stay in cmd/vodedge: two nodes can run in one process, as
//     the demo's three do.
//   - An S3 origin's archived objects (InvalidObjectState) answer 503
//     with Retry-After, and the node asks the controller found from the
//     fill manifest URL to restore the title (restore.go): the request
//     path only queues the key; one goroutine posts at most once per
//     title per Retry-After, so a crowd of players costs one call.
//   - The access log's shipper reads the log file, not the records in
//     memory: the file is what a kill -9 leaves, so it is what must be
//     counted (cache/logship). It stops last, after the access log
//     is closed, with one round bounded by logship.FinalWait for the
//     last records; what that round cannot send ships at the next start.
//   - Tiered fill (parents.go): the peer listener accepts a child
//     site's grant besides the cluster credential, and the fill agent
//     reaches parent sites' nodes through peer clients presenting its
//     own site's grant; that needs no cluster of its own.
//   - Stopping: the fill agent stops, the node leaves its site (the
//     others stop asking it at once), responses in flight get
//     Cache.ShutdownTimeout, then everything is closed.
//
// Imports: cache, cache/accesslog, cache/disktier, cache/logship (the
// access log's shipper), cache/peer, fill,
// internal/admin, internal/daemon (listeners and the run-once life
// shared with the other daemons), internal/heartbeat (what the node
// reports to the controller's registry), internal/placement,
// internal/tiergrant (a child site's grant on the peer listener),
// internal/tlsreload, internal/urlsign, origin, steering/cluster;
// fasthttp, client_golang.
package edge
