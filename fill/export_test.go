package fill

// Poke wakes the agent's loop at once, as a pushed manifest or a forced
// fill does; the tests use it after moving an injected clock.
func (a *Agent) Poke() { a.poke() }

// Restore runs the start-up restore of the saved manifest; Latest is the
// newest accepted version (0: none).
func (a *Agent) Restore() { a.restore() }

func (a *Agent) Latest() int64 {
	if l := a.latest(); l != nil {
		return l.Header.Version
	}
	return 0
}
