// Package peer is the edge's peer data plane, the client side: before a
// node fetches a slice from the origin it asks the nodes of its site that
// own the slice, over their peer listeners.
//
// # What it owns
//
//   - Origin: the edge's origin in a site cluster. A slice owned by
//     another node is asked of that node's peer listener (Range request,
//     bearer token from Auth); a miss (404 with MissHeader), a timeout
//     (300 ms to headers by default), a refusal or an error goes to the
//     next owner and then the origin, and a body that breaks midway is
//     finished from the origin (Config.IdleTimeout stalls count as
//     breaks). A 404 from an owner is final: the owner asked the origin.
//     Peer requests never chain: a node that does not own a key answers
//     from its cache only (cache.Server.ServePeer, the server side).
//   - Auth: the site's peer credential, HMAC-SHA256(cluster key,
//     "vodedge-peer") as a bearer token, checked in constant time.
//
// Whom to ask comes from a Router, declared here and implemented by the
// site's membership (steering/cluster, adapted where the node is
// assembled, cache/edge), so this package depends on no membership
// library and is tested with a fixed route.
//
// # Metrics
//
// vodedge_peer_fetches_total{outcome}, vodedge_peer_bytes_total{outcome},
// vodedge_peer_origin_fetches_total{reason}, vodedge_peer_resumed_total.
//
// Imports: origin (the object model and error sentinels), client_golang
// and the standard library.
package peer
