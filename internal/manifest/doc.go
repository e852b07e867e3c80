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
// # Figures
//
// make bench-manifest (synthetic catalogue: titles × 6 renditions ×
// segments, 3-node site, figures in the section below once measured).
//
// Imports: internal/cachekey (entries' keys are normalized as the edges
// normalize requests), the standard library.
package manifest
