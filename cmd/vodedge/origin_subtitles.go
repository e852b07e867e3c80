package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller/client"
)

// newSubtitlesCmd is `vodedge origin subtitles TITLE [LANG=FILE…]
// [--delete LANG…]`.
func newSubtitlesCmd() *cobra.Command {
	var c clientOpts
	var del []string
	cmd := &cobra.Command{
		Use:   "subtitles TITLE [LANG=FILE...]",
		Short: "Show, add, replace or remove a published title's subtitle tracks",
		Long: `Each LANG=FILE (a BCP 47 tag and a WebVTT or SubRip file, e.g.
en=film.en.srt) replaces TITLE's tracks of that language, or adds one;
--delete LANG removes them. The controller checks each file (a bad one
is refused naming its line), publishes the track under new names (edges
keep subtitle files for 30 days, so a changed track never reuses one)
and writes the title's HLS and DASH manifests again. Files are sent one
by one, in order; one that fails stops the rest. Prints the title's
tracks afterwards (alone: shows them).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := subtitleArgs(args[1:])
			if err != nil {
				return fmt.Errorf("%w (subtitles TITLE LANG=FILE...)", err)
			}
			cli, err := c.client()
			if err != nil {
				return err
			}
			defer cli.CloseIdleConnections()
			ctx := cmd.Context()
			var t *catalog.Title
			if len(files) == 0 && len(del) == 0 {
				t, err = cli.Title(ctx, args[0], false)
			}
			for i := 0; err == nil && i < len(files); i++ {
				t, err = putSubtitleFile(ctx, cli, args[0], files[i])
			}
			for i := 0; err == nil && i < len(del); i++ {
				t, err = cli.DeleteSubtitles(ctx, args[0], del[i])
			}
			if err != nil {
				return err
			}
			printSubtitles(cmd.OutOrStdout(), t)
			return nil
		},
	}
	c.bind(cmd.Flags())
	cmd.Flags().StringSliceVar(&del, "delete", nil, "remove the tracks of these languages")
	return cmd
}

func putSubtitleFile(ctx context.Context, cli *client.Client, id string, sf subtitleFile) (*catalog.Title, error) {
	f, err := os.Open(sf.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := cli.SetSubtitles(ctx, id, sf.lang, f)
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %w", sf.lang, sf.path, err)
	}
	return t, nil
}

func printSubtitles(w io.Writer, t *catalog.Title) {
	if len(t.Subtitles) == 0 {
		fmt.Fprintf(w, "%s: no subtitles\n", t.ID)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TITLE\tLANGUAGE\tNAME\tCUES\tPLAYLIST")
	for _, s := range t.Subtitles {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", t.ID, s.Language, s.Name, s.Cues, s.Playlist)
	}
	tw.Flush()
}
