// Package accesslog writes the edge's access log: one JSON object per line
// per response. Popularity (bytes streamed per file) is computed from it
// later, so the fields below are a stable interface: add fields, never
// rename or remove them.
//
//	time     RFC 3339 UTC time the request started, with microseconds
//	client   the client's address as host:port
//	method   GET or HEAD (or what the client sent, for errors)
//	path     the normalized cache key; the raw request target when it was rejected
//	range    the Range header as sent, "" when absent
//	status   HTTP status code
//	bytes    body bytes written to the client (for a stream cut short, what was sent)
//	tier     HIT-RAM, HIT-DISK, MISS or NONE (errors answered before any lookup)
//	cache    hit, miss, revalidated, modified, stale, pass, method, or ""
//	ttfb_ms  milliseconds from request start to the first body byte handed to the socket
//	node     the node's name (--node-name)
//	site     the node's site (--site)
//
// The request path must never wait on the log: Log appends the record to
// a bounded queue under a mutex held for that append alone, and returns;
// when the queue is full the record is dropped and counted. (A buffered
// channel did the same at about 55 ns against 22 ns per record, send and
// receive counted, on the 2-core machine.) One goroutine owned by the
// Logger swaps the queue for an empty one and encodes the batch outside
// the lock. It wakes on a timer, not per record (a wake-up per response
// costs more than encoding it): every 2 ms while records arrive, so that
// the queue's memory is still in the CPU's caches when the next records
// are written (taken every 20 ms, it was not, and the hand-off cost
// 2.5 times as much), and every 20 ms on an idle node. It writes in
// 64 KiB batches, and at least once a second (FlushEvery), so a line
// reaches the file within about a second. Encoding is done by hand into
// a reused buffer: encoding/json would allocate per record on a path
// that runs tens of thousands of times a second. Strings are copied in
// one append up to the first byte that needs escaping, the node and site
// are encoded once, and ttfb_ms is formatted from whole microseconds
// without floating point: 166 against 266 ns per record
// (BenchmarkAppendJSON, 2-core machine).
//
// Imports: standard library only.
package accesslog
