// Package fill is the fill agent of an edge node: it applies the site's
// signed manifest (internal/manifest) to the node's disk store, fetching what
// the node should hold and lacks, inside the fill window and under a rate
// cap, from the best source, and letting go of what is no longer listed.
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
// again, whole, when the window reopens. The window is judged by the
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
//
// # The store
//
// The agent writes through its own small Store interface (slices,
// writers, pins, a listing), which the node's assembly (cache/edge)
// implements over the disk tier. So fill sits below cache in the
// layering: it knows no storage engine, and a store spread over many
// disks places a file's slices by its own rule.
//
// Imports: internal/admin, internal/cachekey, internal/manifest,
// internal/placement, origin (the object model of sources); x/time/rate,
// client_golang.
package fill
