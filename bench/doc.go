// Package bench runs vodedge's side-by-side benchmarks: the edge node
// against the servers an operator would otherwise deploy, on the same
// machine, in the same run, and its hit-ratio simulation. It is a library
// of Config + Run functions (RunCompare, RunRSS, RunSim, RunSuite,
// RunSoak);
// `vodedge bench` only binds flags to the configs.
//
// # What it owns and imports
//
// bench owns the corpus generator, the origin every cache sits in front
// of, the peers (processes it starts, watches, stops and reaps), the wrk
// driver with its Lua script and output parser, the Go load clients of
// the special scenarios, the statistics and the reports (tables, JSON,
// Markdown, PNG plots). Leaf packages hold what is reusable alone:
// zipf (Zipf(α) draws for any α > 0), trace (the trace CSV format and a
// generator with daily popularity drift), hitsim (the trace-driven
// hit-ratio simulator), player (HLS player emulation with ABR, steering
// and fallback) and chart (gonum/plot figures).
//
// The side-by-side part does not import cache or origin: the edge is
// measured as it is deployed, the vodedge binary run as a subprocess with
// its own GOMAXPROCS, GC and memory limit, observed from outside through
// HTTP, its admin /metrics and /proc/PID. The other programs are
// Debian's nginx, varnish and wrk. hitsim, by contrast, imports the
// edge's own cache/ramtier and cache/evict: the simulation runs the
// edge's admission and eviction code, not a re-implementation.
//
// A Peer is anything with Start (returning a base URL) and Stop; optional
// interfaces let a peer warm itself (Warmer), count responses by cache
// tier (TierCounter) and name its processes for CPU accounting
// (ProcessLister). The peers are vodedge, nginx-static (serving the
// corpus from the page cache), nginx-proxy and varnish; the last two and
// vodedge are caches in front of the same origin.
//
// fasthttp-bare (`vodedge bench bare-server`, hidden) is fasthttp doing
// nothing but answering from a map of the corpus's bytes (SetBodyRaw),
// or, when vodedge's RAM tier is off, fasthttp.FS over the corpus
// (sendfile, its open-file cache). It is the ceiling the mandated
// library leaves on this machine: vodedge/fasthttp-bare is the edge's
// own cost, fasthttp-bare/nginx-static the library's. It is measured in
// hot scenarios only and never judged against a target.
//
// # The origin
//
// An HTTP server inside the bench process (Origin) serves the corpus and
// synthetic objects (/synth/SIZE/…: deterministic pseudo-random bytes
// generated at any offset, so a 256 MiB file or a trace's whole
// catalogue needs no disk), with ETag, Last-Modified and ranges. Each
// cache gets its own port, so origin requests and bytes are counted per
// peer. It answers after OriginDelay (20 ms: a distant origin, which
// makes collapsing visible) at up to OriginBytesPerSec per response
// (200 MiB/s), and SetDown makes it drop every connection unanswered.
//
// # Special scenarios (CompareConfig.Specials; all of them in RunSuite)
//
// Run after the hot ones, on the same peers, alternating which peer goes
// first each round; each reports named figures per round (median and
// range per peer, ratio against vodedge), plus the peer's CPU over the
// round and its RSS at the end (all its processes, from /proc). In order:
//
//   - slow-clients: slow readers (16 KiB receive buffer, 256 KiB/s each)
//     on 2 MiB objects while fast clients fetch 16 KiB objects: the fast
//     clients' requests/s and TTFB p50/p99/p99.9.
//   - origin-down: the origin drops connections; 20 cached objects are
//     requested (share served) and one uncached one (status, time).
//   - cold-collapse: 100 concurrent GETs of one new 4 MiB object: origin
//     requests for it (vodedge: exactly one) and the waiters' TTFB.
//   - cold-range: 64 KiB at 3/4 of a new 256 MiB file: TTFB and origin
//     bytes (sliced fetch vs whole-object fetch).
//   - players: emulated HLS players (bench/player) at 4× playback speed:
//     startup, segment TTFB, rebuffers, bit rate.
//   - trace-replay: the next 1500 requests of a generated trace per
//     round, closed-loop in trace order: TTFB, hits, origin bytes.
//   - disk-zipf: wrk over 2 MiB objects with Zipf(0.9) popularity and a
//     working set twice the RAM tier (vodedge: RAM + disk; nginx-proxy:
//     its disk cache; Varnish: malloc of the same size as vodedge's RAM).
//   - restart: stop and start the peer on the same cache directory; time
//     to the first byte of an object it held, and origin requests.
//
// TTFB in these scenarios is the time to the response headers as the Go
// client sees them; wrk's latency (hot scenarios, disk-zipf) is to the
// last byte. The Go clients share the two cores with the peers, as wrk
// does: the same for every peer.
//
// nginx-proxy: proxy_cache on disk (max_size = the vodedge disk tier, at
// least 4 GiB), slice 4m with $slice_range in the key (ranges fetched and
// cached in aligned slices, as vodedge does), proxy_cache_lock on (lock
// timeout and age 30 s), proxy_cache_use_stale on errors, keep-alive to
// the origin, and the nginx-static tuning otherwise. varnish: -s malloc
// of the vodedge RAM tier size (at least 256 MiB), TTL 7 days,
// do_stream, nuke_limit 1000, -j none (runs as the bench's user).
//
// # Methodology (RunCompare)
//
//   - Same files: one corpus of pseudo-random (incompressible) objects per
//     scenario, /NAME/00001.m4s…, that nginx serves as its root and
//     vodedge through a file:// origin. The player mix (NAME=COUNTxplayer)
//     is COUNT sessions of a master and two media playlists then 15
//     pairs of 720p video (1.19 MiB) and AAC audio (62.5 KiB) segments,
//     requested in that order: 3 requests in 33 are playlists, 95 % of
//     the bytes video (mix.go).
//   - Warm before measuring: nginx gets one GET per object (files in the
//     page cache, descriptors in open_file_cache); vodedge gets GETs until
//     each object is answered X-Cache: HIT-RAM (at most 10 per object,
//     TinyLFU admission may refuse the first), then a HEAD of every object
//     checks they are all still in RAM. Warming fails naming the objects
//     that are not. The whole working set must fit the RAM tier.
//   - Hot rounds stay hot: vodedge's vodedge_edge_requests_total by tier is
//     read before and after each round; a round in which it served a single
//     response from anywhere but RAM is not counted, and the verdict is
//     withheld (ErrNotHot), so no "hot RAM" figure is ever a cold one.
//   - Alternating rounds: a round runs every scenario on every peer once,
//     and the peer that goes first rotates each round (A B, B A, …), so
//     that the drift of a shared, noisy machine hits every peer alike.
//   - Load: wrk -t2 -c32 -d10s --latency by default, with a generated Lua
//     script that walks the scenario's objects in order, each thread from
//     its own offset. A round with any non-2xx/3xx response, or more socket
//     errors than LoadConfig.MaxSocketErrors, fails and is not counted.
//   - Load client (--client, LoadConfig.Client): wrk, or discard, the
//     bench's own client ('vodedge bench load', discard.go): the same
//     walk, one keep-alive request at a time per connection, but each
//     body is dropped by the kernel uncopied (recv with MSG_TRUNC) once
//     the header is read. On one machine wrk's copy of every body is the
//     costliest step of a 2 MiB exchange: pinned, wrk's CPU saturates
//     while the server's idles at 15–30 %, and a server's per-CPU cost is
//     then dominated by idling and waking (the Go scheduler spins before
//     it parks), not by serving. Measured on the 2-core loopback machine
//     (bench/results/2core-loopback/discard-client): vodedge/nginx per
//     busy CPU-second at 2 MiB, 0.67× (RAM) and 0.70× (disk) under wrk
//     with CPU 0 14–26 % busy; 1.70–1.73× and 0.96–1.04× with the discard
//     client and CPU 0 saturated. There a server's requests/s is what it
//     serves per CPU, and the two figures agree. At 16 KiB the discard
//     client nears its own limit too (a header parse and three syscalls a
//     response): the per-CPU figure, not requests/s, then says more.
//     make bench-compare-pinned uses it (PIN_CLIENT=wrk for wrk).
//   - Figures: requests/s from wrk; MiB/s as wrk's request rate × its mean
//     response size (wrk's Transfer/sec line carries only three
//     significant digits); latency p99 from the --latency block. The CPU
//     time used by the peer's processes and by wrk over each round is
//     read from /proc and printed, to show who saturated the two cores,
//     with the server's CPU-seconds per GiB served and per 10,000
//     requests: what a response costs whatever share of a core it got.
//   - Pinned (CompareConfig.Pin, --pin): every server runs under taskset
//     on the servers' CPUs (nginx with worker_processes set to their
//     count, Varnish and vodedge confined likewise; Go sizes GOMAXPROCS
//     to them), wrk on the others. Appliances are judged per CPU; on a
//     2-core machine unpinned figures say more about how a server and its
//     load generator share two cores than about the server
//     (make bench-compare-pinned). A pinned run also reads the servers'
//     CPUs' whole busy time (whoever spent it: the servers, softirq,
//     other tasks), as the wall time less their idle and iowait time in
//     /proc/stat, which a tickless kernel keeps exactly where it only
//     samples the busy fields at each tick (those read 5–40 % high on
//     the 2-core loopback machine under 2 MiB hits: cpuSetIdleTicks),
//     and prints it per GiB and per 10k requests, with vodedge's responses per busy CPU-second against
//     each peer: on loopback the kernel delivers what a server sends
//     partly in softirq on the server's CPU, time the process's own CPU
//     does not count and that differs between servers (at 2 MiB as much
//     as the server's own system time). Each verdict is then also judged
//     on that figure (Verdict.CPURatio, CPUStatus: "… responses per busy
//     CPU-second ratio … met"), beside the requests/s or throughput one:
//     when wrk is the bottleneck, requests/s rewards whichever server
//     makes the receiver's work cheapest (on loopback, copying bodies
//     rather than sending page-cache pages), not the one that serves
//     more per CPU.
//   - Statistics: the median over rounds with min–max, and the ratio
//     vodedge/peer of medians, both taken within the same run; a target
//     (e.g. throughput ≥ 1.0×) is judged on that ratio. No run is compared
//     with another run.
//
// # nginx-static: directives and why
//
// nginx is tuned as a fair operator tunes a static video origin; the
// generated nginx.conf is kept in the work dir with --keep.
//
//   - user root (only when the bench runs as root): workers must read the
//     corpus in the bench's 0700 temp dir; otherwise the bench's own user.
//   - worker_processes auto: one worker per core, nginx's recommendation;
//     pinned, one per server CPU.
//   - worker_connections 4096: far above the load, never a limit.
//   - sendfile on: the file goes from the page cache to the socket in the
//     kernel; this is the baseline the edge's RAM tier must match.
//     sendfile_max_chunk keeps its 2m default (since 1.21.4).
//   - tcp_nopush on: with sendfile, headers and the file's first bytes
//     leave in full packets. tcp_nodelay on (the default) keeps the tail of
//     each response from waiting on Nagle.
//   - keepalive_requests 1000000, keepalive_timeout 65s: the default 1000
//     requests would make wrk reconnect constantly on small objects, a cost
//     vodedge (no such limit) would not pay.
//   - open_file_cache max=100000 inactive=60s, open_file_cache_valid 60s,
//     min_uses 1, errors on: no open/fstat/close per request.
//   - access_log … combined buffer=64k flush=1s: every response is logged,
//     buffered, because vodedge also logs every response (asynchronously,
//     to its own file); both pay for logging.
//   - error_log warn, pid and *_temp_path in the work dir; listen on
//     127.0.0.1 with a free port; run with -p WORKDIR -c nginx.conf
//     -e error.log -g 'daemon off;' and stopped by SIGQUIT (graceful), then
//     SIGTERM, then SIGKILL to its process group, always reaped.
//   - types { video/iso.segment m4s; }: the content type vodedge sends.
//
// vodedge runs as `vodedge edge --listen 127.0.0.1:P --admin 127.0.0.1:Q
// --origin file://CORPUS --ram-bytes N --disk-bytes D --disk-dir WORKDIR/…
// --access-log WORKDIR/… --log-level warn` in its work dir, with its
// defaults otherwise; ready when its admin /readyz answers 200, stopped by
// SIGTERM and reaped. The disk tier is off (D = 0) unless configured: the
// comparison is of hot objects, answered from RAM either way.
//
// With CompareConfig.Disks > 1 (vodedge bench compare --disks N, make
// bench-disks) the edge gets --disk WORKDIR/…/diskI:D/N for each of N
// directories instead, and peer vodedge-1disk is the same edge with
// --disk-dir: with the RAM tier off, the hot disk hits of one working
// set are served from N disk stores at once, against one, beside nginx
// serving the same files. All directories sit on the work dir's
// filesystem: the measure is of what the stores share in the process
// (locks, the hit path), not of the drives.
//
// # TLS (CompareConfig.TLS, vodedge bench compare --tls)
//
// The bench writes a self-signed ECDSA P-256 certificate into the work
// dir; vodedge serves HTTPS on its --tls-listen with it, nginx-tls is
// nginx-static with "listen … ssl" on the same certificate (TLS 1.2 and
// 1.3, a shared session cache, ssl_buffer_size 16k; sendfile cannot
// apply under TLS: Debian's nginx leaves kTLS off), and vodedge-http is
// the same edge over plain HTTP, to show what TLS costs. wrk speaks
// TLS 1.3 (AES-128-GCM) over keep-alive connections, so handshakes are
// out of the measurement. The hot-check and warming are as for plain
// HTTP.
//
// # RunSoak (vodedge bench soak, make soak)
//
// Nodes edges (default 3) run as one site cluster (a random key, gossip
// and peer listeners on loopback) in front of the bench origin, with a
// RAM and a disk tier each. Emulated HLS players (bench/player, Zipf
// title choice, ABR, 4× real time) play titles whose segments are
// synthetic origin objects, each player on a node chosen by a hash of
// its id with the others as fallbacks (as steering spreads clients),
// while range workers fetch random 64 KiB ranges of random segments from
// random nodes (misses, peer fetches). Every SampleEvery each node's
// VmRSS, goroutines (go_goroutines; the median of five readings 100 ms
// apart, since the count moves with the requests in flight) and open
// files (/proc/PID/fd, likewise) are printed, with the connections open
// on the public listener (vodedge_connections_open). After the warm-up
// every sample must stay within Tolerance (10 %) of its node's mean:
// RSS as it is, goroutines and open files net of those client
// connections (one goroutine and one descriptor each: how many the
// players' HTTP client pool keeps open to a node is the load's choice,
// and moves by tens as sessions end and pooled connections idle out).
// Otherwise, or when a node dies, RunSoak returns ErrNotFlat.
//
// # RunRSS
//
// The edge runs with a RAM tier (256 MiB by default) over a working set of
// twice that in 2 MiB objects plus 1024 objects of 16 KiB, requested by wrk
// in a shuffled order for 30 s. VmRSS and VmHWM are sampled from
// /proc/PID/status every 100 ms; the peak is judged against 1.2 × RAM +
// 100 MiB, and the RAM tier's own gauges (vodedge_ram_bytes,
// vodedge_ram_items) are printed to show the tier was full.
//
// # RunScale
//
// The disk tier at 100k, 2 M and 20 M stored slices (2 MiB each). A
// disk is populated with cache/disktier's BulkLoad: an index record per
// object, written into Pebble in batches, and a sparse data file (an
// inode, no data blocks) for at most MaxFiles (2 M) of them; the others
// are index-only, which a lookup cannot tell apart (it reads the index,
// never the file). So 20 M objects cost a few GB of index and 2 M inodes,
// where 20 M files would exhaust a 16 M-inode root filesystem. A fresh
// process, 'vodedge bench scale-node' (RunScaleNode), then opens the
// tier on it as a restarted node would and measures the time from its
// exec to the first slice looked up and read and to the index loaded,
// VmRSS and the live Go heap before and after, per object, Lookup p50
// and p99 on uniformly random keys, and the cost of eviction: Create
// past capacity (which evicts one slice before it returns) against
// Create that fits, per victim. The parent samples the child's VmRSS for
// the peak and measures Pebble's files on disk.
//
// Imports: bench/chart, bench/hitsim, bench/player, bench/trace,
// cache/disktier, internal/zipf, internal/bytesize, internal/tlsreload,
// internal/freeport;
// it drives vodedge as a separate process, never in-process, except
// RunScaleNode, which opens the disk tier in the child process that
// RunScale starts.
package bench
