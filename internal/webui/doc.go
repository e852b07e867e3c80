// Package webui is vodedge's web pages and the small JSON API behind
// them:
//
//   - the browse pages, a small streaming front end: the home page
//     (/home/, where / redirects) has rows of posters — "Popular here"
//     by the controller's popularity (plays per day) at the viewer's
//     site, "New releases" by publish date, one row per tag — and search
//     as you type (debounced, the same /api/titles). The page asks
//     steering which site the viewer is at (STEER/v1/site: the site of
//     the client's most specific prefix, the one its answers rank first)
//     and passes it as /api/titles?site=, so the site is decided where
//     the client's address and the site map already are, as an Open
//     Connect front end asks its steering. A viewer of no site, a site
//     the controller has no plays of, or a failed lookup gets the
//     all-sites ranking and the row is named "Popular" (the titles say
//     where their popularity was counted: popularity_site). A malformed
//     site is a 400. The site only chooses a ranking: a viewer who names
//     another site sees that site's ranking, nothing more. The title
//     page (/title/?id=) shows poster, description, year, rating,
//     languages, subtitles, viewer warnings and Play (HLS or DASH). Posters load through steering's redirect
//     (STEER/titles/ID/art/poster.jpg), so from the edges.
//     A card (and the title page's poster) plays the title's preview
//     clip when the pointer rests on it for 600 ms or it takes keyboard
//     focus: muted, inline, looping, in place of the poster, which comes
//     back when the pointer leaves (preview.js). The clip is a plain MP4
//     (H.264, no audio, index first), so a <video> plays it without
//     hls.js, and it too loads through steering from the edges.
//   - the player page (/player/): search the catalog, ask steering for a
//     title, play it with hls.js, and list for every segment the node
//     and tier that served it (the edges' X-Served-By and X-Cache). When
//     a request to a node fails, the page's loader retries it at once on
//     the next URL of steering's ranked answer, as an Open Connect player
//     falls back, and keeps using that URL. A 503 with Retry-After (a
//     title in cold storage being restored) is not a node's failure:
//     the page says "restoring, retry in N s" and asks the same URL
//     again after N s, or at once with "Retry now". /player/?id=ID
//     plays a title at once (&fmt=dash: with dash.js; a switch on the
//     page changes format). The page has a subtitles menu (hls.js's or
//     dash.js's text tracks, shown by the browser's text track display),
//     a seek bar whose hover shows the sprite tile of the hovered time
//     (the title's WebVTT thumbnail track, fetched from the node in use),
//     "Skip intro" while playback is in the intro marker (jumps to its
//     end), a "Next" hint from the credits marker, and the title's
//     viewer warnings, which hold playback until "Play anyway". DASH
//     lists its segments too, but with no failover (dash.js retries on
//     steering's first URL) and no X-Served-By/X-Cache (dash.js does not
//     hand over response headers): the node is the candidate's.
//   - the operator status page (/status/): every node of every site with
//     its state as an ISP portal shows it — OK, WARN or ERROR, the worst
//     of its components (reachability, readiness, cluster membership,
//     disk, fill, load, origin errors) — egress, hit ratio by tier, disk
//     use, fill progress, the members each node sees, and per site what
//     steering sees and decides (best answers, content and health misses).
//     A node with several disks lists each with its state (serving,
//     degraded, failed, offline); a failed or offline disk is a WARN.
//     Each site also lists its nodes in the controller's live node
//     registry (Deps.Registry, GET /v1/sites): static or registered,
//     planned or expired, last report; a node the controller no longer
//     plans is a WARN. A site with parent sites (tiered fill) names them.
//
// The Monitor behind /api/status polls the admin listeners: each edge's
// /readyz, /metrics, /v1/cluster and /v1/fill, and steering's /v1/sites
// and /metrics, with the admin bearer token, on demand (at most once per
// Config.MinInterval, one poll at a time) — no goroutine runs between
// requests. One edge address per site is enough: the others are learned
// from its cluster view, and a node once seen stays listed (as ERROR when
// it stops answering) until the process restarts.
//
// # Where it is served
//
// The controller's admin listener mounts it under /ui/ (`vodedge origin
// --ui-edges … --ui-steer-url … --ui-steer-admin …`): the operator's
// management address, next to /metrics. `vodedge demo` starts the
// controller that way, so the demo's pages are that same code. All paths
// inside the pages are relative, so any prefix works.
//
// # Assets
//
// The pages' JavaScript is plain (no framework: a few hundred lines of
// DOM code do not need one), written in web/src and bundled with hls.js
// and dash.js by esbuild (all from npm, exact versions) into assets/,
// which is committed and embedded:
// `go build` needs no npm and the pages load nothing from other hosts.
// `make web` rebuilds the bundle (npm ci, then esbuild).
//
// It lives under internal/ because it is no one's API: the pages and
// their JSON change with the daemons they show.
package webui
