package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/bytesize"
)

func newDisksCmd(_ *globalOpts) *cobra.Command {
	list := newDisksListCmd()
	cmd := &cobra.Command{
		Use:   "disks",
		Short: "List an edge's disks, take one offline, bring one online",
		Long: `Operate the disks of the edge at --admin (its admin API, /v1/disks).
Without a subcommand, list them: state (serving, degraded, failed,
offline), bytes, capacity, objects, I/O errors and why a disk is out of
service.

A disk taken offline is closed; its objects become misses, fetched again
(from a peer, then the origin) onto the other disks. The last disk in
service cannot be taken offline. Bringing a disk online opens its
directory again: the disk it held (what was purged meanwhile is removed
first) or a replaced, empty one. Neither needs a restart.`,
		Example: `  vodedge disks --admin 127.0.0.1:9090 --token-file /etc/vodedge/admin-tokens
  vodedge disks offline disk07 --admin 127.0.0.1:9090 --token-file /etc/vodedge/admin-tokens
  vodedge disks online disk07 --admin 127.0.0.1:9090 --token-file /etc/vodedge/admin-tokens`,
		Args: cobra.NoArgs,
		RunE: list.RunE,
	}
	cmd.Flags().AddFlagSet(list.Flags())
	cmd.AddCommand(list, newDiskOpCmd("offline", "Take a disk out of service"), newDiskOpCmd("online", "Bring a disk (the same, or a replaced empty one) into service"))
	return cmd
}

func newDisksListCmd() *cobra.Command {
	var a adminClientOpts
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the edge's disks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ans cache.DisksAnswer
			if err := a.call(http.MethodGet, "/v1/disks", &ans); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), ans)
			}
			printDisks(cmd.OutOrStdout(), ans.Disks)
			fmt.Fprintf(cmd.OutOrStdout(), "%d of %d disks in service\n", ans.Serving, len(ans.Disks))
			return nil
		},
	}
	a.bind(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the raw JSON answer")
	return cmd
}

func newDiskOpCmd(op, short string) *cobra.Command {
	var a adminClientOpts
	cmd := &cobra.Command{
		Use:   op + " NAME",
		Short: short,
		Long:  short + ". NAME is a disk's name as vodedge disks lists it.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var info disktier.DiskInfo
			if err := a.call(http.MethodPost, "/v1/disks/"+url.PathEscape(args[0])+"/"+op, &info); err != nil {
				return err
			}
			printDisks(cmd.OutOrStdout(), []disktier.DiskInfo{info})
			return nil
		},
	}
	a.bind(cmd)
	if op == "online" { // it returns once the disk's index is loaded and caught up
		a.timeout = 10 * time.Minute
		cmd.Flags().Lookup("timeout").DefValue = a.timeout.String()
		cmd.Long += " It returns once the disk serves: its index loaded, and what was purged while it was away removed."
	}
	return cmd
}

// printDisks writes one line per disk.
func printDisks(w io.Writer, disks []disktier.DiskInfo) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "DISK\tSTATE\tUSED\tCAPACITY\tOBJECTS\tERRORS\tPATH\tREASON")
	for _, d := range disks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", d.Name, d.State, bytesize.Size(d.Bytes), bytesize.Size(d.CapacityBytes), d.Objects, d.Errors, d.Path, d.Reason)
	}
	_ = tw.Flush()
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
