// Package fillplan turns popularity into a site's fill manifest: which
// files the site holds, how many copies of each, on which nodes.
//
// Plan sorts the catalogue's files by the site's smoothed popularity
// (bytes served ÷ size, origin/popularity), most popular first, and
// takes them while they fit. A file's copies grow with its rank: the top
// 5 % get three copies, the top 20 % two, the rest one (never more than
// the site has nodes), so the hottest files survive a node's loss and
// spread their load. Each copy goes to the file's owners by the site's
// weighted rendezvous placement (steering/placement, the same hashing
// the edges use for peer fill), skipping a node that is full; a file that
// fits no node is left out. Files nobody asked for yet come last, so a
// new site still fills with the catalogue as capacity allows.
//
// Imports: fill/manifest, steering/placement, standard library.
package fillplan
