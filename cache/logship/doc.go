// Package logship ships the edge's access log to the controller by
// itself: batched, gzip-compressed, in order, each batch numbered so the
// controller counts it exactly once however often it is sent
// (POST /v1/popularity/batches/{node}?stream=…&seq=…, answered by
// popularity.IngestBatch). It replaces the operator's cron job that
// posted log lines to /v1/popularity/logs, where a line posted twice
// counted twice.
//
// # The access log is the source of truth
//
// "Every line the log holds, exactly once", across an edge killed -9
// mid-batch, means the record of what was shipped must be as durable as
// the log, and a resend must carry the same lines under the same
// number. The shipper therefore reads the log file (it never sees the
// records in memory) from a durable cursor: the file's identity
// (device, inode), the offset of the first line not yet batched, the
// bytes just before it, and the next sequence number. It reads whole lines only; a partial last line
// waits for its newline. The access log is opened once with O_APPEND and
// never reopened (cache/accesslog), so a rename rotation keeps the
// writer on the renamed file until the edge restarts; the shipper keeps
// reading the file it has open, and after a restart it finds the
// cursor's file beside the log (access.log.1, …) by its inode, finishes
// it, then starts the current one. The rotation the product ships
// (deploy/logrotate) is copytruncate, which keeps the inode: the cursor
// also remembers the last 64 bytes before its offset, and a log that no
// longer holds them there (shorter than the cursor, or truncated and
// grown past it between two rounds) was truncated. The lines after the
// cursor are then in logrotate's copy (access.log.1, uncompressed
// thanks to delaycompress), found beside the log by those bytes at that
// offset and finished first; without a copy the log is shipped from its
// start. Lines written between logrotate's copy and its truncate are
// lost, as with any copytruncate.
//
// # Batches are formed once, in the spool
//
// Re-forming batch N after a restart from byte ranges would also work
// if the ranges were saved before sending; keeping the batch itself is
// as cheap and gives the bounded spool the issue asks for. A round reads
// what the log gained, up to BatchBytes of whole lines per batch, and
// for each batch:
//
//  1. writes it to the spool directory as {seq}.batch — a JSON
//     description line (seq, lines, when it was cut, file and end
//     offset) and the lines gzip-compressed — through a synced
//     temporary file and a rename;
//  2. then saves the cursor past it (cursor.json, the same way).
//
// A crash between 1 and 2 leaves a batch newer than the cursor; New
// moves the cursor past the newest spooled batch, so no line is cut
// twice and none is skipped. Sending takes the oldest batch, posts its
// compressed body as spooled (the same bytes on every resend), and
// deletes the file once the controller answers 200 — counted now, or
// "duplicate": counted before, the answer having been lost to a timeout,
// a controller crash or an edge restart. One batch is in flight at a
// time, in order, so the controller need keep only each stream's last
// counted number, written in the same Pebble batch as the counts.
//
// A spool directory names its stream (random, in cursor.json): a node
// whose spool is lost starts a new stream at 1, which the controller
// numbers apart, and ships the log from its start (a node switched from
// a cron shipper to this one ships its existing log once: move it
// aside first if it was shipped already).
//
// # Bounds and failures
//
// While the controller is unreachable the log keeps being cut into the
// spool, and sends are retried after a number of rounds that doubles up
// to MaxBackoff. Past SpoolBytes the oldest batches are deleted and
// their lines counted in vodedge_logship_dropped_lines_total (the
// controller accepts the gap). A batch the controller refuses as bad
// (400, 413, 415) is dropped and counted the same way; 401/403/404 and
// 5xx are kept and retried (a token or a controller to fix). Lag is
// measured in lines and seconds of the batches not yet acknowledged;
// lines not yet cut are at most one round (Every) behind.
//
// A stopping shipper makes one last round (FinalWait, 5 s) so the
// records the node wrote as it stopped are not left for its next start;
// the node stops it after closing the access log.
//
// Imports: standard library and client_golang only.
package logship
