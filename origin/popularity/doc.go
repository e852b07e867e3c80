// Package popularity turns edge access logs into popularity figures for
// the fill work and for the storage-class policy.
//
// Edges (or a log shipper) post batches of the JSON lines the edge's
// access log writes (cache/accesslog: time, path, method, status, bytes,
// site, …). Ingest parses each line (ParseLine, fuzzed), keeps successful
// GETs of published objects (paths under /titles/), and adds their bytes
// to daily totals in Pebble (origin/kv, bucket "pop"):
//
//	f/{day}/{site}/{path}   bytes served of one file at one site that day
//	t/{day}/{site}/{title}  the same, summed per title
//
// Days are UTC calendar days. Popularity of a file on a day is bytes
// served ÷ file size (how many times it was served whole); of a title,
// bytes served ÷ the size of one average playback (its files' total size
// ÷ its number of video renditions), i.e. "plays". Both are smoothed over
// days with an exponentially weighted moving average, s ← α·x + (1−α)·s
// from the oldest day of the window to the newest, days without traffic
// counting as 0, so one busy evening fades over a few days and a steady
// title keeps its score. Sizes come from the catalog through the Sizes
// interface declared here.
//
// Ingest merges a batch under one mutex (read-modify-write of the daily
// totals, one synced Pebble batch per request): batches are minutes of
// logs, not per request, and merges must not lose each other's counts.
//
// Edges ship their own logs in numbered batches (cache/logship):
// IngestBatch counts a batch at most once, keeping each node stream's
// last counted number at s/{node}/{stream} in the same synced batch as
// the totals it adds, so a resend after a lost answer, a controller
// crash or an edge restart is answered as a duplicate, not counted.
//
// Imports: origin/kv and Prometheus.
package popularity
