package main

import (
	"fmt"

	"github.com/vodedge/vodedge/internal/admin"
)

// readTokens reads the bearer token file a flag names: nil when the flag
// is empty, an error naming the flag when the file cannot be used.
func readTokens(flag, file string) ([]string, error) {
	if file == "" {
		return nil, nil
	}
	t, err := admin.LoadTokens(file)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return t, nil
}
