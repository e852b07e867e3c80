package main

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// newJobsCmd is `vodedge origin jobs [JOB]`.
func newJobsCmd() *cobra.Command {
	var c clientOpts
	var state, title string
	var limit int
	cmd := &cobra.Command{
		Use:   "jobs [JOB]",
		Short: "List the controller's jobs, or show one job's steps",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, err := c.client()
			if err != nil {
				return err
			}
			defer cli.CloseIdleConnections()
			if len(args) == 1 {
				j, err := cli.Job(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				printSteps(cmd.OutOrStdout(), j)
				return nil
			}
			jobs, err := cli.Jobs(cmd.Context(), url.Values{"state": nonEmpty(state), "title": nonEmpty(title), "limit": {strconv.Itoa(limit)}})
			if err != nil {
				return err
			}
			printJobs(cmd.OutOrStdout(), jobs)
			return nil
		},
	}
	c.bind(cmd.Flags())
	cmd.Flags().StringVar(&state, "state", "", "only jobs in this state: queued, running, done, failed, held, cancelled")
	cmd.Flags().StringVar(&title, "title", "", "only jobs of this title ID")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many jobs, newest first")
	return cmd
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func printJobs(w io.Writer, jobs []*pipeline.Job) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tKIND\tTITLE\tSTATE\tSTEPS DONE\tUPDATED")
	for _, j := range jobs {
		done := 0
		for _, s := range j.Steps {
			if s.State == pipeline.Done {
				done++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\n", j.ID, j.Kind, j.Subject, j.State, done, len(j.Steps), j.Updated.Local().Format(time.DateTime))
	}
	tw.Flush()
}

func printSteps(w io.Writer, j *pipeline.Job) {
	fmt.Fprintf(w, "job %s (%s of %s): %s\n", j.ID, j.Kind, j.Subject, j.State)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATE\tATTEMPTS\tPROGRESS\tELAPSED\tERROR")
	for _, s := range j.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d%%\t%s\t%s\n", s.Name, s.State, s.Attempts, int(s.Progress*100),
			s.Elapsed.Round(time.Millisecond), oneLine(s.Error))
	}
	tw.Flush()
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// newTitlesCmd is `vodedge origin titles [QUERY]`.
func newTitlesCmd() *cobra.Command {
	var c clientOpts
	var tags []string
	var year, status string
	var limit int
	cmd := &cobra.Command{
		Use:   "titles [QUERY]",
		Short: "Search the catalog (ranked by relevance to QUERY, newest first without one)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, err := c.client()
			if err != nil {
				return err
			}
			defer cli.CloseIdleConnections()
			q := url.Values{"tag": tags, "year": nonEmpty(year), "status": nonEmpty(status), "limit": {strconv.Itoa(limit)}}
			if len(args) == 1 {
				q.Set("q", args[0])
			}
			res, err := cli.Search(cmd.Context(), q)
			if err != nil {
				return err
			}
			printTitles(cmd.OutOrStdout(), res)
			return nil
		},
	}
	c.bind(cmd.Flags())
	cmd.Flags().StringSliceVar(&tags, "tag", nil, "only titles with all these tags")
	cmd.Flags().StringVar(&year, "year", "", "a year (2020) or a range (2018-2021)")
	cmd.Flags().StringVar(&status, "status", "", "processing, held, published, failed or cancelled")
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many titles")
	return cmd
}

func printTitles(w io.Writer, res *catalog.Results) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTITLE\tYEAR\tDURATION\tSTATUS\tCLASS\tQC\tSCORE")
	for _, h := range res.Hits {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%.2f\n", h.ID, oneLine(h.Title.Title), h.Year,
			(time.Duration(h.DurationMS) * time.Millisecond).Round(time.Second), h.Status, h.Class, h.QC.State, h.Score)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d matching titles\n", len(res.Hits), res.Total)
}

// newApproveCmd is `vodedge origin approve TITLE`.
func newApproveCmd() *cobra.Command {
	var c clientOpts
	var by, note string
	cmd := &cobra.Command{
		Use:   "approve TITLE",
		Short: "Approve a title held by failed quality checks, so that it is published",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, err := c.client()
			if err != nil {
				return err
			}
			defer cli.CloseIdleConnections()
			t, err := cli.Approve(cmd.Context(), args[0], by, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s approved by %s; publishing (job %s)\n", t.ID, t.QC.ApprovedBy, t.JobID)
			return nil
		},
	}
	c.bind(cmd.Flags())
	cmd.Flags().StringVar(&by, "by", defaultOperator(), "who approves (recorded in the catalog)")
	cmd.Flags().StringVar(&note, "note", "", "why (recorded in the catalog)")
	return cmd
}

func defaultOperator() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "operator"
}
