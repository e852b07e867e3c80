package main

import (
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// reportOpts are the flags of the access log's shipper (cache/logship).
type reportOpts struct {
	url        string
	spoolDir   string
	spoolBytes bytesize.Size
	batchBytes bytesize.Size
	every      time.Duration
}

func (r *reportOpts) bind(fs *pflag.FlagSet) {
	def := edge.DefaultReport().Ship
	r.spoolBytes, r.batchBytes = bytesize.Size(def.SpoolBytes), bytesize.Size(def.BatchBytes)
	fs.StringVar(&r.url, "report-url", "", `controller URL the access log is shipped to, e.g. http://controller:8070/v1/popularity/batches/ams-1 (batched, gzip, in order, each batch counted once; same token as --manifest-token-file); default: beside --manifest-url when the fill agent runs and --access-log is a file; "off": never`)
	fs.StringVar(&r.spoolDir, "report-spool-dir", "", "directory where batches of the access log wait for the controller, with the shipper's cursor (default: --access-log + .spool)")
	fs.Var(&r.spoolBytes, "report-spool-bytes", "bound on the batches waiting in --report-spool-dir; past it the oldest are dropped and counted (vodedge_logship_dropped_lines_total)")
	fs.Var(&r.batchBytes, "report-batch-bytes", "access-log bytes per batch at most (whole lines, at least 64KiB)")
	fs.DurationVar(&r.every, "report-every", edge.DefaultReport().Ship.Every, "how often the access log is read and waiting batches are sent")
}

// config is the shipper's configuration, or nil when the log is not
// shipped: --report-url off, or empty with nothing to derive it from.
func (r *reportOpts) config(o *edgeOpts, fill *edge.Fill) (*edge.Report, error) {
	derivable := fill != nil && strings.Contains(fill.Agent.ManifestURL, "/v1/manifests/")
	switch {
	case r.url == "off", r.url == "" && !derivable:
		return nil, nil
	case r.url == "" && (o.accessLog == "-" || o.accessLog == "off" || o.accessLog == ""):
		return nil, nil // only an access log in a file is shipped
	}
	rep := edge.DefaultReport()
	s := &rep.Ship
	s.URL, s.SpoolDir, s.Every = r.url, r.spoolDir, r.every
	s.SpoolBytes, s.BatchBytes = int64(r.spoolBytes), int(r.batchBytes)
	if fill == nil {
		toks, err := readTokens("manifest-token-file", o.fill.tokenFile)
		if err != nil {
			return nil, err
		}
		if len(toks) > 0 {
			rep.Token = toks[0]
		}
	}
	return rep, nil
}
