// Package daemon is what vodedge's daemons (the edge node, the steering
// service, the origin controller) share around their listeners: the
// public, HTTPS and admin addresses bound up front (so port 0 is resolved
// before anything is served and a busy port fails the start, naming its
// field), and the wait for the first of "told to stop" and "a listener
// failed". What each daemon serves and the order it stops in stay its
// own.
//
// Imports: standard library only.
package daemon
