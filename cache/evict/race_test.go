//go:build race

package evict

// raceEnabled shortens the simulation under the race detector.
const raceEnabled = true
