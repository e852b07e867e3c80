// Package heartbeat is the wire form of a node's report to the
// controller's live node registry (POST /v1/nodes/heartbeat): who the
// node is (name, site), what it offers the fill planner (weight,
// capacity), its disks, its version and the address its peers fetch
// from. The edge's fill agent sends one every interval; the controller
// parses and validates it with Parse, which names the first bad field
// (the controller answers 400 with it).
//
// It is a leaf both sides import, so the sender and the receiver cannot
// disagree on the fields: fill (the sender) may not import the
// controller, and the controller may not import fill.
//
// Imports: standard library.
package heartbeat
