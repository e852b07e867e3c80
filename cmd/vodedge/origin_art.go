package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"

	"github.com/spf13/cobra"
)

// newPosterCmd is `vodedge origin poster TITLE FILE`.
func newPosterCmd() *cobra.Command {
	var c clientOpts
	cmd := &cobra.Command{
		Use:   "poster TITLE FILE",
		Short: "Replace a title's poster with a JPEG or PNG image",
		Long: `Upload FILE (JPEG or PNG, at most 10 MiB, 16–8192 px a side) as TITLE's
poster, in place of the one content analysis picked (which the catalog
keeps). A published title's poster is published at once and reaches the
edges with the next fill manifests; otherwise it is published with the
title. Prints the poster's URL on the controller.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, err := c.client()
			if err != nil {
				return err
			}
			defer cli.CloseIdleConnections()
			f, err := os.Open(args[1])
			if err != nil {
				return err
			}
			defer f.Close()
			body := bufio.NewReaderSize(f, 512)
			head, _ := body.Peek(512) // a short file is sniffed whole; a read error shows below
			t, err := cli.SetPoster(cmd.Context(), args[0], body, http.DetectContentType(head))
			if err != nil {
				return err
			}
			p := t.Artwork.Poster
			if p == nil {
				return fmt.Errorf("the controller answered title %s without a poster", t.ID)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%dx%d\t%s\n", t.ID, cli.FileURL(t.ID, p.File), p.Width, p.Height, t.Status)
			return nil
		},
	}
	c.bind(cmd.Flags())
	return cmd
}
