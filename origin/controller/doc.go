// Package controller is the origin controller behind `vodedge origin`:
// the HTTP API and the wiring of the origin sub-packages into one Server
// (Config, New, Serve, Shutdown), and the daemon around it (Daemon).
//
// What it owns:
//
//   - Ingest (ingest.go): POST /v1/titles streams a multipart upload
//     (metadata first, then the file) to disk under --data, never holding
//     it in memory, validates it with ffprobe (422 with ffprobe's reason
//     when it is not a video) and creates the title and its job.
//   - The job graph (jobs.go, steps.go): probe → [transcode/{rendition}
//     ∥ qc ∥ subtitles ∥ artwork] → package → iframes → publish, run by origin/pipeline. Each transcode
//     step encodes one rendition into a temporary directory of its own
//     run (two runs of one step may overlap on a work queue; rundir.go),
//     decodes it back (qc.Decode and any rendition scanners) and swaps
//     it into place, the last run to finish winning; qc analyzes the source; package writes master.m3u8 and
//     manifest.mpd and assembles the QC report; publish uploads to the
//     store (segments, then playlists, then manifests) unless QC failed
//     and no operator approved, in which case the step is held.
//   - Subtitles (subtitles.go): upload parts "subtitles.{lang}" (WebVTT
//     or SubRip, before or after the file) are checked and normalised
//     by origin/subtitle while the request is open (422 naming the bad
//     line) and kept beside the source; text streams of the source are
//     extracted by the subtitles step with ffmpeg. Each track gets
//     work/{id}/subs-{lang}/, which the package step segments and lists
//     in both manifests, and publish uploads like any rendition; the
//     catalog lists the tracks (Title.Subtitles). PUT and DELETE
//     /v1/titles/{id}/subtitles/{lang} edit a published title's tracks
//     (subtitles_edit.go, published.go): a new version of a track goes
//     under new names, subs-{lang}.{hash}, because edges cache .vtt as
//     immutable, and the manifests are written again by the packager
//     from the catalog's renditions and the media playlists the publish
//     step keeps in sources/{id}/published/. Languages are BCP 47
//     tags, named in their own language for the players' menus
//     (x/text's language and display).
//   - Content analysis (content.go): the qc step's built-in source
//     scanners (defects, markers, photosensitivity unless
//     --qc-flashes=off) and
//     one qc.Plugin per --scanner URL; a plug-in's contract-breaking
//     answer fails the step permanently, an unreachable one is retried.
//     Photosensitivity findings become the title's viewer_warnings and
//     the markers scanner's intro and credits its markers (markers.go),
//     which PUT /v1/titles/{id}/markers replaces (a marker sent back
//     unchanged keeps its source); an operator's markers
//     survive a re-run.
//   - Pictures (steps_art.go, api_poster.go; origin/thumbs): an artwork
//     step beside the transcodes analyses the source and writes art/
//     (poster.jpg with its score and reason in the catalog, sprite
//     sheets and thumbs.vtt, preview.mp4); an iframes step after
//     package writes {rendition}/iframes.m3u8 (byte ranges over the
//     segments) and adds EXT-X-I-FRAME-STREAM-INF lines at the end of
//     master.m3u8. They are files of the title like segments: published,
//     listed in the fill manifests and served by edges. PUT
//     /v1/titles/{id}/poster replaces the poster (kept beside the
//     source; put in the store at once for a published title, else
//     copied in by the publish step, which retries if one arrives
//     while it runs).
//   - Status (status.go): one goroutine follows job changes and mirrors
//     them onto titles (failed, cancelled, held, published) and removes a
//     finished title's work directory.
//   - Storage classes (tiering.go): a goroutine demotes published titles
//     whose popularity stayed under a threshold for N days; a GET of a
//     cold title, or of one of its files on the store route, starts a
//     restore. Both run as pipeline jobs, so they survive restarts.
//   - The live node registry (registry.go, api_nodes.go): the sites
//     file seeds it, nodes join and stay by heartbeat
//     (POST /v1/nodes/heartbeat), each manifest plans the site's live
//     nodes, GET /v1/sites lists every node with its source, state
//     and last report, DELETE /v1/nodes/{site}/{name} forgets a
//     registered one. The design is in registry.go's comment.
//   - The public catalogue (public.go, public_http.go): GET
//     /public/v1/titles[/{id}] without a token, for apps: published
//     titles only, public fields and playback entry points on steering,
//     a strong ETag and Cache-Control so edges can cache the answers,
//     CORS for any origin, and a token bucket per client address (its
//     table bounded: idle addresses are forgotten past 65,536). The
//     operator's API stays behind its tokens.
//   - Tiered fill (tierfill.go, parents.go): the sites file names each
//     site's parent sites (validated: known, not itself, no cycle);
//     GET /v1/parents/{site} gives a child site's nodes the parents'
//     live nodes (name, weight, peer address from heartbeats) and a
//     short-lived grant signed with the manifest key
//     (internal/tiergrant), which the parents' peer listeners accept.
//     Kept out of the manifest so that the manifest's format, deltas
//     and old edges stay as they are while liveness and grants change
//     on their own clock; the reasoning is in tierfill.go's comment.
//   - HTTP (routes.go): the API under /v1/ (bearer token when configured;
//     a node's own token opens only the node routes, nodeauth.go)
//     and, for a local store, the published files at the root path with
//     Range, ETag and Last-Modified (http.ServeContent through os.Root),
//     so an edge can use the controller itself as its origin.
//     Errors map to status codes in one place (errors.go).
//   - Cold titles (tiering.go, files.go, api_restores.go): a file of a
//     cold title answers 503 with Retry-After and starts its restore;
//     edges on an S3 origin, which never reach the controller for
//     files, ask with POST /v1/restores?key= (a node route) when S3
//     answers an archived object.
//   - Scale-out (queue.go, worker.go): with Queue.Engine "nats" the
//     encodes and checks (qc, transcode, transcode-chunk, join) go
//     through a NATS JetStream work queue (origin/pipeline/jsqueue; the
//     controller embeds the NATS server unless given one) to `vodedge
//     origin worker` processes, which run the same step functions
//     (WorkerSteps) without the catalog: they find a title's source
//     under sources/{id}/ and write under work/{id}/, so workers share
//     the data directory (same host, or a shared file system at the same
//     path). Package, publish and storage-class steps stay here. The
//     default, "local", runs every step in the controller.
//
// Data directory (--data): db/ (Pebble: jobs, titles, QC reports,
// popularity, the node registry), search.bleve/ (rebuilt at start), uploads/ (in-flight
// uploads), sources/{id}/ (kept sources), work/{id}/ (renditions until
// published), store/ (the default local store), nats/ (the embedded
// NATS's JetStream, with --engine nats).
//
// # The daemon: the Go API behind `vodedge origin`
//
// A Server is the controller: its state, pipeline and HTTP handler,
// served on whatever listener its caller gives it (the tests serve it on
// one loopback port). A Daemon is the process around it: the API's
// plain and HTTPS listeners, the admin listener (metrics, health, and
// the web pages), the certificate, and the stopping order. The command
// line only fills a DaemonConfig from its flags; the demo and the tests
// build the same DaemonConfig and call the same NewDaemon, Run and
// Shutdown:
//
//	cfg := controller.DefaultDaemonConfig("/var/lib/vodedge/origin")
//	cfg.Listen, cfg.Admin = "127.0.0.1:0", "127.0.0.1:0"
//	d, err := controller.NewDaemon(ctx, cfg, controller.DaemonDeps{Deps: controller.Deps{Logger: log}})
//	…
//	err = d.Run(ctx) // serves until ctx ends, d.Shutdown, or a listener fails
//
// It has the edge node's and steering's shape, on internal/daemon:
// NewDaemon binds the listeners first (a busy port fails before any
// state is opened, as a daemon.FieldError naming "Listen", "TLSListen"
// or "Admin"; a certificate that does not load names "TLS"), then opens
// the controller, and releases everything when a step fails; Run serves
// once; /readyz is 503 until it does. Stopping: the admin listener
// first (no scrape of a closing state), then the controller (requests
// and steps get ShutdownTimeout), then the listeners. The API tokens
// guard the admin API too.
//
// The daemon is a second type rather than more of Server because the
// two have different lives: a Server is useful on its own (the tests'
// single listener, an embedding program's mux), and the listeners, the
// certificate and the admin pages are the daemon's. The web pages
// (internal/webui) are mounted by the caller through
// DaemonDeps.AdminRoutes, given the URL of the daemon's own API: they
// read the catalog through the API's client (origin/controller/client),
// which imports this package, and they also show edges and steering, so
// they are the command's composition, not the controller's.
//
// Imports: origin/catalog, origin/fillplan, origin/kv, origin/packager,
// origin/pipeline, origin/pipeline/jsqueue (--engine nats), origin/popularity, origin/probe, origin/qc,
// origin/store, origin/subtitle, origin/thumbs, origin/transcode; internal/admin, internal/bytesize,
// internal/heartbeat, internal/manifest, internal/tiergrant, internal/daemon and internal/tlsreload (the
// daemon); x/time (the public catalogue's rate limit); x/text
// (subtitle languages). Nothing imports it
// but the CLI and its client.
package controller
