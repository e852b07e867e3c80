// Package controller is the origin controller behind `vodedge origin`:
// the HTTP API and the wiring of the origin sub-packages into one Server
// (Config, New, Serve, Shutdown).
//
// What it owns:
//
//   - Ingest (ingest.go): POST /v1/titles streams a multipart upload
//     (metadata first, then the file) to disk under --data, never holding
//     it in memory, validates it with ffprobe (422 with ffprobe's reason
//     when it is not a video) and creates the title and its job.
//   - The job graph (jobs.go, steps.go): probe → [transcode/{rendition}
//     ∥ qc] → package → publish, run by origin/pipeline. Each transcode
//     step encodes one rendition into a temporary directory, decodes it
//     back (qc.Decode and any rendition scanners) and renames it into
//     place; qc analyzes the source; package writes master.m3u8 and
//     manifest.mpd and assembles the QC report; publish uploads to the
//     store (segments, then playlists, then manifests) unless QC failed
//     and no operator approved, in which case the step is held.
//   - Status (status.go): one goroutine follows job changes and mirrors
//     them onto titles (failed, cancelled, held, published) and removes a
//     finished title's work directory.
//   - Storage classes (tiering.go): a goroutine demotes published titles
//     whose popularity stayed under a threshold for N days; a GET of a
//     cold title, or of one of its files on the store route, starts a
//     restore. Both run as pipeline jobs, so they survive restarts.
//   - HTTP (routes.go): the API under /v1/ (bearer token when configured)
//     and, for a local store, the published files at the root path with
//     Range, ETag and Last-Modified (http.ServeContent through os.Root),
//     so an edge can use the controller itself as its origin.
//     Errors map to status codes in one place (errors.go).
//
// Data directory (--data): db/ (Pebble: jobs, titles, QC reports,
// popularity), search.bleve/ (rebuilt at start), uploads/ (in-flight
// uploads), sources/{id}/ (kept sources), work/{id}/ (renditions until
// published), store/ (the default local store).
//
// Imports: origin/catalog, origin/fillplan, origin/kv, origin/packager,
// origin/pipeline, origin/popularity, origin/probe, origin/qc,
// origin/store, origin/transcode; internal/admin, internal/bytesize,
// internal/manifest. Nothing imports it but the CLI and its client.
package controller
