package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/internal/cliconf"
)

// globalOpts are the flags every subcommand takes.
type globalOpts struct {
	logLevel  string
	logFormat string
	// logOut receives daemon logs; nil means stderr. `vodedge demo`
	// gives each in-process daemon its own.
	logOut io.Writer
}

func newRootCmd() *cobra.Command {
	g := &globalOpts{}
	root := &cobra.Command{
		Use:   "vodedge",
		Short: "vodedge: an open-source edge CDN appliance for video on demand",
		Long: `vodedge is an edge CDN appliance for video on demand, modeled on Netflix
Open Connect. ISPs rack vodedge nodes; players fetch video segments from
them over HTTP.

Every subcommand accepts --config FILE: a YAML mapping of its flag names
to values. Flags given on the command line win over the file.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	root.AddCommand(newEdgeCmd(g))
	root.AddCommand(newBenchCmd(g))
	root.AddCommand(newOriginCmd(g))
	root.AddCommand(newIngestCmd(g))
	root.AddCommand(newStatusCmd(g))
	root.AddCommand(newDrainCmd(g))
	root.AddCommand(newUndrainCmd(g))
	root.AddCommand(newDisksCmd(g))
	root.AddCommand(newFillCmd(g))
	root.AddCommand(newSteerCmd(g))
	root.AddCommand(newDemoCmd(g))
	return root
}

// addConfigFlag adds --config to cmd and applies the file before RunE.
func addConfigFlag(cmd *cobra.Command) {
	var path string
	cmd.Flags().StringVar(&path, "config", "", "YAML file of flag settings (flag names as keys; command-line flags win)")
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if path == "" {
			return nil
		}
		return cliconf.Apply(cmd.Flags(), path)
	}
}

// logger builds the process logger on w from the global flags.
func (g *globalOpts) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(g.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", g.logFormat)
}

// stderrLogger is the logger for daemons: logs go to stderr, so stdout
// stays free for the access log.
func (g *globalOpts) stderrLogger() (*slog.Logger, error) {
	if g.logOut != nil {
		return g.logger(g.logOut)
	}
	return g.logger(os.Stderr)
}

// flagChanged reports whether the named flag was set on the command line
// or in the config file.
func flagChanged(fs *pflag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	return f != nil && f.Changed
}
