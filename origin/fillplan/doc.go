// Package fillplan turns popularity into a site's fill manifest: which
// files the site holds, how many copies of each, on which nodes.
//
// Plan sorts the catalogue's files by the site's smoothed popularity
// (bytes served ÷ size, origin/popularity, blended with a tenth of the
// title's popularity so that files of a popular title nobody fetched
// yesterday still rank high; a new release's files also get a share of
// its prior, BlendPrior, so it is filled on its release night: the rule
// and its measurement are in origin/popularity's doc), most popular
// first. A first pass places one
// copy of as many files as fit in 90 % of each node's capacity; a second
// adds copies of the most popular files in the rest: three for the top
// 5 %, two for the top 20 % (never more than the site has nodes), so the
// hottest files survive a node's loss and spread their load. Offload is
// counted per site (peer fill serves a file from any node), so copies
// are bounded: spending capacity on them without bound cost a quarter of
// the site's offload in the measurement (61.5 % against 76.5 % of the
// next day's bytes with 20 % of the catalogue). Each copy goes to the
// file's owners by the site's weighted rendezvous placement
// (internal/placement, the hashing the edges use for peer fill) of the
// file's directory (Group: one rendition of a title), skipping a node that
// is full; a file that fits nowhere is left out. Placing by directory
// rather than by key keeps a rendition's files on the same nodes, which
// is what lets the manifest say "n1 holds files 0-49 of this group"
// instead of a node list per file (internal/manifest); offload is counted
// per site, so it does not change.
//
// Offload (make bench-offload; a week of Zipf traffic with a new release
// per fifty titles each day, popularity through origin/popularity, the
// site's plan filled overnight, the next day replayed with LFU-DA caching
// of misses in the 10 % of capacity not planned), share of the next
// day's bytes served from the edge, and in brackets a clairvoyant fill's
// (one that knows the next day's requests and fills the whole capacity
// with the most requested files: the best any fill of that size does):
//
//	capacity / catalogue  10 %         20 %         40 %         60 %         80 %         90 %
//	Zipf α = 0.8          49.9 (55.4)  63.3 (69.5)  78.7 (85.5)  88.8 (94.5)  95.4 (99.1)  97.4 (100)
//	Zipf α = 1.0          63.8 (68.7)  74.9 (79.7)  86.1 (90.9)  92.4 (96.8)  96.6 (99.6)  98.1 (100)
//	Zipf α = 1.2          76.1 (81.1)  84.7 (88.7)  92.1 (95.6)  95.9 (98.7)  98.1 (100)   98.8 (100)
//
// (2-core box, 6 Dec 2026, alone but for other engineers' builds; the
// figures are deterministic up to LFU-DA's ties, ±0.1.) The prediction is
// 4–7 points below the clairvoyant fill at every size: what is left to
// win by predicting better is that, not the distance to 100 %.
//
// The brief's 95 % needs a site sized for its audience's skew: 80 % of the
// catalogue at α 0.8–1.0, 60 % at α 1.2.
//
// Imports: internal/manifest, internal/placement, standard library.
package fillplan
