//go:build !race

package disktier

const raceEnabled = false
