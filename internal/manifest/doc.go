// Package manifest is the fill manifest: the files each node of a site
// should hold, made and signed by the controller, applied by the fill
// agent on every node (and read by steering for content misses).
//
// # Why not one document
//
// The first format was one signed JSON document with an entry per file
// (key, hex SHA-256, node list), decoded whole. A 300 TB site holds about
// 30 million files: that document is several GB of JSON and, decoded,
// about 200 bytes of Go objects per file. It cannot be applied under the
// brief's 256 MiB of memory growth, nor sent under its 1 GB.
//
// # The format
//
// Two kinds of object, both gzip-compressed on the wire:
//
//   - A file index lists the files of one group — one directory of the
//     catalogue, in practice one rendition of a title
//     ("/titles/t1/video-720p/") — one line per file in a fixed order:
//
//     <hex sha256> <size> <name>
//
//     An index holds content only (no placement, no popularity), so it
//     changes only when the title's files change. It is named by the
//     SHA-256 of its uncompressed bytes: the controller serves it at
//     GET /v1/indexes/{sha256} (behind the API's bearer tokens, like the
//     manifest), the edge verifies the hash on receipt and keeps it in its
//     state directory under that name. The next version of the manifest
//     costs nothing for groups whose content did not change.
//
//   - The manifest document: a signed header line, then one JSON line per
//     group, sorted by prefix:
//
//     {"header":{…},"signature":"<base64 ed25519 over the header's bytes>"}
//     {"prefix":"/titles/t1/v720/","index":"<sha256>","files":50,"bytes":…,"priority":7,"nodes":{"n1":"0-49","n2":"0-9"}}
//
//     Node assignment is per group: each node holding files of the group
//     is listed once with the positions (in the index) of the files it
//     holds, as ranges. The planner (origin/fillplan) places a file by
//     hashing its group, not its key, so a rendition's files share their
//     nodes, and the popular head of a rendition (extra copies) is a
//     range: a group line costs tens of bytes, not a node list per file.
//     A group's priority is that of its most popular file; files of a
//     group are fetched in index order.
//
// The header carries the version, the site, the creation time, the
// number of group lines, the SHA-256 of the lines that follow it and the
// SHA-256 of the full manifest's lines (Result). Signing the header alone
// keeps the signature check before any parsing of the body and lets the
// body be streamed: the edge verifies the signature on the first line,
// then copies the rest to a file in its state directory while hashing it,
// and uses it only if the hash matches. The ed25519 key, the site check
// and the rule that a version must be newer than the newest accepted
// (anti-replay) are unchanged; a restarted node re-verifies what it
// saved.
//
// # Deltas
//
// An edge polls GET /v1/manifests/{site}?base=V, V being the version it
// holds. If the controller still has V (it keeps the last few versions)
// it answers a delta: a header with Base = V, and only the group lines
// that were added or changed, plus {"prefix":…,"removed":true} for those
// that went. The edge merges them into its saved lines (both sorted by
// prefix: one streaming pass), and the merged lines must hash to the
// header's Result — the signed hash of the full manifest. A delta whose
// base is not the version the node holds is refused (ErrBase, "delta
// against version X, this node holds Y") before anything is merged, as
// is a merge that does not give Result; either way the node fetches the
// full manifest at once. 304 Not Modified answers a poll for the current
// version.
//
// # Memory on the edge
//
// The edge never holds the catalogue as Go objects. It keeps, for each
// of its groups, the offset and priority of the group's line in the saved
// file (16 bytes) and a map from prefix to it; it reads one group's line
// and index at a time, expands that group to per-file entries (Entry),
// and works through them in batches. The same Entry, and the Manifest of
// entries, remain the planner's output and the in-memory form of a small
// manifest (Expand), so steering and tests read a document as a list of
// files.
//
// # Choices
//
// gzip from the standard library: on an index, zstd (klauspost/compress,
// only an indirect dependency) is 3 % smaller (41.4 against 42.9 bytes a
// file with whole checksums) and faster to compress, not enough to take
// a direct dependency; the bytes are the checksums, which do not
// compress. A whole SHA-256 is 32 bytes a file: 960 MB for a node that
// holds all of 30 million files, so such a node could not get its first
// manifest in 1 GB. An index therefore carries the first 128 bits of
// each file's SHA-256 (SumDigits; the edge hashes the whole file and
// compares that prefix): what a lying peer or a corrupting disk must
// produce is a second preimage of a file it did not choose, 2^128 work
// (2^103 against any one of 30 million), the strength of AES-128; the
// weaker collision bound (2^64) would matter only to whoever makes the
// original files. An index line is then about 55 bytes of text and 26
// compressed. Indexes saved with whole sums are still read.
//
// Text lines rather than JSON for indexes: parsed without reflection,
// fuzzed as a parser of its own (FuzzParseIndex), and an index's bytes are
// its identity, so its encoding is fixed (EncodeIndex re-encodes exactly
// what ParseIndex accepts). Group lines are JSON: few, and readable.
//
// The signature covers the header only, the header covers the body by
// SHA-256: a node verifies the signature before reading further, and the
// body never has to be in memory for ed25519 (which signs a whole
// message). A delta carries the hash of the full result, so a merge on a
// base that matches in version but not in content is caught too.
//
// # Figures
//
// make bench-manifest: a synthetic catalogue of titles × 6 renditions ×
// 50 segments (300 files a title: 30 M files is 100k titles), random
// checksums, sizes 0.5–2 MB; a 3-node site, each rendition on one node by
// hashing, a fifth of titles with their first 10 segments on a second
// node and a twentieth with their first 5 on a third. Node n1, in its own
// process, over a store that already holds everything (so what is
// measured is receiving, verifying and diffing, not fetching). Version 2
// re-encodes 1 % of titles, drops 0.5 %, adds 0.5 %, sent as a delta.
// Wire bytes are compressed; "n1 indexes" is what node n1 fetched, "all
// indexes" what a node holding every file would; build+sign is the
// controller's encoding, hashing and compression of every index and
// group line and the signature (not the planner; version 2 encodes every
// index again); apply is from the node receiving the document to the
// manifest applied (verify, save, fetch and verify indexes, diff); growth
// is the node process's peak over its start (VmHWM, Go heap in use). One
// run on the shared 2-core machine, other jobs running:
//
//	files  version  document   n1 indexes  all indexes  build+sign  apply   RSS+      heap+
//	first, whole checksums (64 hex digits):
//	1 M    full        949 kB     17.9 MB      42.9 MB       3.6 s    4.6 s   9.3 MiB   8.0 MiB
//	1 M    delta        15 kB      0.24 MB     42.9 MB       2.3 s    1.7 s   9.1 MiB   8.7 MiB
//	10 M   full        9.5 MB    177.6 MB     428.7 MB      38.5 s   40.3 s  18.2 MiB  17.3 MiB
//	10 M   delta       146 kB      2.3 MB     428.7 MB      53.8 s   14.0 s  18.0 MiB  17.6 MiB
//	30 M   full       28.5 MB    536.1 MB    1286.1 MB     152.5 s  189.9 s  38.9 MiB  37.4 MiB
//	30 M   delta       436 kB      7.0 MB    1286.1 MB      68.7 s   56.1 s  52.4 MiB  51.2 MiB
//	then 128-bit checksums (MANIFEST_FILES=1000000,30000000, load average 12–16):
//	1 M    full        949 kB     10.8 MB      26.0 MB       4.1 s    3.6 s   9.0 MiB   8.0 MiB
//	1 M    delta        15 kB      0.13 MB     25.9 MB       5.0 s    2.2 s   9.6 MiB   8.4 MiB
//	30 M   full       28.5 MB    324.3 MB     778.7 MB     111.5 s  124.3 s  37.3 MiB  34.8 MiB
//	30 M   delta       436 kB      4.2 MB     778.7 MB     135.1 s   45.9 s  51.8 MiB  50.1 MiB
//
// At 30 M files a node holding every file takes 807 MB on the wire for
// its first manifest (document and every index), under the brief's 1 GB;
// node n1 took 353 MB (the indexes of the 40 % of groups it holds files
// of) and 4.6 MB for the next version; its memory grew by 37–52 MiB,
// under the brief's 256 MiB: it grows with the groups it holds (about 40
// bytes each, and 32 more while dropping unused indexes), a batch and
// the garbage collector's slack, not with files. Its state directory
// after version 2 was 424 MiB: the saved manifest uncompressed (about 200
// bytes a group) and the indexes as received. A delta's apply is a full
// diff of the node's groups from its cached indexes (so a node that lost
// files notices), which is most of its time.
//
// Imports: internal/cachekey (entries' keys are normalized as the edges
// normalize requests), the standard library.
package manifest
