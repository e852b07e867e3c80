//go:build race

package urlsign

const raceEnabled = true
