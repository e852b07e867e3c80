package cache

import "github.com/valyala/fasthttp"

// sendEarlyHints writes a 103 (Early Hints) interim response with the
// origin's Link fields to the client waiting on a miss (RFC 8297), and
// leaves the final response's fields as they were: the hints are the
// origin's interim answer, neither stored nor repeated on the final one.
// fasthttp writes nothing for an HTTP/1.0 client.
func sendEarlyHints(ctx *fasthttp.RequestCtx, links []string) {
	hd := &ctx.Response.Header
	hd.Del("Link")
	for _, l := range links {
		hd.Add("Link", l)
	}
	_ = ctx.EarlyHints() // a write error shows again on the final response
	hd.Del("Link")
}
