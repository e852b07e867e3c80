package fill

// Poke wakes the agent's loop at once, as a pushed manifest or a forced
// fill does; the tests use it after moving an injected clock.
func (a *Agent) Poke() { a.poke() }
