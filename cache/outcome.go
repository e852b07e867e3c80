package cache

// outcome is how a request was answered with respect to the cache, for
// the lookup metrics and the Cache-Status field (RFC 9211).
type outcome uint8

const (
	outNone        outcome = iota // answered before any lookup
	outHit                        // fresh from a tier
	outMiss                       // fetched from the origin
	outRevalidated                // stale, and the origin answered 304
	outModified                   // stale, and the origin sent a new version
	outStaleSWR                   // stale within stale-while-revalidate
	outStaleSIE                   // stale, origin failing, within its stale-if-error
	outStaleDown                  // stale, origin failing, within the operator's default
	outStaleClient                // stale, as the client's max-stale allows
	outPass                       // not from the cache and not stored
	outMethod                     // an unsafe method passed to the origin
	numOutcomes
)

// logOutcomes name the outcomes in the access log's cache field and the
// lookups metric.
var logOutcomes = [numOutcomes]string{"", "hit", "miss", "revalidated", "modified", "stale", "stale", "stale", "stale", "pass", "method"}

// staleReasons label vodedge_edge_stale_served_total.
var staleReasons = map[outcome]string{outStaleSWR: "swr", outStaleSIE: "sie", outStaleDown: "origin_down", outStaleClient: "max_stale"}
