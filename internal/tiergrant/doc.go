// Package tiergrant is the trust between sites that fill from one
// another (tiered fill): a grant "site C may fetch from parent sites P…
// until T", signed by the controller with the manifest key, and the
// directory of a child site's parents (their live nodes) that carries it.
//
// # Why a grant, and why this key
//
// Nodes of one site authenticate to each other with the site's cluster
// key (cache/peer.Auth). Sites do not share that key, and a new shared
// secret between every child and parent would have to be distributed and
// rotated by hand. Every edge already trusts one key: the controller's
// ed25519 manifest key, whose public half is in its configuration. So
// the controller signs a short-lived grant for each child site; the
// child's nodes send it on their requests to a parent's peer listener
// ("Authorization: Grant <token>"), and the parent's node accepts it when
// the signature verifies with its manifest public key, its own site is
// one of the grant's parents and the grant has not expired. A leaked
// grant opens the parents' peer listeners (which serve only what players
// may fetch anyway, and only by GET/HEAD) until it expires.
//
// The token is base64url(JSON grant) "." base64url(signature): compact
// (a few hundred bytes), so it fits a request header. The directory (the
// parents' nodes and peer addresses) is not in the token: it would grow
// with the parents' sizes. It comes with the token from the controller's
// authenticated API (GET /v1/tiers/{site}), as the registry's view does,
// and a lying directory can at worst point a child at a node that does
// not answer or serves bytes that fail the manifest's checksums: it gains
// nothing a stolen grant would not.
//
// Imports: standard library.
package tiergrant
