package cluster

import "fmt"

// State is what a node says about itself in its metadata.
type State uint8

// States. A node in StateOK or StateDegraded takes part in placement; a
// draining or leaving node keeps serving what it is asked but is given no
// new files, and steering sends it no new clients.
const (
	StateOK       State = 1 // serving normally
	StateDraining State = 2 // set by an operator (vodedge drain)
	StateDegraded State = 3 // serving, but its disk tier stores nothing new
	StateLeaving  State = 4 // shutting down; announced just before leaving
	// StateWatching is a member that only watches the site (the steering
	// service): it is never placed and serves nothing. Nodes of releases
	// before it decode it as an unknown state, which is not placeable
	// either.
	StateWatching State = 5
)

func (s State) String() string {
	switch s {
	case StateOK:
		return "ok"
	case StateDraining:
		return "draining"
	case StateDegraded:
		return "degraded"
	case StateLeaving:
		return "leaving"
	case StateWatching:
		return "watching"
	}
	return fmt.Sprintf("unknown(%d)", uint8(s))
}

// placeable reports whether a node in state s may own files.
func (s State) placeable() bool { return s == StateOK || s == StateDegraded }

// Liveness is what the failure detector says about a member.
type Liveness uint8

// Liveness values. memberlist's own suspicion is not visible outside it
// (v0.7.0 keeps it in unexported state), so Suspect here means that this
// node's own requests to the member failed within Config.SuspectFor.
const (
	Alive Liveness = iota
	Suspect
	Dead
	Left
)

func (l Liveness) String() string {
	switch l {
	case Alive:
		return "alive"
	case Suspect:
		return "suspect"
	case Dead:
		return "dead"
	case Left:
		return "left"
	}
	return fmt.Sprintf("unknown(%d)", uint8(l))
}
