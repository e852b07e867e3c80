// Package daemon is what vodedge's daemons (the edge node, the steering
// service, the origin controller) share around their listeners: the
// public, HTTPS and admin addresses checked (CheckAddrs) and bound up
// front (Listen: port 0 is resolved before anything is served and a busy
// port fails the start, naming its field), the wait for the first of
// "told to stop" and "a listener failed" (Wait), a run-once life
// (Lifecycle: New releases what it opened on error, Run runs once,
// Shutdown stops it or releases a daemon that never ran), and a
// daemon's own metrics registry. What each daemon serves and the order
// it stops in stay its own.
//
// Imports: no package of the module; client_golang.
package daemon
