package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/bytesize"
	"github.com/vodedge/vodedge/internal/manifest"
)

// newFillCmd groups the fill verbs. The fill agent itself runs inside
// `vodedge edge` (--manifest-url).
func newFillCmd(g *globalOpts) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fill",
		Short: "Proactive fill: signing keys, a node's fill progress, fill now",
		Long: `Proactive fill. The controller (vodedge origin --sites --manifest-key-file)
makes a signed manifest per site from popularity; every edge (vodedge edge
--manifest-url --manifest-public-key) fetches what it should hold inside its
fill window at a capped rate, from site peers, fill masters, then the origin.`,
	}
	cmd.AddCommand(newFillKeygenCmd())
	cmd.AddCommand(newFillStatusCmd(g), newFillNowCmd(g))
	return cmd
}

func newFillKeygenCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make an ed25519 key pair for signing fill manifests",
		Long: `Make an ed25519 key pair. The private key (a base64 seed) goes to the
controller's --manifest-key-file; the public key, printed on stdout, goes
to every edge's --manifest-public-key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			priv, pub, err := manifest.GenerateKey()
			if err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			if _, err := fmt.Fprintln(f, priv); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "private key written to %s; public key:\n", out)
			fmt.Fprintln(cmd.OutOrStdout(), pub)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "manifest.key", "file for the private key (created with mode 0600; never overwritten)")
	return cmd
}

func newFillStatusCmd(_ *globalOpts) *cobra.Command {
	var a adminClientOpts
	var watch time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show an edge's fill progress: files and bytes done, rate, ETA, sources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for {
				var st fill.Status
				if err := a.call(http.MethodGet, "/v1/fill", &st); err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(st)
				}
				printFill(cmd.OutOrStdout(), st)
				if watch <= 0 || st.State == fill.StateDone {
					return nil
				}
				time.Sleep(watch)
			}
		},
	}
	a.bind(cmd)
	cmd.Flags().DurationVar(&watch, "watch", 0, "refresh every interval until the manifest is applied (e.g. 2s)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the raw JSON status")
	return cmd
}

func newFillNowCmd(_ *globalOpts) *cobra.Command {
	var a adminClientOpts
	cmd := &cobra.Command{
		Use:   "now",
		Short: "Make an edge fill at once, outside its window, until its manifest is applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st fill.Status
			if err := a.call(http.MethodPost, "/v1/fill/now", &st); err != nil {
				return err
			}
			printFill(cmd.OutOrStdout(), st)
			return nil
		},
	}
	a.bind(cmd)
	return cmd
}

// printFill writes a progress bar and the figures.
func printFill(w io.Writer, st fill.Status) {
	frac := 1.0
	if st.Bytes > 0 {
		frac = float64(st.BytesDone) / float64(st.Bytes)
	}
	const width = 40
	done := int(frac * width)
	fmt.Fprintf(w, "%s  manifest v%d (applied v%d)  window %s (%s)\n", st.State, st.Version, st.Applied, st.Window, openWord(st.WindowOpen, st.Forced))
	fmt.Fprintf(w, "[%s%s] %5.1f%%  files %d/%d (%d failed)  %s/%s\n",
		strings.Repeat("#", done), strings.Repeat(".", width-done), 100*frac,
		st.FilesDone, st.Files, st.FilesFailed, bytesize.Size(st.BytesDone), bytesize.Size(st.Bytes))
	if st.RateBps > 0 {
		fmt.Fprintf(w, "rate %s/s  ETA %s\n", bytesize.Size(int64(st.RateBps)), (time.Duration(st.ETASeconds) * time.Second).Round(time.Second))
	}
	if len(st.BySource) > 0 {
		fmt.Fprintf(w, "sources: peer %s, master %s, origin %s\n",
			bytesize.Size(st.BySource["peer"]), bytesize.Size(st.BySource["master"]), bytesize.Size(st.BySource["origin"]))
	}
	if st.LastError != "" {
		fmt.Fprintf(w, "last error: %s\n", st.LastError)
	}
}

func openWord(open, forced bool) string {
	switch {
	case forced:
		return "forced"
	case open:
		return "open"
	}
	return "closed"
}
