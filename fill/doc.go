// Package fill is the fill agent of an edge node: it applies the site's
// signed manifest (internal/manifest) to the node's disk store, fetching what
// the node should hold and lacks, inside the fill window and under a rate
// cap, from the best source, and letting go of what is no longer listed.
//
// # Manifests
//
// The agent polls ManifestURL?base=V, V the version it holds, and takes
// a delta or a full manifest (internal/manifest; 304 when nothing
// changed); pushes take the same documents. A document is verified as
// it streams into StateDir/manifests (signature first, then the hashes),
// a delta merged into the saved manifest; a delta that does not apply
// (another base, or a merge that misses the signed result) is refused
// and the full manifest fetched at once. File indexes come from the
// controller by hash (IndexURL, by default next to ManifestURL) and are
// kept in StateDir/indexes, so an unchanged group costs nothing on the
// next version. The agent never holds the manifest's files: it keeps
// 24 bytes and a map entry per group it holds, and works through one
// group, then one batch of up to 4096 files, at a time (see apply).
//
// # Sources
//
// For each file, in order: a node of the site that already holds it (a
// cache-only request to its peer listener); the file's fill masters — the
// first Masters nodes of the site by placement hashing — which go to the
// origin at once while the other nodes wait up to MasterWait for a master
// to hold the file and copy it from there; then the origin. Any error or
// timeout moves on to the next source. A node fetches the files it is a
// master for first, so no node's fetch slots sit waiting on masters that
// are themselves waiting. With masters, each file crosses the origin link
// about once per site.
//
// # Tiered fill
//
// Sites form a tree (the controller's sites file names each site's
// parents). Before the origin, every node of a child site asks, in each
// parent site (preference order), the node that owns the file in that
// site's placement: rendezvous hashing of the key over the parent's live
// nodes and weights, the same rule by which the parent's own cluster
// picks the file's owner and fill master. With masters in the child,
// only the child's master asks; the others copy from it.
//
// The parent's node answers like a player (pull-through): from its
// cache, or, as the key's owner, by fetching from the origin with the
// miss path's request collapsing, and keeping it. So the file crosses
// the origin link once for the parent and all its children, whether the
// children fill before, during or after the parent. In a parent site of
// several nodes that owner is also the file's fill master there, which
// its own planned holders wait for and copy from; so the child's
// requests and the parent's fill meet on one node, and the parent's
// other nodes are never asked (they would answer from cache only). Answering from cache
// only would be simpler, but a child filling first (a new site, or a
// parent whose window opens later) would then go to the origin and the
// saving would depend on timing. The cost: the parent's own fill master
// for the file is the same node, and if its fill fetches the file from
// the origin at the same moment a child's pull-through does, the two
// are not collapsed (the fill writes its own uncommitted slices), so the
// file can cross twice; a file the pull-through already stored is
// found by the parent's fill and not fetched again.
//
// Where the parents are comes from the controller, polled before each
// manifest poll (ParentsURL, GET /v1/parents/SITE): each parent's live
// nodes with their peer addresses, and a grant signed with the manifest
// key (internal/tiergrant) that the parent's peer listener accepts
// instead of its own cluster credential. A parent node that is down,
// refuses, times out or lacks the file moves the node on to the next
// parent and then the origin; an expired grant (the controller
// unreachable for longer than the grant lasts) turns parents off until
// a poll succeeds. Files from a parent are counted as source "parent".
//
// # Visibility and integrity
//
// A file is fetched slice by slice into disk-tier writers that are not
// committed; its SHA-256 is computed on the way. Only when the whole file
// matches the manifest are the slices committed (visible) and pinned; a
// mismatch discards them, is counted, and the next source is tried. A
// restart or kill -9 mid-file leaves only temp files, which the disk tier
// removes at start-up; files already committed are found in the disk
// index and not fetched again.
//
// # Window and rate
//
// Fetching happens only inside the window (local time of the node,
// default 02:00–14:00) unless an operator forces it (Now); a file in
// flight when the window closes is abandoned (never made visible,
// counted in vodedge_fill_abandoned_total, not a failure) and fetched
// again, whole, when the window reopens. A pass whose files failed is
// retried 5 s later, then at doubling intervals up to a minute (a store
// still loading its index at start-up fails every file until it has). The window is judged by the
// injected clock at every read, so a clock that jumps past the end,
// back before the start or a day ahead takes effect within a second
// (TestClockJumpsAroundTheWindow). A token bucket caps the bytes per
// second across all concurrent fetches.
//
// # Letting go
//
// Files listed in an older manifest but not the new one are unpinned
// (not deleted) once the new manifest is fully applied, so a site never
// empties itself; the disk tier's eviction then reclaims them as needed.
// The store's listing comes in key order, so this reads the manifest's
// groups one at a time; the indexes of groups no longer held are dropped.
//
// # The store
//
// The agent writes through its own small Store interface (slices,
// writers, pins, a listing), which the node's assembly (cache/edge)
// implements over the disk tier. So fill sits below cache in the
// layering: it knows no storage engine, and a store spread over many
// disks places a file's slices by its own rule.
//
// # Heartbeats
//
// The agent also reports the node to the controller's live node registry
// (heartbeat.go): every Config.HeartbeatEvery (30 s by default) it posts
// what Deps.Describe returns — weight, capacity, disks, version, peer
// address — with its name and site, using the client and token of its
// manifest polls, to POST /v1/nodes/heartbeat beside the manifest URL.
// The controller plans the node while those arrive within its grace.
// Each request is bounded (10 s); a failure is logged (a warning at the
// first of an outage), counted in
// vodedge_fill_heartbeats_total{result="failed"}, and retried after an
// eighth of the interval, doubling up to the interval.
//
// Imports: internal/admin, internal/cachekey, internal/heartbeat, internal/manifest,
// internal/placement, internal/tiergrant, origin (the object model of
// sources); x/time/rate, client_golang.
package fill
