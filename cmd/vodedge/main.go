// Command vodedge is the single binary of the vodedge edge CDN. Each
// subcommand wires one daemon or tool from its package; nothing else
// lives here.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "vodedge:", err)
		os.Exit(1)
	}
}
