// Package cache is the edge node's serving path: the fasthttp segment
// server, the RAM tier, and the miss path that fetches from the origin.
//
// # What it owns
//
// Server answers GET and HEAD for video objects, as a shared cache (RFC
// 9111, see "HTTP caching"), with HTTP/1.1 semantics a player relies on:
// 200, 206 (single ranges, and multipart/byteranges for several), 304,
// 412, 416, Accept-Ranges, ETag and Last-Modified carried from the
// origin, If-None-Match / If-Modified-Since / If-Match /
// If-Unmodified-Since / If-Range, keep-alive, and an X-Cache header naming
// the tier that served (HIT-RAM, HIT-DISK, MISS). Every error answer of
// the public and peer listeners (a bad target or token, a refused method
// or body, missing peer credentials, an unsatisfiable range, an origin
// failure, a request fasthttp could not parse) takes its status and
// reason from one function, statusFor (errors.go); the admin API answers
// JSON errors of its own. Request targets become cache keys through
// cachekey: "..", encoded slashes, NUL and over-long paths are 400 and
// never reach the origin; the query string is not part of the key
// (signed-URL tokens and players' cache-busters must not split a
// segment's cache), except on paths whose policy rule has the query flag
// ('/api/*=rfc,query', querykey.go): there the query, as sent, is part of
// the key and goes to the origin, and so it is in the keys an unsafe
// method's Location and Content-Location name and in the admin API's
// key=.
//
// Imports: its leaf packages cache/httprange, cache/stream,
// cache/ramtier, cache/memfile, cache/disktier, cache/accesslog,
// cache/freshness, cache/policy, cache/vary, cache/peer (the peer miss
// header) and cache/evloop (the event loops); internal/cachekey,
// internal/urlsign, internal/admin, internal/connlimit, internal/rawsock; origin for the object model; fasthttp,
// client_golang; golang.org/x/sys/unix for cachestat(2) (pagecache.go).
// It declares the interfaces it needs from an origin
// (Origin, and Forwarder for unsafe methods). The disk tier is injected
// (Deps.Disk) and may be absent.
//
// # Structure
//
// Server is the public type: configuration, listeners (Serve, ServeTLS,
// ServePeer), the admin API and the lifecycle. It composes three layers,
// each a type whose doc comment says what it owns and what it does not:
//
//	handler  the HTTP protocol: request parsing, cache key, Range,
//	         conditionals, header fields, bodies, access log, response
//	         metrics; unsafe methods and CORS. handler.go, respond.go,
//	         body.go, conditional.go, forward.go, cors.go, urls.go,
//	         cachestatus.go.
//	tiers    the lookup across the RAM tier, the disk tier, versions and
//	         variants: find(query) returns one result (source, tier,
//	         version, offset, outcome, error), judged fresh, stale or to
//	         revalidate; promotion and purges. lookup.go, stale.go,
//	         versions.go, variants.go, promote.go, purge.go.
//	flights  the miss path: fetches in flight and the requests that join
//	         them, origin requests, what is stored and under which key,
//	         RAM admission, write-through, revalidation. flights.go,
//	         fetch.go, admit.go, writethrough.go.
//
// Calls go down only: handler → tiers → flights (TestLayersPointDown).
// The flights write what they fetched into the RAM and disk tiers,
// versions and vary specs that tiers owns and lends them, but never call
// the lookup. A slice as a response reads it is a source (source.go): a
// RAM slice (object.go, beside meta, the version it belongs to), a disk
// file (diskslice.go) or a fetch. A version's stored state and the rules
// that derive its freshness are in stored.go.
//
// How a request flows, by the files whose code runs for it (counted with
// coverage of one request on loopback):
//
//	RAM hit   handler.go (target, key, directives) → lookup.go (find,
//	          cached) → respond.go (headers, the body, metrics, log) →
//	          conn.go (the header held, one writev); beside them
//	          urls.go, cors.go, conditional.go, object.go (the slice's
//	          bytes), stored.go (Age), metrics.go. 10 files.
//	disk hit  the same with diskslice.go (the file, read or sent),
//	          sendfile.go (the held descriptor), versions.go (the
//	          record's version) and promote.go (a hit counted towards
//	          promotion). 14 files.
//	miss      handler.go → lookup.go → flights.go (join or start) →
//	          fetch.go (the origin request) → admit.go with object.go,
//	          mime.go, stored.go, versions.go, variants.go (the answer's
//	          version, whether and where it is stored) → writethrough.go;
//	          respond.go and body.go stream it to the client. 17 files,
//	          as before.
//
// # Tiers
//
// A slice is looked up in the RAM tier, then the disk tier, then the
// fetches in flight, and only then fetched. A fetched slice is offered to
// the RAM tier (admission decides) and written through to disk while it
// streams: the disk writer is one more reader of the fetch's buffer. RAM
// eviction never loses what is on disk. A disk hit is promoted when it
// brings the slice's hit counter in the disk's eviction table to 2 (its
// 2nd hit since stored, again after each move to S3-FIFO's main queue):
// read (and verified) in the background and offered to the RAM tier.
//
// # Disk layout: one file per slice, Pebble as the index
//
// Measured on the 2-core loopback machine (make bench-layout; writes of
// 150 × 4 MiB and 4000 × 16 KiB into a fresh directory, then every object
// sent to a loopback socket; single runs, write figures swing ±2× with the
// kernel's dirty-page writeback):
//
//	                 write 4 MiB   send 4 MiB   write 16 KiB   send 16 KiB
//	file per slice   0.5–1.6 s     1.5 GB/s     0.8 s          0.81 GB/s
//	one slab file    0.1–1.4 s     1.8 GB/s     0.07 s         0.89 GB/s
//	Pebble values    2.1–3.9 s     1.8 GB/s     0.37 s         0.63 GB/s
//
// Pebble values write 2.5–5× slower (every byte goes through the WAL and
// again through flushes and compactions) and cannot be sent with
// sendfile. Slabs write as fast as files and send 10–20 % faster, but
// need their own space allocator and compaction to reuse evicted space,
// and a torn slab write is harder to contain. Files per slice make
// eviction an unlink, visibility an atomic rename, and the sendfile path
// trivial; the open/close per hit is their cost (nginx pays it too). So:
// one file per slice under data/aa/bb/, named from a hash of the key and
// a random generation (a rewrite never replaces a file a reader holds),
// and Pebble as the index: key → file, extent, origin metadata, CRC-32C
// per 64 KiB chunk, stored-at, pinned; beside it, keys from the hash of
// the slice key and from the data file back to the slice key (eviction
// and the orphan sweep use them; cache/disktier/entry.go).
//
// # Disk eviction: S3-FIFO, chosen by measurement
//
// The disk tier evicts with S3-FIFO over 64-bit key hashes
// (cache/evict.Compact, about 50 bytes of memory a slice): on the
// simulator's VOD trace it serves 0.01–0.08 more of the bytes than the
// sampled LFU-DA it replaced, at every cache size (figures in
// cache/evict's documentation), and LFU-DA's table of key strings cost
// 104 bytes a slice before the key's own. LFU-DA had been chosen over
// LRU and GDSF on a Zipf workload; its figures, kept for the record:
//
// Byte hit ratio on a Zipf workload with a cache of 10 % of the catalogue
// (go test -v -run PolicyHitRatios ./cache/evict/; 20,000 objects of
// 200 KiB–4 MiB, 300,000 requests):
//
//	                 α=0.8 byte / object hit    α=1.0 byte / object hit
//	exact LRU        0.414 / 0.451              0.645 / 0.699
//	sampled LRU      0.413 / 0.450              0.644 / 0.698
//	sampled LFU-DA   0.465 / 0.501              0.680 / 0.730
//	sampled GDSF     0.438 / 0.541              0.664 / 0.752
//
// LFU-DA serves 5–12 % more bytes than LRU; GDSF wins on object hits by
// favouring small objects, but offload is counted in bytes. Sampling 16
// entries per victim matches exact LRU within 0.001.
//
// # Integrity and restart
//
// An object becomes visible only after its file is renamed into place and
// its index record committed; half-written temp files are deleted at
// start-up and unindexed data files swept once the index is loaded. The
// first read of each slice after start-up, and 1 % of later reads, go
// through a verifying reader that releases a chunk only after its CRC-32C
// matched; a mismatch evicts the slice and cuts the response (a client
// never gets a wrong byte). Other reads on plain TCP are sent with
// sendfile(2) from a descriptor the disk tier holds open, its file
// found as long as its record when opened and by an fstat at least once
// a second after (a shorter file is evicted and refetched; one cut
// since its last check is found by the send, which cuts the response
// and evicts the slice); on other connections (TLS) up to 32 KiB is
// read with pread into fasthttp's pooled body buffer and leaves with the
// header in one write (see "Disk hits" for what each choice measured). Before the open-file
// cache and the record cache, a small hit's pread path moved the edge
// from 0.45× to 0.48× nginx (28.8k → 31.5k req/s; nginx 64–66k) and
// the record and open-file caches (cache/disktier's doc) to 0.57–0.61×
// (38.0k vs 62.0k req/s in the better of two runs). fasthttp's own
// static file server (fasthttp.FS, the bench's fasthttp-bare peer)
// reached only 0.66–0.73× nginx in the same runs.
// A background scrubber verifies everything at a bounded rate. After a
// restart the node serves disk hits at once (100,000 slices: first hit
// 0.024 s after process start, eviction table loaded after 0.28 s; make
// bench-restart); no segment data is read at start-up.
//
// # Disk hits: what each step bought
//
// Measured on the 2-core loopback machine, the edge on CPU 0 with the
// RAM tier off and nginx (sendfile, tcp_nopush, one worker) beside it
// on the same files, wrk -t1 -c64 on CPU 1; CPU per request from the
// processes' utime+stime and wrk's task-clock, alternating 3–4 s runs,
// while other jobs kept the load average at 20–24 (so throughputs of
// those runs mean little; costs per request move less). The pinned
// tables are in bench/results/2core-loopback/pinned-short.md.
//
// Why the 2 MiB disk hit left the server idle (14 % of its CPU while
// wrk was at 100 %, 0.51× nginx): the edge was waiting for the
// receiver. On one core wrk is the bottleneck at 2 MiB, and what the
// edge sent cost wrk more per byte than what nginx sent: fasthttp
// flushed the header in a segment of its own and Go's sendfile pushed
// the body (TCP_NODELAY, no cork) as it went, where nginx corks header
// and body into full segments (tcp_nopush). wrk spent 1,450–1,540 µs
// per 2 MiB response from the edge against 1,050–1,220 from nginx, and
// nginx with tcp_nopush off cost it the same 1,430–1,560 as the edge;
// the edge's sendfile calls blocked on a full socket, hence its idle
// CPU. Not the cause: the scrubber, a lock, a small write buffer (a
// sendfile call sent up to the whole 2 MiB; strace counted one per
// response).
//
// Step 1 and 2, sendfile from held descriptors, corked (sendfile.go,
// cache/disktier Held): a disk hit above 32 KiB on a plain TCP
// connection takes its data file's descriptor from the tier's open-file
// cache (disktier.Store.Hold: no open, and an fstat with no allocation
// checks the length), corks the socket (TCP_CORK), lets fasthttp flush
// the header into it (ImmediateHeaderFlush), and sends the body with
// sendfile(2) at an explicit offset, which never moves the shared file
// position, so concurrent responses share the descriptor; closing the
// body uncorks. Go's own sendfile path (net.TCPConn.ReadFrom) needs an
// *os.File or a LimitedReader over one and sends from the file
// position, so a shared descriptor cannot use it (io.SectionReader is
// not recognised): the body calls sendfile itself through the
// connection's RawConn, whose Write waits on Go's poller and honours
// the write deadline. Syscalls for a 2 MiB hit: openat, fcntl, fstat,
// lseek, write, sendfile, close before; fstat, setsockopt, write,
// sendfile, setsockopt after. wrk's cost fell to 1,130–1,450 µs per
// response (nginx 1,100–1,350 in the same runs). TLS connections keep
// the file path (Go encrypts what it reads).
//
// Verification and zero copy: bytes sent with sendfile never pass
// through the process, so they cannot be checked as they go. A slice's
// data file is written once under a fresh name and renamed into place,
// so its bytes only change by rot. The first read of a slice after
// start-up goes through the verifying reader and sets the slice's
// verified bit in the eviction table (kept in memory, lost on restart);
// only slices with the bit set are sent zero-copy, 1 % of later reads
// are verified again, and the scrubber reads everything at a bounded
// rate. A mismatch evicts the slice. A file shorter than its record is
// caught before the header by the length check at its open, or by the
// fstat a hit makes once the last check is a second old (step 8): the
// slice is evicted and refetched. One cut since its last check, or
// while being sent, makes sendfile stop short, and
// the response is cut (its Content-Length unmet, the connection
// closed) and the slice evicted: a corrupt or short slice is never
// served as complete (TestCorruptDiskBytesAreNeverServed,
// TestShortDiskFileIsRefetched, TestDiskHitsShareHeldDescriptors).
//
// Step 3, fewer syscalls and less work per small hit: up to 32 KiB a
// hit is read with pread into the response's buffer and leaves with the
// header in one writev (the request's read, the next read's EAGAIN,
// pread, writev: four syscalls); above, the corked sendfile. The
// server's CPU per request: 16 KiB 22–23 µs read against 23–28 µs
// sent, 48 KiB 35–37 µs read against 28 µs sent (nginx 11–16 and
// 13–19), so the threshold went from 64 to 32 KiB. A profile of 16 KiB
// hits then showed 16 % of the CPU rebuilding the version's meta from
// the disk record on most hits (decoding the stored state, deriving
// freshness): versions holds weak pointers and with no RAM copy nothing
// kept a disk-only version alive between its hits. versions.recent now
// keeps the last 4,096 disk versions alive (16,384 since: step 8); recordMeta fell to 3 % of
// the profile, though the CPU per 16 KiB hit, 23–24 µs against 23–30
// before in the same runs, moved less than the noise. What is left of
// a small hit is mostly the syscalls: the
// pread (its 16 KiB copy) is a quarter of the CPU and the writev a
// third.
//
// Pinned, before against after in back-to-back runs (5 rounds each,
// bench/results/2core-loopback/pinned-short.md; other jobs took most
// of the machine in most rounds, so the fair figures are CPU per
// request and the rounds they left alone): 2 MiB 0.58× nginx by the
// medians before, 0.95–0.99× after; in quiet rounds 0.63× with the
// edge at 17 % CPU before, 0.81–0.95× at 66–73 % after, its CPU per GiB
// now nginx's (0.25–0.29 s against 0.22–0.25). 48 KiB: 0.343 → 0.257–
// 0.269 CPU-s per 10k requests, 0.54× → 0.65–0.77× nginx by the medians,
// 0.80–0.98× in quiet rounds. 16 KiB is where it was, 0.22–0.26 CPU-s
// per 10k requests against nginx's 0.10–0.13 (0.55–0.64× in quiet
// rounds): the ≥ 1.0× target is not met for small disk hits.
//
// Step 4, sendfile for every disk hit on plain TCP (respond.go): pinned
// on a quiet machine, step 3's pread + writev lost after all. 16 KiB
// disk hits, the same edge with and without it in one run: 1.13× as
// many per second (0.144 against 0.164 CPU-s per 10k requests), and
// 1.19× in a second run (0.159 against 0.190). Pread's copy of the body
// costs more than the cork's two setsockopt and the header's own write.
// Pread + writev stays for small hits on connections without sendfile
// (TLS).
//
// Step 5, 64 KiB sendfile calls (sendfileChunk in sendfile.go): a
// profile of 2 MiB disk hits spread the CPU over 12 threads (the
// largest 27 %), against 99 % on one thread for 16 KiB hits: a single
// sendfile of 2 MiB (about 600 µs) outlasted sysmon's tick and lost the
// P every time, and the next body started on another thread while the
// first was still being sent. In 64 KiB calls one thread keeps the P
// (241 of 285 ticks in a 4 s run against at most 57 of 300 before).
// What it buys is less clear than why: in two pinned runs of the same
// edge with and without it, 2 MiB disk hits went 1.08× (7 rounds, CPU
// per GiB 0.364 against 0.413) and 0.90× (5 rounds, 0.349 against
// 0.313), with the p99 lower in both (142 against 188 ms, 103 against
// 132 ms). Kept for the p99 and for not sending bodies from a dozen
// threads at once.
//
// Step 6, the header held on the connection (conn.go): the edge's
// plain TCP connections are a net.Conn of its own under fasthttp
// (clientConn), which keeps the header fasthttp flushes and lets the
// body send it: a disk hit is now sendmsg(header, MSG_MORE) and
// sendfile, two syscalls where cork, write, sendfile and uncork were
// four (nginx: five). Same run, the edge with and without it (and with
// step 7 below): 16 KiB disk hits 1.10× (0.155 against 0.172 CPU-s per
// 10k requests), 48 KiB 1.01×, 2 MiB 1.06× (0.363 against 0.423 CPU-s
// per GiB), the player mix 0.98× (0.552 against 0.610 CPU-s per GiB).
//
// Where disk hits stand (the quiet pinned run of 2026-12-06, edge at
// d60d3d7): 16 KiB 0.67× nginx, 48 KiB 0.95×, 2 MiB 0.89×, the player
// mix 0.94×; after step 6, in a noisier run: 0.77×, 0.87×, 0.92× and
// 0.81× (bench/results/2core-loopback/pinned-short.md, "Run 3"). fasthttp.FS (the fasthttp-bare peer from disk) in the same
// run: 0.88×, 0.94×, 0.57× and 0.91× nginx. At 48 KiB and above the
// edge serves as much as the library's own file server or more (2 MiB:
// its corked sendfile against fasthttp.FS's uncorked one); at 16 KiB it
// is 0.76× of it (0.159 against 0.116 CPU-s per 10k requests): about
// 4 µs of the edge's own work per hit, as for RAM hits ("Small hits"
// below).
//
// # Small hits: where the CPU goes (issue 17, hit-path efficiency)
//
// Profiled with the edge on CPU 0 and wrk -t1 -c64 on CPU 1 over 2,000
// objects of 16 KiB, RAM hits and disk hits (RAM tier off), the whole
// process with perf record -g (kernel, runtime and Go), syscalls with
// strace -c -f and perf stat on the syscall tracepoints, nginx's worker
// with strace -c -p. Other jobs held the machine (load average 16–25)
// and everything ran at nice 19, so the shares below are of the edge's
// own samples, not speeds.
//
// Syscalls per response, named:
//
//	RAM hit           read (the request), read (EAGAIN: fasthttp asks
//	                  for the next request at once), writev (header and
//	                  body from the cached array)                       3
//	disk hit ≤ 32 KiB the two reads, pread (into the response's
//	  (until step 4)  buffer), writev                                   4
//	disk hit          the two reads, fstat (the held file is still its
//	  (until step 6)  record's length), setsockopt (cork), write (the
//	                  header), sendfile, setsockopt (uncork)            7
//	disk hit          the two reads, fstat, sendmsg (the header,
//	  (until step 8)  MSG_MORE), sendfile                               5
//	disk hit          the two reads, sendmsg (MSG_MORE), sendfile
//	                  (the fstat once a second per open file)           4
//	nginx, any size   recvfrom, setsockopt (cork), writev (the header),
//	                  sendfile, setsockopt (uncork)                     5
//
// Shared by many responses: epoll_pwait 0.10–0.14 per response (nginx
// epoll_wait 0.03), the runtime's nanosleep 0.14 (sysmon's ticks; 0.43
// under strace, which slows everything) and futex 0.04 (threads handing
// the one P over), the access log's write one per 60 KiB of lines
// (0.004–0.02 per response), and for 1 % of disk hits the sampled
// verification's openat, fcntl, fstat, read and close. Context switches:
// 0.28 per response. So a small hit makes fewer syscalls than nginx's;
// what it pays more for is elsewhere.
//
// Where the CPU went (perf, share of the edge's samples):
//
//	                            RAM 16 KiB   disk 16 KiB
//	writev (kernel TCP send)       33 %         25 %
//	  of which the body's copy     13 %          7 %
//	pread (page cache copy)         —           17–20 %
//	the two reads                  10 %          9 %
//	sysmon (usleep, futex)         10 %          9 %
//	scheduler (park, netpoll)       8 %          5 %
//	handler: lookup               6.5 %          9 %
//	handler: headers, metrics,
//	  access log record            5 %           4 %
//	access-log writer               3 %          2 %
//	disk scrubber                   4 %          —
//	GC and allocation             1–2 %        1–2 %
//
// The handler alone costs 0.87 µs of CPU per 16 KiB RAM hit and 2.0 µs
// per 16 KiB disk hit including its pread (the path before step 4;
// BenchmarkHandlerHit,
// BenchmarkHandlerDiskHit, thread CPU), against 11.6 µs and 15.4 µs per
// response for the whole process in the first quiet pinned run: the
// handler is under a tenth of a small hit. The rest is the kernel's
// send and receive, the copies (the body into the socket; for a disk
// hit, the page cache into the buffer first), and Go's way of waiting:
// the EAGAIN read, parking the goroutine and finding it again through
// netpoll, and sysmon waking every 20 µs while the P keeps entering
// syscalls. The candidates the issue named were checked against this:
// the metrics are resolved once (metrics.go's per-tier and per-status
// cells), the access log is encoded by its own goroutine into 60 KiB
// writes without fmt or time.Format, header fields are set from the
// meta (28 ns each), the lookups are a map and a ristretto shard each.
// None of them is more than a few per cent, so none can close a gap of
// 30–50 %.
//
// What that left, measured pinned on a quiet machine (2026-12-06, the
// tables in bench/results/2core-loopback/pinned-short.md):
//
//   - The pread copy of small disk hits: gone. On plain TCP every disk
//     hit is sent with sendfile (step 4 of "Disk hits").
//   - sysmon: in a quiet pinned profile of 16 KiB RAM hits it does not
//     show, and 99 % of the samples are on one thread. It mattered
//     for long syscalls: a 2 MiB sendfile lost the P every time, and
//     bodies went out from a dozen threads taking turns on the CPU;
//     sendfile now goes in 64 KiB calls (step 5). A 2 MiB RAM hit's
//     writev stays on one thread as it is (the socket takes part and
//     the goroutine waits for the rest); writing it in 64 KiB pieces
//     instead served 30–40 % fewer (measured, not kept).
//   - GOMAXPROCS=2 on the one CPU: no gain (1.02× and 0.94×), so 1,
//     the runtime's default from the affinity mask.
//   - The EAGAIN read and the park that follows: Go's poller reads
//     first and waits on EAGAIN, and its readiness is reset before each
//     read, so a wrapper that waited for readiness first could miss an
//     edge that came before and hang. nginx reads only after epoll says
//     so. Not removable below fasthttp without a poller of our own.
//   - The header's own syscalls on a sendfile hit (two setsockopt, a
//     write): gone (step 6 of "Disk hits"). fasthttp writes a RAM hit's
//     header and body in one writev only on a *net.TCPConn (its
//     vectorWriter), so with a connection of the edge's own a RAM hit's
//     body (memBody) sends the held header and itself in one writev.
//   - The fstat of a held descriptor on each disk hit: it turned a data
//     file cut after it was opened into a refetch instead of a cut
//     response. Step 8 makes it once a second per open file
//     (disktier.Config.SizeCheck).
//   - A RAM hit's body copy (18 % of a 16 KiB RAM hit's CPU; nginx
//     sends page-cache pages): the memfd RAM tier below avoided it then
//     only for large slices, one memfd each, sent through an opened
//     file: at 16 KiB that path served 40 % fewer than writev (now
//     slices of 32-96 KiB, sent by the loops from the held descriptor). The best
//     zero-copy design was tried as a prototype outside the tree:
//     fasthttp with a listener whose connections hold back the header
//     fasthttp flushes, the whole corpus in one memfd, and each body
//     sent as the held header with MSG_MORE followed by sendfile (two
//     syscalls, no copy), against fasthttp-bare (one writev, a copy)
//     and nginx, pinned, 4–5 alternating rounds of 4 s. It cost the
//     server about the same per 16 KiB response (9.4–12.3 µs against
//     9.5–10.4) and 10 % less per 48 KiB one (11.1 against 12.3 µs),
//     but served fewer (16 KiB 71–95k/s against 94–102k/s; 48 KiB
//     67–74k/s against 73–74k/s): on loopback the receiver pays more
//     for bodies sent from pages, and wrk on its own CPU was the limit
//     at 97–102 %. So zero-copy small hits would not raise requests/s
//     in these tables; they save server CPU only from about 48 KiB up.
//
// The ceiling: fasthttp-bare (a fasthttp server handing out the
// corpus's bytes from a map, nothing else) measured in the same pinned
// run served 1.13× nginx at 16 KiB and 1.20× at 48 KiB from memory,
// and the edge 0.74–0.75× of fasthttp-bare: 0.130 CPU-s per 10k 16 KiB
// RAM hits against 0.094, so the edge's own work is 3.6 µs of a 13 µs
// hit. In the quiet profile that is the handler (15 %: lookup in the
// RAM tier's map and ristretto 5.7 %, setting the response fields
// 3.9 %, metrics and the access-log record 2.4 %, the URL check 0.9 %),
// the three deadlines fasthttp sets per request (a read deadline before
// and after the first byte, the write deadline: 3.6 %, one timer
// modification each), the access-log writer (3.3 %) and clock reads
// (3 %). No one of them is more than a few per cent; together they are
// the 25 % by which the edge trails the library. On disk hits the
// library itself is the limit: fasthttp.FS trailed nginx too (see
// "Disk hits").
//
// Step 7, trimming the edge's own work (option (a) of the last report):
//
//   - Deadlines (conn.go): fasthttp's three per request now only record
//     the time wanted; the socket gets it before I/O that could block,
//     when the one armed is earlier or more than a second later (an
//     eighth of a shorter timeout), so a busy connection moves its
//     timers about once a second. A connection times out up to that
//     slack late (TestIdleKeepAliveConnectionIsClosed).
//   - The access log (cache/accesslog): a mutex-guarded queue instead of
//     a channel, drained every 2 ms while busy, and encoding without
//     floats or per-byte string escapes (266 → 166 ns per record).
//
// In a profile of 16 KiB RAM hits the timer updates (3.5 %) are gone
// and the access log fell from 5 % to about 2.6 %, but the RAM hit's
// body now goes through fasthttp's body-stream path to get its one
// writev (about 1 %), and the edge's user-space CPU per request fell by
// about a sixth in three alternating perf rounds. Requests/s did not
// move measurably: the same edge with and without steps 6 and 7 in one
// run, 16 KiB RAM hits 1.01× (5 rounds), 0.98× (7), 0.98× (9 rounds,
// per-round ratios 0.79–1.10) and, the final build on a quieter host,
// 1.02× (7 rounds, 0.99–1.19; 0.141 against 0.147 CPU-s per 10k);
// 48 KiB 1.04× and 0.99×. 16 KiB disk hits in that last run: 1.19×
// (1.03–1.30; 0.187 against 0.215). The kernel's share, three
// fifths of a small hit and the noisiest part on this shared machine,
// is the same for both.
//
// Step 8, disk hits (perf of 16 KiB disk hits, then one change at a
// time against the edge without it, on the rig of step 7):
//
//   - The fstat per hit (6 % of the CPU: the syscall and the
//     filesystem's getattr) is made once a second per open file
//     (disktier.Config.SizeCheck); the length is still checked when a
//     file is opened, and a file cut since its last check is found by
//     the send, which ends short: the response is cut and the slice
//     evicted, as for a file cut while it is sent.
//   - A decoded record remembers its entry in the open-file cache, so
//     a hit finds its descriptor without the cache's map (1.4 %: the
//     map's hash and the key compare, both cache misses), and the
//     descriptor is kept as an int (os.File.Fd was 0.8 %).
//   - The version of a disk slice is taken from versions.recent without
//     the lock, the map or the weak pointer when the slot holds it and
//     it is not superseded (1.6 %), with 16,384 slots instead of 4,096
//     (2,000 keys collided in 39 % of them) and maphash for the slot.
//     It relies on a version no longer current never being
//     unsuperseded: a 304 for a version a newer one replaced during the
//     revalidation had done that (versions.refresh now keeps it
//     superseded), which also let that version's RAM slices answer
//     beside the newer one's.
//   - The sendfile closure and the verified read's 64 KiB buffer for a
//     16 KiB slice were allocated per hit: the first is made once per
//     connection, the second is as long as the slice.
//   - A body of more than one sendfile call is corked (sendfile.go:
//     each call's tail left as a runt segment). 2 MiB: 1.10× the same
//     edge uncorked (7 rounds, per round 1.00–1.27; 0.211 against
//     0.241 CPU-s per GiB). Corked, one sendfile call for the whole
//     2 MiB (nginx's sendfile_max_chunk) cost the server less per
//     response on the rig (403–469 against 464–751 µs) but lost in the
//     bench: 2 MiB 0.94× (per round 0.81–1.28) and the player mix 0.93×
//     with a p99 1.6× longer (bodies sent in one call hold the one CPU
//     for 400 µs each). The chunk stays 64 KiB.
//
// All of step 8 against the edge before it (b630544), one run, 7
// rounds (bench/results/2core-loopback/pinned-short.md, "Run 4"):
// 16 KiB disk hits 1.21× (per round 1.18–1.26; 0.100 against 0.124
// CPU-s per 10k), 48 KiB 1.03× (0.95–1.06), 2 MiB 1.08× (0.86–1.24),
// the player mix 1.12× (1.07–1.20). Against nginx in the table of the
// same run: 16 KiB 0.90× (0.77 in run 3), 48 KiB 1.01× (0.87), 2 MiB
// 0.94× (0.92), the player mix 1.00× (0.81); at 16 KiB the edge now
// serves as many as fasthttp.FS (1.01×), the library's own file server.
//
// Step 9, a body in the page cache sent in raw calls (sendfile.go,
// pagecache.go, rawsys.go). On the host of 2026-12-07 (2.5× slower per
// request than the one of steps 1–8: nginx served 43k 16 KiB disk hits/s
// against 104k), perf stat of the two processes on 2 MiB disk hits
// gave the edge 410–433 µs of CPU per response and nginx's worker
// 250–254. nginx sends a 2 MiB body in one sendfile call (1.03 calls
// per response: its socket takes it all); the edge made 35 (32 chunks
// of 64 KiB and 3 that found the socket full), each with the runtime's
// entry and exit around the kernel's, and 1.4 % of CPU 0 was the
// return from those syscalls alone. A longer call through the
// scheduler loses its P to sysmon (step 5). So a body of more than one
// chunk whose bytes are all in the page cache (cachestat(2), one
// syscall, Linux 6.5 and later) is now sent with sendfile made as a raw
// syscall, up to 2 MiB per call: the thread keeps its P, as nginx's
// worker keeps its CPU, and no disk read can make it wait. A body not
// all cached, or on a kernel without cachestat, is sent as before, so
// that a call waiting for the disk gives up its P. Pages evicted
// between the check and the send would make the raw call wait for the
// disk with the P held: a window of microseconds. The bodies are
// counted by the answer (vodedge_edge_disk_sendfile_bodies_total{pages}):
// an operator reads there how often large disk hits found their bytes
// in the page cache. A garbage collector's stop of the world waits for
// a raw call to return: at most one 2 MiB call (about 240 µs on that
// host).
//
//   - The rig, 3 alternating 4 s rounds: 232–246 µs per 2 MiB response
//     (nginx 250–254 in the same rounds, the edge before 410–433).
//   - CPU 0 as a whole (/proc/stat: the edge, and the softirq work of
//     loopback's delivery done there): 340–420 µs per response, before
//     382–444, nginx 390–461. The process's own CPU leaves that work
//     out, and nginx's worker leaves more of it on CPU 0 (softirq 39–57
//     ticks per round against the edge's 32–47), so per-process
//     figures flatter nginx at 2 MiB: the bench now prints the pinned
//     CPUs' whole busy time beside them.
//   - The bench, the committed build against the one before, 7
//     rounds: the player mix 1.07× (per round 1.08, 1.00–1.11), CPU 0
//     0.485 against 0.508 CPU-s per GiB; 2 MiB 0.96× (wrk at 100 % in
//     every round: the rate is wrk's), CPU 0 3.85 against 4.31 CPU-s
//     per 10k responses. An earlier A/B of the same calls without the
//     cachestat check: the mix 1.04×, 2 MiB 0.97×. The 2 MiB p99 went
//     0.94× in one and 1.71× in the other; the edge's was already 2.4×
//     nginx's on that host before the change (pinned-short.md, run 5).
//   - Against nginx in run 5's table, by CPU 0 as a whole: 0.89× as
//     many 2 MiB disk hits per busy CPU-second (4.44 against 3.97 CPU-s
//     per 10k), where the rig had put them level: not yet proven even.
//
// Step 10, syscalls below the scheduler (rawsys.go, conn.go): the
// hit's other socket calls are raw too. perf trace of the edge under
// 2 MiB disk hits on the 2-core loopback host (4 s at 709 responses/s,
// the edge about 25 % busy) showed, per response, 3.0 nanosleeps,
// 0.49 futex calls and 0.18 sched_yields in sysmon, and 0.37 futex
// calls in the threads that sent the bodies, which took turns (three
// of them made the sendfile calls). The cause is in
// the runtime: an edge waiting on its clients leaves its P idle, sysmon
// then sleeps on a futex, and the next syscall made through the
// scheduler (entersyscall) wakes it and resets it to polling every
// 20 µs for at least a millisecond; every such wake is a context switch
// on the one CPU the edge has. The request's read, the header and
// body's writev for a RAM hit, the header's send with MSG_MORE, the
// cork's setsockopt and cachestat are now RawSyscalls: each is on a
// non-blocking socket (or walks the page cache) and returns at once,
// and RawConn still waits for the socket in Go's poller. A body not in
// the page cache, the verifying reads and everything that may wait for
// a disk still go through the scheduler. After, per response (4 s at
// 531 responses/s): 0.79 nanosleeps and 0.17 futex calls in sysmon,
// 0.06 futex calls in the senders, one of which made 73 % of the
// sendfile calls.
//
//   - CPU, the bench, the new build against the one before (pinned,
//     responses per busy CPU-second, same run): RAM 16 KiB 1.07× and
//     1.00×, 48 KiB 1.11× and 1.15×, 2 MiB 1.02× (runs of 7 rounds;
//     requests/s 0.95–1.05×); disk 16 KiB 0.79× and 0.99×, 2 MiB 0.92× and 1.10×, the
//     player mix 1.03×, 48 KiB 1.03× (runs of 5 and 7 rounds). The
//     rig's process CPU per 2 MiB disk hit: 0.77–0.86× in four
//     alternating rounds, then level in four more. So: fewer wakes and
//     thread switches, measured; a CPU gain on 48 KiB RAM hits in two
//     runs, and none shown elsewhere beyond this host's noise
//     (bench/results/2core-loopback/pinned-short.md, run 8).
//
// # Event loops: fresh hits without a goroutine per connection
//
// With Config.EventLoops above 0 (--event-loops N; the edge command's
// default is one per CPU it may use, DefaultConfig's 0), the public plain-TCP
// listener feeds cache/evloop instead of fasthttp's server: N epoll loops
// of the edge's own, each one goroutine that keeps its P while it is
// busy, below fasthttp (its
// RequestCtx and this package's handler stay the HTTP layer). A loop
// reads a connection's requests with raw read calls, parses each header
// block with fasthttp's parser into the loop's one RequestCtx and calls
// handler.handleLoop, which asks the lookup for a fresh hit found in
// memory only (query.inLoop: tiers.loopHit). What the handler can answer
// without waiting it answers there: a fresh RAM slice holding the bytes
// asked for (whole, one range, HEAD), a fresh disk hit whose bytes are
// in the page cache (below), a 304 or 412, and the errors that need no
// cached data (400, 403, 416 among them); the loop writes the header and
// the slice's bytes with one raw writev and keeps a reference to the
// slice when the socket is full. A RAM slice kept in a memfd (32-96 KiB
// by default, "Zero-copy RAM hits") is sent as a disk hit's file is:
// the header with MSG_MORE, then sendfile from the memfd's descriptor,
// held until the loop is done with it (loopmemfd.go).
//
// A disk hit is the loop's only when nothing on its way can wait for a
// disk (loopdisk.go): its record is in the disk tier's record cache
// (disktier LookupResident, which never reads the index), its data file
// is open already (HoldOpen), and its bytes are in the page cache, as
// cachestat(2) says (or said of the whole file less than a second ago:
// cachedInLoop, below); the loop then sends them
// after the header (send with MSG_MORE, the socket corked above 64 KiB)
// with raw sendfile calls (evloop.File, loopFile), as heldBody does on
// fasthttp's side. A read sampled for verification (the first since
// start-up, then 1 %) of a slice of up to 256 KiB all in the page cache
// is verified in the loop (verifyInLoop: read whole with
// preadv2(RWF_NOWAIT), checked with disktier Held.Verify, sent from the
// response's buffer). One that fails is evicted (on a goroutine: the
// eviction writes the index) and handed off, to be fetched again: the
// other path verifies only the chunks a range covers, and might miss
// the rot. A larger slice's, or one not all in the page cache, is
// handed off and stays sampled until verified there (KeepSample), so
// the sample is neither lost nor drawn twice. Where cachestat is missing
// (Linux before 6.5), a body
// of up to 32 KiB is read with preadv2(RWF_NOWAIT), which fails rather
// than wait, into the response's buffer and leaves with the header in
// one writev, and larger ones are handed off. Data files are opened
// O_NOATIME (disktier OSFS.Open): every read and sendfile would check
// the access time otherwise.
//
// Anything else — a miss, a disk hit that could wait, a stale or
// revalidated copy, a body that spans slices, multipart ranges, a
// request with a body, not HTTP/1.1, the client's own Cache-Control when
// the edge honours it, Authorization — is handed off: the loop gives the
// socket and the bytes it read to fasthttp's server (handOffListener,
// clientConn.pre). Once fasthttp's server has answered a GET or HEAD on
// such a connection, keep-alive and HTTP/1.1, it gives the connection
// back (handler.toLoop: ctx.Hijack, then evloop's Resume, with the
// bytes fasthttp's reader held of it), so that a player that met one
// miss, or one disk read sampled for verification, has its next hits
// answered by a loop again; the connection stays counted against the
// limits throughout (Server.connState). Nothing is counted or logged
// for a request the loop hands off; fasthttp's side counts it once. The
// RAM tier's own hit and miss counters, and its admission sketch, see
// such a request's RAM lookup twice (a disk record is counted only when
// found in memory, so once).
//
// The loops apply IdleTimeout and WriteTimeout themselves (a response
// that has to wait for the socket must be out within WriteTimeout plus
// its size at MinClientRate, as on fasthttp's side) and hand a request
// header not whole within ReadTimeout to fasthttp's server (which cuts
// it with 408 after its own ReadTimeout: up to twice as late as without
// the loops), count
// their connections against MaxConns and MaxConnsPerClient like
// fasthttp's, and drain on Shutdown before fasthttp's server does. TLS
// listeners and the peer listener are fasthttp's as before. Metrics:
// vodedge_edge_loop_responses_total, vodedge_edge_loop_handoffs_total,
// vodedge_edge_loop_resumes_total, vodedge_edge_loop_connections. Handed-off connections reach
// fasthttp's server through a listener of their own (handOffListener),
// so that its Shutdown waits for them as for the others. A busy loop
// keeps its P: it lends it to
// other goroutines (the accept loop, the handed-off connections, misses)
// at most every millisecond, so on a node where the loops use every P,
// fasthttp's connections get the CPU in turns of that order.
//
// Why: the prototype of question (c) (bench/results/2core-loopback/
// evloop) measured 2.3 syscalls per 16 KiB hit against fasthttp's 3.0
// (no read that finds EAGAIN, no park and wake in Go's poller per
// request, several ready connections per epoll_wait) and 7–15 % less
// CPU per response at 16–48 KiB, nothing at 2 MiB.
//
// What it bought in the edge (make bench-compare-evloop, pinned, 7
// rounds, same run; bench/results/2core-loopback/evloop-edge): with one
// loop, responses per busy CPU-second were 1.27× (16 KiB) and 1.24×
// (48 KiB) the same build's without it, 0.97× at 2 MiB and for the
// player mix; against nginx 1.19×, 1.12×, 0.68× and 1.28×, against
// Varnish 1.14–1.62×. Requests/s stayed ties at wrk's limit. A second
// run (after the review's mends, the make target itself): 1.45× and
// 1.29× the edge without the loop at 16 and 48 KiB, 1.02× at 2 MiB and
// for the mix; 1.20×, 1.13×, 0.67× and 1.56× nginx; where CPU 0 was the
// bottleneck (16 KiB) requests/s rose too, 1.44× the edge without the
// loop and 1.17× nginx. An earlier run, with the loop locked to its
// thread, gave 1.16× and 1.21× at 16 and 48 KiB.
//
// Disk hits in the loop (run D, the same make target's second half, RAM
// tier off): per busy CPU-second 1.22× the edge without the loop at
// 48 KiB (1.04× nginx serving the same files with sendfile), and ties
// at 16 KiB (0.98×; 0.94× nginx), 2 MiB (1.00×; 0.70× nginx) and for
// the player mix (0.97×; 0.95× nginx). A small body is copied twice in
// the loop (preadv2, writev) where sendfile copies it never; sending
// 16 KiB with sendfile from the loop instead was a tie (run E). The
// large bodies are the kernel's sendfile and TCP work, which the loop
// does not change. After the warm-up, 1 % of the disk hits were handed
// off: the reads sampled for verification.
//
// With the server's CPU saturated (bench compare --client discard: the
// load client drops bodies in the kernel, so CPU 0, not the client's,
// is the bottleneck at 2 MiB too; bench/results/2core-loopback/
// discard-client), two runs, 7 rounds each, per busy CPU-second against
// nginx and Varnish: RAM hits 1.18/1.03× and 1.67/1.61× at 16 KiB,
// 0.99/1.05× and 1.46/1.65× at 48 KiB, 1.73/1.70× and 1.09/1.07× at
// 2 MiB, 1.11/1.29× and 1.14/1.15× for the player mix; disk hits against
// nginx 0.84/0.90× (16 KiB), 0.90/0.91× (48 KiB), 1.04/0.96× (2 MiB),
// 0.95/1.10× (mix). Under wrk the 2 MiB figures had been 0.67–0.70×:
// wrk's copy of the bodies kept CPU 0 at 14–26 % busy, and that measured
// idling and waking rather than serving. Sending every page-cached disk
// hit with sendfile (no preadv2 and writev copies at 16 KiB) and
// O_NOATIME were a tie in the bench (0.99× and 1.02× the previous build
// at 16 and 48 KiB; +6 % at 16 KiB on the rig): kept as the one path
// that copies nothing. Where a 16 KiB disk hit's CPU went then (perf):
// cachestat 10 % with its entry and exit (its own work, fdget and the
// owner check, about 5 %), fdget on each fd syscall (dearer in a
// threaded process than in nginx's one-threaded worker), the lookup's
// dependent cache misses (recordMeta, the record cache's map) about 5 %.
//
// Then the cachestat itself: the loop takes a data file found whole in
// the page cache as still there for a second (residentFor, kept on the
// open file: disktier Held.MarkCached, CachedWithin) and asks the kernel
// again only after that. On the rig (discard client, CPU 0 saturated,
// three alternating rounds) 16 KiB disk hits took 12 % less CPU each
// than with a cachestat per hit, as little as nginx's (20.6 against
// 20.9 µs of CPU 0 per response, medians); in the bench (run H, 7
// rounds, a noisy run) 1.16× and 1.15× the previous build's responses
// per busy CPU-second at 16 and 48 KiB, a tie at 2 MiB and for the mix,
// and against nginx 0.87× (16 KiB; the per-round ratios' median 0.96),
// 1.08× (48 KiB), 0.91× (2 MiB), 1.06× (mix). The price: a file whose
// pages leave the page cache within that second (reclaim of pages just
// read and sent, which the kernel keeps on its active list; an
// operator's drop_caches or fadvise) is sent by a loop that then waits
// for the disk once; nginx's sendfile takes that risk on every hit.
//
// Then the verification sample: perf of 16 KiB disk hits put 8 % of the
// edge's CPU in the 1.2 % of requests handed off, nearly all of them
// reads sampled for verification (fasthttp's goroutine 4.5 %, the
// hand-off 1.8 %, the loop's fallback 2 %). A small slice's sample is
// now verified in the loop (verifyInLoop, above): on the rig 16 KiB disk
// hits took 16 µs of CPU each against the previous build's 17–18 and
// nginx's 18–19 (three alternating rounds), hand-offs fell to 0.3 % (the
// warm-up's); in the bench (run I, 7 rounds) 1.03× the previous build's
// responses per busy CPU-second at 16 KiB, and against nginx 1.01×
// (16 KiB), 1.00× (48 KiB), 0.97× (2 MiB), 1.07× (mix); run K, the
// same build: 1.19×, 0.97×, 1.00×, 1.01×. The limit was 32 KiB then;
// raised to 256 KiB (verifyInLoopMax: audio segments, small video
// ones), 48 KiB disk hits took 12 % less CPU each on the rig (15–17 µs
// against 18–19, nginx 19–20) and hand-offs fell to 0.15 %; run L:
// 1.06× the previous build at 48 KiB, and against nginx 1.10× (16 KiB),
// 1.14× (48 KiB), 0.98× (2 MiB), 1.09× (mix). A sample of a larger slice
// is still handed off: a 2 MiB copy and CRC would hold the loop's other
// connections for longer than the send it saves.
//
// Why on by default (in the edge command, one loop per CPU): a loop
// answers what a player asks most, hits, for less CPU than fasthttp's
// goroutine per connection (above), and hands off the rest; every
// serving test passes through a loop (TestServingTestsWithEventLoops),
// the whole package passes with VODEDGE_TEST_EVENT_LOOPS=1, and 10-minute
// soaks of a 3-node site with a loop per edge, RAM and disk hits in the
// loop, ended with no errors (bench/results/2core-loopback/
// evloop-edge). Not yet run on more than two cores: where the loops
// take every P, fasthttp's connections and the misses run in the gaps
// the loops leave (at least every millisecond); --event-loops 0 turns
// them off.
//
// Tests: cache/evloop's own over loopback (keep-alive, pipelining across
// a hand-off, partial writes to a slow reader, a body copied before the
// context is reused, timeouts, Shutdown); here, the serving tests run
// again through a loop (TestServingTestsWithEventLoops), and
// VODEDGE_TEST_EVENT_LOOPS=1 go test ./cache runs the whole package so.
//
// # Slices: the unit of fetching and caching
//
// Every object is fetched and cached as aligned slices of SliceBytes
// (default 4 MiB, so a typical segment is one slice and one origin
// request). A request for bytes [a, b] touches only slices a/S..b/S. The
// alternative, streaming the object from its first byte and serving the
// range when the stream reaches it, makes a range deep in a large file
// wait for everything before it. Measured on the 2-core loopback machine
// (go test -run=^$ -bench=RangeFirstByteDeep ./cache/), a 64 KiB range at
// 1.5 GiB of an uncached 2 GiB object:
//
//	sliced (4 MiB slices)      4.3 ms
//	stream from the start    738 ms   (reading 1.5 GiB of origin first)
//
// The price is more origin requests for whole large objects: a cold 64 MiB
// GET costs 16 requests of 4 MiB instead of one. A body reading slice i
// starts fetching slice i+1, so the origin stays busy; see
// BenchmarkMissSequential for cold throughput by slice size against a
// direct GET from the origin. Slices of one object are checked against
// each other (size, ETag, Last-Modified): if the origin object changes
// between two slice fetches, the response is cut and the object's slices
// dropped, never finished with bytes of two versions.
//
// # Miss path: one fetch per slice, streamed to every waiter
//
// The lookup (tiers.find, and tiers.acquire for a response's later
// slices) returns, for a slice, the RAM tier's copy, the disk tier's,
// the fetch already in flight, or a new fetch; flights.join looks in the
// RAM tier again under the flight lock, and a fetch leaves the flight
// map only after the RAM tier has
// applied (or refused) its Set, so concurrent requests for a cold slice
// make exactly one origin request. The fetch runs on its own goroutine
// with the server's context, not a client's: a client that disconnects
// never cancels it. Bytes land in a stream.Buffer sized from the origin's
// answer; every waiting response reads from it as bytes arrive, so no one
// waits for the whole object, and a slow client only slows itself (the
// fetch never waits for readers). Once complete, the same bytes become
// the RAM entry. Headers of streamed responses are flushed immediately.
// An origin's error answers (404, 410, 500, 503, 599, …) are status
// answers passed on as the origin sent them (see "HTTP caching"); no
// answer at all (unreachable, or unusable) → 502, timeout → 504, each
// with a short body naming the problem. What RFC 9110 lets an origin
// answer to a slice's Range is not unusable: a 206 shorter than asked is
// continued with further ranges, one without a complete length takes the
// size a HEAD gives with the same strong ETag or is asked again without
// Range, a multipart/byteranges one is read for its part
// holding the offset (the origin client, origin/partial.go and
// byteranges.go; conformance.go has the table).
//
// # RAM tier and zero-copy hits
//
// The RAM tier (ramtier, ristretto v2 with TinyLFU admission) holds
// immutable *slice values: the body bytes are never written after the
// fetch completes. A hit that lies within one slice is answered with
// fasthttp's SetBodyRaw on a sub-slice of the cached bytes: fasthttp does
// not copy a raw body, and a body larger than its write buffer goes to
// the socket together with the header in one writev, straight from the
// cached array. A response spanning slices streams through body.WriteTo,
// which hands each slice's bytes to the connection's writer; bufio writes
// chunks larger than its buffer directly, so bytes are copied only by the
// kernel. Because values are immutable and garbage-collected, an entry
// evicted while being sent stays valid until the write ends.
//
// # Zero-copy RAM hits: memfd, for slices of 32-96 KiB
//
// By default RAM-tier slices of 32 to 96 KiB (audio segments, small
// video ones) keep their bytes in sealed memfds, and an event loop sends
// their hits with sendfile from the memfd's descriptor, as it sends a
// disk hit's data file (loopmemfd.go); smaller and larger slices stay Go
// slices written with writev. Measured on the 2-core loopback machine of
// 2026-12-08 (KVM, Linux 6.18.44), CPU 0 per response, the edge alone on
// it, the bench's discard client on CPU 1, alternating 4 s rounds:
//
//	slice     memfd + sendfile   Go slice + writev   nginx (sendfile)
//	48 KiB    14.3-19.8 µs       18.2-21.4 µs        16.4-19.3 µs
//	64 KiB    19.2-23.9 µs       29.1-31.1 µs
//	96 KiB    28.7-36.7 µs       36.6-56.6 µs
//	128 KiB   79-102 µs          55-76 µs
//	256 KiB   182-229 µs         89-247 µs
//	1 MiB     395-470 µs         311-359 µs
//	2 MiB     593-892 µs         548-647 µs          671-896 µs
//
// The copy into the socket was 36 % of a 48 KiB writev hit (perf:
// _copy_from_iter), the bytes being cold in the CPU's caches; sendfile
// of a memfd moves page references instead, but per 4 KiB page (shmem
// has no large folios unless the host turns them on), and from 128 KiB
// on, where every response waits for the receiver's window, the copy is
// the cheaper again. In the bench (7 rounds, same run) 48 KiB RAM hits
// came to 1.23x the responses per busy CPU-second of the same build
// without memfds, 1.03x nginx (16 KiB RAM hits, outside the span, moved
// by 0.95x in that noisy run). A memfd costs a descriptor: New refuses
// one beyond a quarter of RLIMIT_NOFILE (the slice stays a Go slice), so
// connections and data files keep the rest; a TLS hit, or a response
// spanning slices, opens a descriptor of its own for the while, not
// counted there. --ram-sendfile-min and
// --ram-sendfile-max move the span; --ram-sendfile-min 0 turns it off.
//
// The history: with MemfileMinBytes set (--ram-sendfile-min), large
// RAM-tier slices keep their bytes in sealed memfds and hits are sent
// with sendfile, like disk hits. That halves the server's CPU per 2 MiB hit (measured on the
// 2-core loopback machine, 5 s wrk runs alternating: about 200 µs against
// 400–430 µs with writev), but on loopback the receiving side then does
// more of the work (wrk's system time rose from 4.0 s to 6.4 s per 4 s
// run) and with wrk and the edge sharing two cores the throughput fell
// 15–20 % (1280–1320 against 1500 responses/s from disk files and
// 1170–1350 with writev). So it was off by default then; on a host whose
// clients are across a NIC (scatter-gather, checksum offload), the
// server's CPU is the cost that matters.
//
// On fasthttp's server (a connection the loops handed off), on plain
// TCP a memfd hit is sent as a disk hit is (heldBody): the
// memfd's own descriptor is held (memfile.File.Hold) and the body goes
// in raw sendfile calls at explicit offsets after the held header, so a
// hit costs no open, seek or close, and a response still being sent to
// a slow client holds no descriptor of its own (each used to: a node
// with many stalled clients could run out of descriptors, and a failed
// open refetched the slice). TLS connections and responses spanning
// slices still open their own descriptor.
//
// Pinned on the slower host of step 9 of "Disk hits" (kernel 6.18, wrk
// at 100 % in every round; bench/results/2core-loopback/pinned-short.md,
// "Run 6"), it no longer pays for itself as it did: with
// --ram-sendfile-min 256KiB against the default, 2 MiB RAM hits took
// 0.86–0.88× the busy time of CPU 0 per response but were served at
// 0.58–0.65× the rate (the loopback receiver's cost again), and the
// player mix took 1.43–1.49× the busy time per response. perf of the
// mix: 11 % of the edge's samples in filemap_get_entry and 9 % freeing
// the sent skbs, page by page: a memfd's pages are 4 KiB (shmem huge
// pages are off by default), while a file on ext4, which since Linux
// 6.16 caches large folios, is sent in fewer, larger pieces. Holding
// the memfd instead of opening it per hit made no difference that the
// rounds' noise would show (same run against opening it: 0.95× and
// 0.97× the responses per busy CPU-second, 1.07× and 0.93× the rate).
// Those runs served memfd hits on fasthttp's server only (the loops
// handed them off), and large ones: the span above is what the loops
// and this host's costs made of it.
//
// ristretto may drop a Set under contention or refuse it at admission;
// both are counted (vodedge_ram_dropped_sets_total,
// vodedge_ram_rejected_sets_total) and nothing assumes a Set took effect.
//
// # HTTP caching (RFC 9111, RFC 5861)
//
// Freshness is per object version, not per slice. A version's meta holds
// its identity (status, size, ETag, Last-Modified: what body.check
// compares) and an atomic pointer to its stored state: the origin's
// end-to-end response fields, the request and response times, and what
// follows from them (corrected initial age, lifetime after the policy,
// the instant it turns stale, the stale-while-revalidate and
// stale-if-error windows, must-revalidate and kin, whether requests with
// Authorization may use it, its Vary). Slices fetched at different times
// or read from disk share one meta through versions, a map from object
// key to the current version held by weak pointers (an entry lives while
// a RAM slice, a fetch or a response holds its meta). So a 304 for any
// slice refreshes the whole object, and a new version supersedes every
// slice of the old one at once.
//
// The stored state is persisted with every slice's disk record
// (disktier.Record.Meta): the fields and times, not the computed
// lifetime, so a restart keeps what the origin said and a changed policy
// applies after a restart. A 304 rewrites the records of the version.
// Records written without it (by fill, or before) count as fetched when
// stored, with no fields.
//
// A fresh RAM hit does one atomic load and a comparison more than before
// (the freshness check), reads two request fields (Authorization,
// Cache-Control), and sets the two response fields a cache answer must
// carry: Age and Via (this node). fasthttp sets a field in about 28 ns
// (measured alone), and those two are most of the cost: BenchmarkHandlerHit
// went from 472 to 546 ns (16 KiB) and 447 to 525 ns (2 MiB), the
// fastest of 25 interleaved runs with GOMAXPROCS=1 on the 2-core machine,
// with the same single allocation (the key string) before and after.
// Cache-Status (RFC 9211) is sent on every answer under an rfc rule, and
// on every answer but a fresh hit elsewhere (the video defaults): there
// X-Cache: HIT-RAM or HIT-DISK already names the hit, and the field would
// cost every hit about 80 ns of CPU (BenchmarkHandlerHitCacheStatus,
// GOMAXPROCS=1 on the 2-core machine, fastest of 6 runs each, in one run:
// 16 KiB 708 → 793 cpu-ns, 2 MiB 715 → 807, 1.12–1.13×);
// CacheStatusOnHits (--cache-status-hits) sends it there too. Its value
// is built per answer
// (cachestatus.go): "hit" with ttl (negative when stale) and a detail
// naming the stale rule, or fwd with its reason (uri-miss, vary-miss,
// request when the client's directives forced it, stale, bypass,
// method, partial when a stored object's response needs slices neither
// in RAM nor on disk), fwd-status, ttl and stored when the answer was stored,
// collapsed when the request joined another's fetch, and key when
// CacheStatusKey is set; members upstream caches put in the origin's
// answer stay before this node's (kept as received, not parsed). Age is computed when the answer is sent, not
// when the request arrived: a miss's Age includes the response delay
// and is never below the origin's (§4.2.3); a hit's is the same
// comparison and nothing more.
//
// Targeted fields (RFC 9213): the directives come from the first field
// of the target list with a valid structured-field Dictionary value
// (TargetedCacheControl, a field for this node, then CDN-Cache-Control
// unless CDNCacheControl is off), and Cache-Control and Expires are
// then ignored; an invalid one is skipped. They pass on to clients
// (downstream CDN caches use them) unless StripTargetedCacheControl.
//
// Freshness (RFC 9111 §4.2): s-maxage, then max-age, then Expires − Date,
// then heuristic freshness (HeuristicFraction of the time since
// Last-Modified, at most HeuristicMax) for heuristically cacheable
// statuses; no-cache is a lifetime of 0. Age is the corrected initial age
// plus the time held. Then the operator's policy (package policy, first
// matching rule): by default media segments are immutable for 30 days
// from storage whatever the origin says (packagers never rewrite a
// segment under its name, and origins often send no or wrong headers for
// them), playlists follow the origin within 1 s..10 s (a live playlist
// costs the origin one request per second per node, a republished VOD
// playlist shows within 10 s, each revalidation a 304), the rest follows
// the RFC. A floor counts from the response's arrival, so a Date rounded
// to the second or an upstream Age cannot eat it. Policies apply to 200
// answers only: a 404 for a segment's name must not live 30 days. A
// slice pinned by a fill manifest is fresh while pinned.
//
// What is stored (§3): not no-store, not private (a shared cache; the
// qualified private= and no-cache= forms store the answer without the
// fields they name), not Vary: *, a status this cache understands
// (200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501) or one
// with explicit freshness; and an answer with no freshness at all is
// stored only if it has validators to revalidate with. An answer that is
// private, no-store or Vary: * is given only to the request that started
// the fetch: requests that joined it fetch again for themselves. A
// request with Authorization (not a peer's, whose Authorization is the
// cluster's) uses a stored answer only if it is public, s-maxage or
// must-revalidate (§3.5), and its own fetch is stored only when its
// answer says one of those (without the requester's Set-Cookie).
//
// Status answers (a 404, a 301, a 204, a 503) are one slice at offset 0
// in the RAM tier only, for their freshness: kept off disk so that a
// scan of random URLs cannot churn it. An HTTP origin's are passed on
// with its status, fields and body (at most a slice, else 502); an S3
// NoSuchKey (whose body is S3's own) becomes the edge's one-line 404.
// 404 and 410 take the origin's Cache-Control or Expires first and
// NegativeTTL when it gave none; other statuses are stored only as
// §3 allows (heuristically cacheable, or explicit freshness). A 5xx is
// never served stale, never stored over a stale copy it answered a
// revalidation for (that copy is served within stale-if-error, else
// the 5xx passes), and an error answer with Retry-After is not kept
// beyond it. Range and preconditions do not apply to status answers
// (RFC 9110 §13.2.1). A status answer replacing an object supersedes
// its stored version.
//
// Revalidation: a stale copy is revalidated with a conditional request
// (If-None-Match, else If-Modified-Since) for the slice asked, joining a
// fetch of that slice already in flight. A 304 merges the 304's fields
// into the stored ones (RFC 9111 §3.2; not its Content-Length or
// validators; a new Content-Type or Content-Encoding is taken),
// recomputes freshness and rewrites the disk records; no byte is fetched.
// A 200 is the new version: it supersedes the old (new requests never use
// an old slice, in RAM or, marked in its record, on disk after a
// restart), and its slices replace the old ones as they are fetched. A
// response of the old version under way keeps reading the old slices it
// finds; when one was already replaced it is cut, never finished with
// bytes of two versions (a single-slice object, the common segment,
// always finishes). An origin that ignores the condition and sends the
// same version in full counts as refetched.
//
// Stale answers: within stale-while-revalidate the stale copy is served
// at once and one background request per object (a flag on the meta)
// revalidates it. On an origin failure (unreachable, timeout, 5xx, a bad
// answer) a stale copy is served within stale-if-error: the origin's
// directive, else the policy's sie=, else StaleIfError (default 1 h, so
// an origin outage does not stop playback of what the node holds);
// must-revalidate, proxy-revalidate, s-maxage and no-cache forbid both
// windows unless a policy states them. Metrics count stale answers by
// reason: swr, sie (the origin's or policy's), origin_down (the
// operator's default), max_stale (the client's).
//
// Players' Cache-Control is ignored by default (HonorClientCacheControl
// off): hls.js, Safari and smart-TV stacks send no-cache or max-age=0 on
// reloads and retries, and obeying them turns every such request into an
// origin request; RFC 9111 lets a cache decline (§5.2.1: "prefers"). When
// on, no-cache, max-age, min-fresh, max-stale, no-store and Pragma:
// no-cache are obeyed, except that a fresh immutable object ignores
// reloads (RFC 8246). only-if-cached is always obeyed (504 when not
// cached): it can only spare the origin.
//
// Early hints: a 103 the origin sends while a fetch waits for its answer
// (origin.Request.Hints) is written to the public requests waiting on
// that fetch at once, with its Link fields (earlyhints.go); it is never
// stored, and a hit sends none.
//
// HEAD: a stored object answers it like a GET without the body. A HEAD
// that finds nothing stored goes to the origin as a HEAD and nothing is
// stored from it (origin.Request.Head), except on paths the policy holds
// immutable (media segments), where it fetches the first slice with a
// GET so that the GET a player sends next is a hit.
//
// Vary: a URL whose answers vary is cached per variant under
// key + "\x01" + a 128-bit SHA-256 of the nominated request fields,
// normalized (lines joined, members trimmed, Accept* and Origin
// lower-cased; absent differs from empty); a hash a client cannot steer
// into another variant's key. The nominated fields are remembered per URL
// (and read back from a stored variant after a restart), so a request
// finds its variant before any lookup; a node whose origin never varies
// pays one atomic load. Misses forward ForwardHeaders (Accept,
// Accept-Encoding, Accept-Language, Origin) and the nominated fields, and
// an answer is filed under the variant of the fields actually forwarded,
// so the first request for a field the edge did not forward gets its own
// variant fetched with the field. At most MaxVariants variants per URL
// are stored; further ones are fetched per request.
//
// Unsafe methods (POST, PUT, DELETE, PATCH, and any method the edge does
// not know, which RFC 9111 §4.4 counts as unsafe; not OPTIONS, TRACE or
// CONNECT) are passed to origins that take them (origin.HTTP; others answer 405), with the query and a body
// of at most MaxRequestBodyBytes (413 beyond), redirects not followed.
// A 2xx or 3xx answer invalidates the target's versions and variants in
// both tiers, and those of the Location and Content-Location targets on
// the same host: relative references and the origin's own URLs (mapped
// back to keys by the origin client), and absolute ones naming the host
// the client asked (RFC 9111 §4.4).
//
// Header fields: hop-by-hop fields and those Connection names never pass
// (the origin client drops them); Content-Length, Content-Range,
// Content-Type, validators, Date, Age and Server are the edge's own;
// Set-Cookie is never stored: an answer for one request (private,
// passed) carries it, and so does the answer to the request whose miss
// fetched a stored or shared answer, never a hit, a stale answer or a
// collapsed request;
// everything else the origin sent (Cache-Control,
// Expires, Vary, Content-Encoding, Link, Access-Control-*, …) is passed
// on, with this node appended to Via and Age set.
//
// # Slow clients, limits and TLS
//
// fasthttp's WriteTimeout is one deadline for a whole response, whatever
// its size. So a response whose body WriteTimeout does not cover at
// MinClientRate gets its own deadline, WriteTimeout + size/MinClientRate,
// set before the response is written — on every path: a RAM hit written
// in one writev (SetBodyRaw; until this was set there too, a 4 MiB RAM
// hit to a player reading at 100 KiB/s was cut at 30 s), a disk hit sent
// with sendfile, a multipart body. A streamed body (a miss, a span of
// slices) moves the deadline again before each write, to WriteTimeout +
// that write's size/MinClientRate: time spent waiting for the origin is
// never charged to the client, a client that stops reading is cut after
// WriteTimeout, one that keeps reading slowly is not
// (TestSlowClientsKeepGoingStalledOnesAreCut). Smaller bodies keep
// fasthttp's own deadline, so a small hit pays no timer update.
//
// ReadTimeout bounds the request's header from the connection's first
// byte (or, kept alive, the next request's), so a slowloris connection
// trickling a header is closed after it; IdleTimeout bounds the wait
// between requests; MaxHeaderBytes bounds the header block (431).
// MaxConns and MaxConnsPerClient (per IPv4 address or IPv6 /64) are
// counted by internal/connlimit at accept, without wrapping the
// connection: fasthttp's MaxConnsPerIP wraps it, which turns sendfile
// into 4 KiB writes and drops its header+body writev
// (TestPerClientCapKeepsSendfile: 11 write calls for a 16 MiB disk hit
// behind the cap). Measured with 1,000 slowloris connections held
// against the edge (cmd/vodedge TestSlowlorisKeepsNormalClientsFast):
// a normal client's p99 for a 64 KiB hit stayed within 0.97–1.09× its
// baseline (about 220 µs).
//
// ServeTLS serves the same handler over TLS (the certificate from
// internal/tlsreload, replaced on SIGHUP without dropping connections),
// sharing the connection limits with Serve. Bodies then go through TLS
// records: no sendfile and no writev, and the encryption costs CPU. Hot
// 2 MiB segments (make bench-tls, 2-core loopback, 5 rounds, wrk with TLS
// 1.3, ECDSA P-256): HTTPS 1,527 MiB/s, 1.11× nginx with ssl (1,377 MiB/s)
// and 0.40× the same edge over plain HTTP (3,782 MiB/s) in the same run.
package cache
