package cache

import (
	"github.com/valyala/fasthttp"
)

// CORS: players in browsers (hls.js, dash.js) fetch playlists and
// segments from edges on another origin than the page's, and read the
// tier and node headers. A response gets CORS headers only when the
// request carries Origin (browsers always send it cross-origin; wrk,
// ffmpeg and TV players do not), so other clients pay nothing.
var (
	keyOrigin         = []byte("Origin")
	hdrACAO           = []byte("Access-Control-Allow-Origin")
	hdrACEH           = []byte("Access-Control-Expose-Headers")
	hdrACAM           = []byte("Access-Control-Allow-Methods")
	hdrACAH           = []byte("Access-Control-Allow-Headers")
	hdrACMA           = []byte("Access-Control-Max-Age")
	valExposed        = []byte("X-Cache, X-Served-By, Content-Range, Content-Length, ETag, Age, Cache-Status, Retry-After")
	valMethods        = []byte("GET, HEAD, OPTIONS")
	valRequestHeaders = []byte("Range, If-Range, If-None-Match, If-Modified-Since")
	valMaxAge         = []byte("86400")
)

// cors adds the CORS response headers for a cross-origin request.
func (h *handler) cors(ctx *fasthttp.RequestCtx) {
	if h.corsOrigin == nil || len(ctx.Request.Header.PeekCanonical(keyOrigin)) == 0 {
		return
	}
	hd := &ctx.Response.Header
	if len(hd.PeekBytes(hdrACAO)) == 0 { // the origin's own policy wins
		hd.SetCanonical(hdrACAO, h.corsOrigin)
	}
	hd.SetCanonical(hdrACEH, valExposed)
}

// preflight answers a browser's CORS preflight (OPTIONS with
// Access-Control-Request-Method); it reports whether it did.
func (h *handler) preflight(ctx *fasthttp.RequestCtx) bool {
	if h.corsOrigin == nil || !ctx.IsOptions() || len(ctx.Request.Header.Peek("Access-Control-Request-Method")) == 0 {
		return false
	}
	hd := &ctx.Response.Header
	hd.SetCanonical(hdrACAO, h.corsOrigin)
	hd.SetCanonical(hdrACAM, valMethods)
	hd.SetCanonical(hdrACAH, valRequestHeaders)
	hd.SetCanonical(hdrACMA, valMaxAge)
	ctx.SetStatusCode(fasthttp.StatusNoContent)
	return true
}
