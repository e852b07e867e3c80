//go:build race

package disktier

// raceEnabled skips the heap measurement under the race detector.
const raceEnabled = true
