package main

import (
	"io"
	"strings"
	"testing"
)

// TestIngestExpectedPlaysFlag: a value that is not plays per day is
// refused before anything is uploaded, naming the flag.
func TestIngestExpectedPlaysFlag(t *testing.T) {
	for _, v := range []string{"-5", "lots", "NaN"} {
		cmd := newIngestCmd(nil)
		cmd.SetArgs([]string{"--expected-plays", v, "--origin", "http://127.0.0.1:1", "movie.mp4"})
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "expected-plays") {
			t.Errorf("--expected-plays %s: %v, want an error naming the flag", v, err)
		}
	}
}
