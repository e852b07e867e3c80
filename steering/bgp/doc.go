// Package bgp is steering's embedded BGP speaker: GoBGP (v3, as a
// library) peering with the ISP's routers to learn which client prefixes
// each site serves, as Open Connect appliances learn theirs.
//
// # What a route means
//
// A route announced by a neighbor says "the clients of this prefix are
// served by" a site:
//
//   - the sites named by the route's standard communities, through
//     Config.Communities ("65000:100" → ams), so one session with a route
//     reflector can carry every site's prefixes;
//   - otherwise the neighbor's own Site (a site's router announces the
//     prefixes that site serves);
//   - otherwise nobody (counted as unmapped).
//
// The routes go to a Sink (the prefix table) under the source
// "bgp:<neighbor address>". A withdrawal carries only the prefix, so the
// speaker remembers the sites each neighbor's prefixes were announced for;
// a re-announcement with other communities moves the prefix between
// sites; a session that leaves Established withdraws all its routes (the
// static files stay, being another source). Routes are read before any
// import policy (GoBGP's adj-RIB-in watch, with the routes already held
// when the watch starts), so GoBGP's best-path choice between neighbors
// does not hide a site's route.
//
// Steering announces nothing: the global export policy rejects every
// route, so what one router sends is never passed to another
// (TestSpeakerLearnsAndWithdraws checks r2 receives nothing while steering
// holds r3's routes).
//
// # Sessions
//
// IPv4 and IPv6 unicast; active (steering connects, Neighbor.Port) or
// passive (the router connects to Config.Listen); optional TCP MD5
// password and eBGP multihop. Large and extended communities are not
// mapped. Session state and prefix counts are exported
// (vodedge_steer_bgp_session_up, _bgp_prefixes, _bgp_updates_total,
// _bgp_session_changes_total) and listed by Sessions.
//
// # GoBGP's goroutine
//
// (*BgpServer).Serve never returns: Stop closes the sessions and the
// listener, but the loop stays. A process runs one speaker, so nothing
// accumulates; the tests' goleak ignores that one function.
//
// Tested against a second GoBGP speaker on loopback (two, in fact:
// 127.0.0.2 and 127.0.0.3, one connecting each way).
//
// Imports: GoBGP (server, api, log), protobuf's anypb, steering/prefix,
// client_golang.
package bgp
