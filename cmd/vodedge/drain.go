package main

import (
	"fmt"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/steering/cluster"
)

func newDrainCmd(_ *globalOpts) *cobra.Command {
	return drainCmd("drain", "/v1/drain", "Drain an edge: it keeps serving, but gets no new files and no new clients",
		`Drain the edge at --admin (POST /v1/drain). A draining node keeps
serving its in-flight and already-steered clients, tells its site cluster,
and is left out of placement: its files are owned by the other nodes and
steering sends it no new clients. Undo with vodedge undrain. A restart
brings the node back undrained.`)
}

func newUndrainCmd(_ *globalOpts) *cobra.Command {
	return drainCmd("undrain", "/v1/undrain", "Undo a drain: the edge takes files and clients again",
		`Undrain the edge at --admin (POST /v1/undrain): it rejoins its site's
placement and steering sends it clients again.`)
}

func drainCmd(use, path, short, long string) *cobra.Command {
	var a adminClientOpts
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: fmt.Sprintf("  vodedge %s --admin 127.0.0.1:9090 --token-file /etc/vodedge/admin-tokens", use),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var res cluster.DrainResult
			if err := a.call(http.MethodPost, path, &res); err != nil {
				return err
			}
			what := "now " + res.State
			if !res.Changed {
				what = "already " + res.State
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", res.Node, what)
			return nil
		},
	}
	a.bind(cmd)
	return cmd
}
