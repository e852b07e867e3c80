package cache

// # HTTP caching conformance
//
// What the edge does as a general HTTP cache (--cache-policy '*=rfc';
// the video defaults hold segments immutable, see doc.go), the
// requirement it meets, and the test that checks it against a real
// origin on loopback (the semOrigin harness unless noted; tests in
// conform_test.go unless another file is named).
//
//	requirement              section            behaviour                                                test
//	origin error answers     RFC 9110 §15       status, fields and body passed on: 404, 410, 500, 503    TestOriginErrorAnswersPassThrough,
//	                                            (Retry-After kept), 504, 599; HEAD too; an S3 NoSuchKey  TestErrorHeadRequestPassesStatus,
//	                                            is the edge's one-line 404 without S3's fields           TestOriginErrorsMapToStatuses (miss_test),
//	                                                                                                     TestEdgeOverS3 (origins_test)
//	storing error answers    9111 §3, 9110      404, 410, 501 heuristically cacheable; others only with  TestOriginErrorAnswersPassThrough,
//	                         §15.1              explicit freshness; 404/410 without it: NegativeTTL      TestFreshnessAndStorage (rfc9111_test)
//	Retry-After              9110 §10.2.3       a stored error answer expires at Retry-After (seconds    TestRetryAfterBoundsAStoredError
//	                                            or date) and is never served stale (issue 19)
//	5xx on revalidation      9111 §4.2.4,       the stale copy within stale-if-error, the 5xx not        TestServerErrorOnRevalidation,
//	                         RFC 5861 §4        stored; past it the origin's 5xx passes; a 5xx for a     TestStaleIfError (revalidate_test),
//	                                            later slice of a stored object never replaces it         TestServerErrorForALaterSlice
//	Age                      9111 §4.2.3, §5.1  corrected initial age (origin Age + response delay)      TestAgeIncludesDelayAndResidence,
//	                                            + resident time; never below the origin's; an Age that   TestAgeOnARealClock
//	                                            is not a non-negative integer is ignored
//	Cache-Status             RFC 9211 §2        on every answer: one list member, hit with ttl (negative TestCacheStatus,
//	                                            when stale) and detail; or fwd=uri-miss|vary-miss|       TestCacheStatusCollapsed,
//	                                            request|stale|bypass|method with fwd-status, ttl and     TestCacheStatusOnFreshHits,
//	                                            stored, collapsed; fwd=partial with ttl when a stored    TestCacheStatusPartial
//	                                            object's response needs slices not stored (the fetch
//	                                            has not answered when the header leaves: no fwd-status);
//	                                            key if asked; an only-if-cached 504:                     TestCacheStatusKeepsUpstreamMembers
//	                                            detail=only-if-cached; upstream caches' members kept as
//	                                            received, this node's last
//	CDN-Cache-Control        RFC 9213 §2.2, §3  the first valid targeted field (the node's, then         TestTargetedCacheControl,
//	                                            CDN-Cache-Control) replaces Cache-Control and Expires;   TestTargetedCacheControlStripped,
//	                                            an invalid one is skipped; a key's last member wins      TestParseTargeted (freshness, unit)
//	request max-age          9111 §5.2.1.1      a copy older than it is revalidated (fwd=request)        TestRequestDirectives
//	request max-stale        §5.2.1.2           with a value: stale by at most it; without: any; never   TestRequestDirectives
//	                                            past must-revalidate, proxy-revalidate, s-maxage
//	request min-fresh        §5.2.1.3           fresh for at least it more, else revalidated             TestRequestDirectives
//	request no-cache         §5.2.1.4           a fresh copy is revalidated                              TestRequestDirectives
//	request no-store         §5.2.1.5           a fresh copy may serve; nothing fetched for it is        TestRequestDirectives
//	                                            stored, a revalidation's new version included
//	only-if-cached           §5.2.1.7           504 when nothing stored, or stale beyond what the        TestRequestDirectives
//	                                            request allows; always obeyed
//	Pragma                   §5.4               request Pragma: no-cache only without Cache-Control;     TestRequestDirectives,
//	                                            ignored on responses                                     TestMalformedResponseFields
//	invalid Expires          §5.3               already stale (a wrong-case zone is invalid)             TestMalformedResponseFields
//	304 updates              §3.2, §4.3.4       the 304's fields replace the stored ones but for         TestRevalidation304RefreshesWithoutRefetch
//	                                            hop-by-hop, Content-Length/-Range, ETag, Last-Modified;  (revalidate_test),
//	                                            Content-Type and Content-Encoding too (the bytes are     TestRevalidation304UpdatesContentFields
//	                                            stored as received, so §3.2's exception for caches that  (update304_test)
//	                                            store a processed form does not apply)
//	HEAD                     §4.3.5, 9110       a stored object answers a HEAD; with nothing stored a    TestHeadRequests
//	                         §9.3.2             HEAD goes to the origin as HEAD and stores nothing; a
//	                                            HEAD on a stale copy revalidates it with a conditional
//	                                            GET (its 304 freshens the copy, no body moves), so the
//	                                            edge never gets a HEAD's 200 for a stored object and
//	                                            §4.3.5's freshening with HEAD has nothing to act on
//	partial content          §3.3–3.4, 9110     objects are asked by slice with Range; a 206 starting    TestOriginRangesRoundedDown,
//	                         §14, §15.3.7       before the offset is cut; one shorter than asked is      TestOriginShortRanges,
//	                                            used and the rest asked (at most 16 requests; a later    TestShortRangesOfAChangingObject,
//	                                            part of another size, ETag or Last-Modified cuts the     TestOriginRangeWithoutCompleteLength,
//	                                            answer and nothing is stored); one without a complete    TestOriginMultipartForOneRange
//	                                            length ("/*") takes the size a HEAD gives when both      (partial_test); origin's
//	                                            carry the same strong ETag, else the object is asked     TestShortRangesAreContinuedWithinABound,
//	                                            without Range (the 200's Content-Length gives the size); TestRangeWithoutCompleteLengthCost,
//	                                            a multipart/byteranges one is read for the part holding  TestOriginRangePastTheSlice
//	                                            the offset, with that part's Content-Type; bytes past    (partial_test); origin's
//	                                            the slice asked are left unread (see below)              TestRangeWithoutCompleteLength,
//	                                                                                                     TestParseByteranges
//	Set-Cookie               §3.1, §3.5         not stored; the request whose miss fetched a stored or   TestSetCookieOnlyForItsRequest,
//	                                            shared answer gets it, collapsed requests and hits do    TestCacheStatusCollapsed,
//	                                            not, nor a stale answer (stale-while-revalidate, stale-  TestHeadersPassedOn (headers_test),
//	                                            if-error: the failed revalidation's cookie neither); an  TestStaleAnswersCarryNoSetCookie
//	                                            answer for one request (private, Authorization) carries  (stalecookie_test)
//	                                            it
//	Authorization            §3.5               stored copies used, and its own answers stored, only if  TestAuthorizationStorage,
//	                                            public, s-maxage or must-revalidate                      TestClientDirectives (headers_test)
//	no-cache=, private=      §5.2.2.4, .7       stored without the named fields                          TestFreshnessAndStorage (rfc9111_test)
//	1xx interim responses    RFC 9110 §15.2,    an origin's 103 reaches the requests waiting on that     TestEarlyHintsForwarded
//	                         RFC 8297           fetch before its answer; never stored, not repeated on
//	                                            the final answer; other 1xx are not passed on
//	query in the key         §4.1 (the target   per path pattern ('/api/*=rfc,query'): the query as      TestQueryInKeyPerPattern,
//	                         URI is the key)    sent is part of the key and sent to the origin; default  TestQueryFlag (policy, unit)
//	                                            rules (media segments, playlists) leave it out
//	invalidation             §4.4               POST, PUT, DELETE, PATCH and unknown methods passed on;  TestUnsafeMethodsInvalidate (vary_test),
//	                                            a non-error answer invalidates the URI, Location and     TestQueryInKeyPerPattern
//	                                            Content-Location on the same host, each with its query
//	                                            where the rule puts queries into keys (so does the
//	                                            admin API's key=, purge and stat)
//
// Where RFC 9111 leaves a choice, the edge does what most of Varnish,
// Squid, Traffic Server and nginx do (their published http-tests/
// cache-tests results), tested in TestMalformedResponseFields and
// cache/freshness's TestParseCacheControl:
//
//	max-age=3600.5, max-age=3600a      3600: the leading digits (Varnish, Squid, Traffic Server)
//	max-age=a3600, -1, '3600'          malformed: 0, stale (Varnish, Squid, nginx)
//	max-age = 3600, max-age= 3600      3600: spaces around "=" tolerated (Varnish, Traffic Server)
//	max-age="3600"                     3600 (§5.2: a recipient SHOULD accept both forms)
//	two max-ages, two Expires          the first (§4.2.1 allows the first or stale)
//	Expires with "gmt"                 invalid: stale (Varnish, Squid; HTTP-date is case-sensitive)
//
// Deliberate deviations, and the setting that changes each:
//
//	video paths' fresh hits carry no   X-Cache: HIT-RAM/HIT-DISK says it; the field costs a     --cache-status-hits (rfc
//	Cache-Status                       hit ~80 ns of CPU, 1.12× (BenchmarkHandlerHitCacheStatus) paths always carry it)
//	client directives ignored          §5.2.1 lets a cache decline; player reloads stay off     --honor-client-cache-control
//	                                   the origin (only-if-cached is always obeyed)
//	video paths' own freshness         segments immutable 30 d, playlists 1–10 s                --cache-policy '*=rfc'
//	query not in the key by default    tokens and cache-busters would split a segment's cache    --cache-policy 'PATTERN=rfc,query'
//	a HEAD on a cold segment           fetches the first slice with a GET (the GET that          --cache-policy (rfc for the path)
//	                                   follows is then a hit)
//	Set-Cookie never stored            §3.1 stores every field; a cookie replayed from a cache  none
//	                                   is another user's session (the requester that caused
//	                                   the fetch still gets it)
//	error body larger than a slice     502 (a status answer is read whole into memory)          --slice-size
//	targeted fields passed on          §3 of RFC 9213: "typically forward"; may be removed      --strip-targeted-cache-control
//	CDN-Cache-Control obeyed           on by default: this is a CDN                             --cdn-cache-control=false
//	Cache-Status key                   off by default: it shows how URLs map to objects         --cache-status-key
//
// Partial content: two costs, and why they stay (the origin client,
// package origin, does the reading; this package only asks for slices):
//
//	206 without a complete length  RFC 9110 §14.4 allows "bytes a-b/*"; the size is needed to slice and to
//	("/*")                         answer. Each cold slice costs 3 origin requests: the 206 (its body
//	                               dropped), a HEAD, and the range again when the HEAD gives a size with
//	                               the same strong ETag: 2× the object's bytes (700,000-byte object, 3
//	                               slices: 9 requests, 1.4 MB; TestRangeWithoutCompleteLengthCost). Without
//	                               a strong ETag nothing ties a size to the bytes, and each slice is read
//	                               from the object's first byte with a GET without Range: 4× here, growing
//	                               with the number of slices (fine for the small objects such origins
//	                               generate, quadratic for a large one). What would cut it, in package
//	                               origin: keep the first 206's body while the HEAD answers (2 requests,
//	                               1× the bytes), and take a later slice's size from the first slice's
//	                               (1 request); a wrong size is then caught by the slices' check of size
//	                               and ETag against each other.
//	bytes past the slice asked     an origin that ignores the end of a Range sends the rest of the object;
//	                               the client reads the slice's bytes and closes the connection, so only
//	                               what was in flight crosses the wire, and the next slice is asked once
//	                               when a reader gets to it (TestOriginRangePastTheSlice: 3 requests for 3
//	                               slices). Reading on to store the next slice would make every slice
//	                               fetch a fetch of the rest of the object for readers who may never get
//	                               there (a player seeking deep into a 2 GiB file would pull 1.5 GiB, the
//	                               cost slicing exists to avoid; doc.go), and a reader of slice i already
//	                               starts fetching slice i+1.
