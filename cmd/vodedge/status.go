package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/steering/cluster"
)

// adminClientOpts are the flags of the commands that call an edge's admin
// API.
type adminClientOpts struct {
	addr, tokenFile string
	timeout         time.Duration
}

func (a *adminClientOpts) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&a.addr, "admin", "127.0.0.1:9090", "the edge's admin address (host:port or http://host:port)")
	f.StringVar(&a.tokenFile, "token-file", "", "file of admin bearer tokens (the edge's --admin-token-file); the first one is used")
	f.DurationVar(&a.timeout, "timeout", 10*time.Second, "how long to wait for the edge")
}

// call sends method path to the admin API and decodes the JSON answer
// into out.
func (a *adminClientOpts) call(method, path string, out any) error {
	if a.tokenFile == "" {
		return fmt.Errorf("--token-file is required: the admin API needs a bearer token")
	}
	tokens, err := admin.LoadTokens(a.tokenFile)
	if err != nil {
		return fmt.Errorf("--token-file: %w", err)
	}
	base := a.addr
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		base = "http://" + base
	}
	req, err := http.NewRequest(method, strings.TrimSuffix(base, "/")+path, nil)
	if err != nil {
		return fmt.Errorf("--admin %q: %w", a.addr, err)
	}
	req.Header.Set("Authorization", "Bearer "+tokens[0])
	resp, err := (&http.Client{Timeout: a.timeout}).Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: unexpected answer: %w", method, path, err)
	}
	return nil
}

func newStatusCmd(_ *globalOpts) *cobra.Command {
	var a adminClientOpts
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show an edge's view of its site cluster: members, state, load, last change",
		Long: `Show the site cluster as the edge at --admin sees it (GET /v1/cluster):
every member with its state (ok, draining, degraded, leaving; suspect,
dead or left when it is not alive), load (egress / capacity), capacity
weight, addresses, version and when its state last changed. The node
asked is marked with *. --json prints the API's answer as it is.`,
		Example: `  vodedge status --admin 127.0.0.1:9090 --token-file /etc/vodedge/admin-tokens`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st cluster.Status
			if err := a.call(http.MethodGet, "/v1/cluster", &st); err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return printStatus(cmd.OutOrStdout(), st, time.Now())
		},
	}
	a.bind(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the JSON answer instead of a table")
	return cmd
}

// printStatus prints the cluster view as a table.
func printStatus(w io.Writer, st cluster.Status, now time.Time) error {
	counts := map[string]int{}
	for _, m := range st.Members {
		counts[m.State]++
	}
	var summary []string
	for _, s := range []string{"ok", "degraded", "draining", "leaving", "suspect", "dead", "left"} {
		if counts[s] > 0 {
			summary = append(summary, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(w, "site cluster as %s sees it (site %s, %d owner(s) per file): %d members, %s\n\n",
		st.Node, st.Site, st.OwnersPerFile, len(st.Members), strings.Join(summary, ", "))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSITE\tSTATE\tLOAD\tEGRESS\tWEIGHT\tHTTP\tPEER\tVERSION\tLAST CHANGE")
	for _, m := range st.Members {
		name := m.Name
		if m.Self {
			name += " *"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f%%\t%s\t%g\t%s\t%s\t%s\t%s\n", name, m.Site, m.State, 100*m.Load,
			cluster.FormatBitRate(m.EgressBps), m.Weight, m.HTTPAddr, m.PeerAddr, m.Version, ago(now, m.LastChange))
	}
	return tw.Flush()
}

// ago says how long before now t was, to the second.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return now.Sub(t).Round(time.Second).String() + " ago"
}
