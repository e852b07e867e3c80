// Package client is the Go client of the origin controller's HTTP API,
// used by `vodedge ingest` and `vodedge origin jobs|titles|approve`, and
// by the controller's end-to-end tests. It streams uploads (a multipart
// body written through a pipe as the file is read, never held in memory)
// and polls jobs; non-2xx answers become *APIError with the controller's
// message.
//
// It lives beside the controller rather than in it so that the server
// package stays free of client code.
//
// Imports: the wire types of origin/controller, origin/catalog,
// origin/pipeline, origin/popularity and origin/qc.
package client
