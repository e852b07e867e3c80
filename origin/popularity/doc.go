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
// # New releases: a prior
//
// A title released today has no history, so its smoothed popularity is
// 0 on the night the site is filled for its release, exactly when Open
// Connect pre-positions new titles. It gets a prior (prior.go, launch.go):
//
//	effective = own + w(k) × prior,   w(k) = max(0, 1 − k/PriorDays)
//
// own is the title's smoothed history (above), k the whole days from its
// release day (its publish time) to the end of the window (EvidenceDays:
// 0 on the release day and the night before it), PriorDays 3 by default:
// the prior counts whole on release night, two thirds and one third on
// the next two nights, then the title's own days alone. The prior, in
// plays per day (EstimatePrior), is
//
//  1. the operator's expected plays per day (expected_plays at ingest or
//     PATCH, across all sites), times the site's share of all sites'
//     plays in the window (1 before any traffic);
//  2. else the median launch figure of comparable published titles: a
//     title's launch figure (Launches) is its mean plays per day at the
//     site over its first LaunchDays (2) whole days, for releases of the
//     last Lookback (90) days. Comparable means sharing a tag, the rating
//     and the year within two; with fewer than MinComparables (2) such
//     launches, sharing a tag; with fewer, every launch in the catalogue;
//     with none, no prior (the title waits for its own history, as
//     before).
//
// The controller's fill plan adds w × prior ÷ the title's video
// renditions to each of its files' popularity (fillplan.BlendPrior: a
// play streams one rendition), and GET /v1/titles/{id}?site= shows own,
// prior (with its source), w and effective.
//
// Why launches and not the comparables' current popularity: a back
// catalogue title's popularity today says little about how a new one
// opens; the comparables' own first days do. Why the median: one hit or
// one flop among them must not set the prior. Why it fades within days
// rather than as the EWMA's own start (1−α)^k, which was the first rule
// tried: the prior estimates release-day demand, a peak, and a release's
// own days soon say more. Measured in fillplan's TestReleaseWeek (2-core
// box, α = 1.0, site 20 % of the catalogue, the seven release days):
// keeping the prior as the EWMA's start, (1−α)^k over the 30-day window,
// cost 0.4 points of the site's offload (71.8 % → 71.4 % in that run) by keeping
// fading releases above steadier titles; fading it over 1, 2 or 3 days
// gained 0.2–0.3 points (→ 72.0 %); over 5, nothing. All of them raised
// the releases' own offload on their release day from 74 % to 95 %.
//
// The release week (make bench-offload, fillplan's TestReleaseWeek: 200
// back-catalogue titles, a fortnight of history then seven days with a
// release each, 5,000 plays a day at one site, each genre launching in
// its own band of ranks, its rank then growing by half a day; the same
// plays replayed against the night's plan without and with the prior,
// and a clairvoyant fill of the same capacity), share of the seven
// release days' bytes served from the edge, and of the releases' own
// bytes:
//
//	                  site's bytes                    releases' bytes
//	α    capacity     without  with   clairvoyant     without  with   clairvoyant
//	0.8  10 %         45.7     46.3   51.6            38.6     85.1   93.3
//	0.8  20 %         59.3     59.9   66.5            62.1     93.7   97.3
//	0.8  40 %         75.4     75.5   83.7            86.0     97.3   99.2
//	1.0  10 %         59.9     60.1   65.0            50.0     85.1   94.4
//	1.0  20 %         71.7     71.9   77.3            74.0     95.2   96.6
//	1.0  40 %         83.5     83.5   90.2            89.7     96.2   99.0
//	1.2  10 %         72.6     72.5   77.2            83.6     89.3   97.9
//	1.2  20 %         81.9     82.0   86.5            91.6     96.4   99.4
//	1.2  40 %         90.0     90.2   95.2            96.0     100    99.9
//
// (2-core box, 6 Dec 2026, with other engineers' test runs alongside:
// load average 12–13; the figures do not depend on it. Two runs differ
// only by which misses LFU-DA keeps among ties: ±0.1 on the site's
// figures, up to 1.6 points on the releases' figures without the prior,
// which rest on the cache.) The prior does what it is for: a release is
// served from the edge on its first day (74 % → 95 % at α 1.0, 20 %)
// instead of filling the cache by misses during its first evening, which
// is origin egress at peak time. The site's total moves little (0 to +0.6
// points, −0.1 in one run of one cell): a release is one title among two hundred, and LFU-DA
// caches a hit release's misses within hours anyway. A wrong prior costs
// a little: a documentary given the catalogue's median launch (127 plays
// where it drew almost none, α 1.0, 10 %) cost that day 0.9 points; a
// prior below the site's cut-off (horror at α 1.2, 10 %) changes nothing.
//
// Imports: origin/kv and Prometheus.
package popularity
