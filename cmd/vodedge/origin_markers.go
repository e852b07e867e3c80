package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/origin/catalog"
)

// markerOpts are the markers command's flags.
type markerOpts struct {
	clientOpts
	intro, credits string
	clear          bool
}

// newMarkersCmd is `vodedge origin markers TITLE [--intro START-END]
// [--credits START] [--clear]`.
func newMarkersCmd() *cobra.Command {
	o := &markerOpts{}
	cmd := &cobra.Command{
		Use:   "markers TITLE",
		Short: "Show or set a title's skip-intro and next-episode markers",
		Long: `Without flags, show TITLE's playback markers. --intro and --credits set
one each and keep the other; --clear removes both first (so --clear alone
removes them, and --clear --credits 21:50 keeps only the credits). Times
are seconds (62.5) or m:ss / h:mm:ss with optional fractions (1:02.5,
0:21:50). A marker set here is the operator's: it survives a re-run of
the title's checks. Prints the markers the title has afterwards.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runMarkers(cmd, o, args[0]) },
	}
	o.bind(cmd.Flags())
	cmd.Flags().StringVar(&o.intro, "intro", "", "the intro as START-END, e.g. 0:05-1:02.5")
	cmd.Flags().StringVar(&o.credits, "credits", "", "where the end credits start, e.g. 21:50")
	cmd.Flags().BoolVar(&o.clear, "clear", false, "remove the markers (before applying --intro and --credits)")
	return cmd
}

func runMarkers(cmd *cobra.Command, o *markerOpts, id string) error {
	cli, err := o.client()
	if err != nil {
		return err
	}
	defer cli.CloseIdleConnections()
	t, err := cli.Title(cmd.Context(), id, false)
	if err != nil {
		return err
	}
	if o.intro != "" || o.credits != "" || o.clear {
		m, err := o.markers(t.Markers)
		if err != nil {
			return err
		}
		if t, err = cli.SetMarkers(cmd.Context(), id, m); err != nil {
			return err
		}
	}
	printMarkers(cmd.OutOrStdout(), t)
	return nil
}

// markers applies the flags to the title's current markers.
func (o *markerOpts) markers(cur *catalog.Markers) (catalog.Markers, error) {
	var m catalog.Markers
	if cur != nil && !o.clear {
		m = *cur
	}
	if o.intro != "" {
		start, end, err := parseSpan(o.intro)
		if err != nil {
			return m, fmt.Errorf("--intro %q: %w", o.intro, err)
		}
		m.Intro = &catalog.Marker{Start: start, End: end}
	}
	if o.credits != "" {
		start, err := parseClock(o.credits)
		if err != nil {
			return m, fmt.Errorf("--credits %q: %w", o.credits, err)
		}
		m.Credits = &catalog.Marker{Start: start}
	}
	return m, nil
}

func printMarkers(w io.Writer, t *catalog.Title) {
	m := t.Markers
	if m == nil || (m.Intro == nil && m.Credits == nil) {
		fmt.Fprintf(w, "%s: no markers\n", t.ID)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TITLE\tMARKER\tSTART\tEND\tSOURCE\tCONFIDENCE")
	if i := m.Intro; i != nil {
		fmt.Fprintf(tw, "%s\tintro\t%s\t%s\t%s\t%.2f\n", t.ID, formatClock(i.Start), formatClock(i.End), i.Source, i.Confidence)
	}
	if c := m.Credits; c != nil {
		end := "end"
		if c.End > 0 {
			end = formatClock(c.End)
		}
		fmt.Fprintf(tw, "%s\tcredits\t%s\t%s\t%s\t%.2f\n", t.ID, formatClock(c.Start), end, c.Source, c.Confidence)
	}
	tw.Flush()
}
