package client

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"time"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/popularity"
	"github.com/vodedge/vodedge/origin/qc"
)

// Ingest uploads a source with its metadata and subtitle files. The body
// is written as src is read: wrap src to observe upload progress.
func (c *Client) Ingest(ctx context.Context, src io.Reader, fileName string, meta catalog.Metadata, subs ...Subtitle) (*controller.IngestResponse, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() { pw.CloseWithError(writeUpload(mw, src, fileName, meta, subs)) }()
	var out controller.IngestResponse
	err := c.do(ctx, http.MethodPost, "/v1/titles", nil, pr, mw.FormDataContentType(), &out)
	pr.CloseWithError(err) // stops the writer if the server answered early
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func writeUpload(mw *multipart.Writer, src io.Reader, fileName string, meta catalog.Metadata, subs []Subtitle) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="metadata"`)
	h.Set("Content-Type", "application/json")
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if err := jsonEncode(part, meta); err != nil {
		return err
	}
	if err := writeSubtitles(mw, subs); err != nil {
		return err
	}
	file, err := mw.CreateFormFile("file", filepath.Base(fileName))
	if err != nil {
		return err
	}
	if _, err := io.Copy(file, src); err != nil {
		return fmt.Errorf("client: read %s: %w", fileName, err)
	}
	return mw.Close()
}

// Title returns a title (a cold one starts restoring unless restore is false).
func (c *Client) Title(ctx context.Context, id string, restore bool) (*catalog.Title, error) {
	var t catalog.Title
	q := url.Values{}
	if !restore {
		q.Set("restore", "false")
	}
	return &t, c.getJSON(ctx, "/v1/titles/"+url.PathEscape(id), q, &t)
}

// Search runs GET /v1/titles with the given parameters.
func (c *Client) Search(ctx context.Context, params url.Values) (*catalog.Results, error) {
	var r catalog.Results
	return &r, c.getJSON(ctx, "/v1/titles", params, &r)
}

// QC returns a title's quality report.
func (c *Client) QC(ctx context.Context, id string) (*qc.Report, error) {
	var r qc.Report
	return &r, c.getJSON(ctx, "/v1/titles/"+url.PathEscape(id)+"/qc", nil, &r)
}

// Approve releases a title held by failed quality checks.
func (c *Client) Approve(ctx context.Context, id, by, note string) (*catalog.Title, error) {
	var t catalog.Title
	return &t, c.postJSON(ctx, "/v1/titles/"+url.PathEscape(id)+"/approve", map[string]string{"by": by, "note": note}, &t)
}

// Demote and Restore start storage class changes.
func (c *Client) Demote(ctx context.Context, id string) (*catalog.Title, error) {
	var t catalog.Title
	return &t, c.postJSON(ctx, "/v1/titles/"+url.PathEscape(id)+"/demote", nil, &t)
}

// Restore starts moving a cold title back to hot.
func (c *Client) Restore(ctx context.Context, id string) (*catalog.Title, error) {
	var t catalog.Title
	return &t, c.postJSON(ctx, "/v1/titles/"+url.PathEscape(id)+"/restore", nil, &t)
}

// Job returns one job with its steps.
func (c *Client) Job(ctx context.Context, id string) (*pipeline.Job, error) {
	var j pipeline.Job
	return &j, c.getJSON(ctx, "/v1/jobs/"+url.PathEscape(id), nil, &j)
}

// Jobs lists jobs (params: state, title, kind, limit).
func (c *Client) Jobs(ctx context.Context, params url.Values) ([]*pipeline.Job, error) {
	var out struct {
		Jobs []*pipeline.Job `json:"jobs"`
	}
	return out.Jobs, c.getJSON(ctx, "/v1/jobs", params, &out)
}

// CancelJob and RetryJob act on a job.
func (c *Client) CancelJob(ctx context.Context, id string) (*pipeline.Job, error) {
	var j pipeline.Job
	return &j, c.postJSON(ctx, "/v1/jobs/"+url.PathEscape(id)+"/cancel", nil, &j)
}

// RetryJob resumes a failed or cancelled job.
func (c *Client) RetryJob(ctx context.Context, id string) (*pipeline.Job, error) {
	var j pipeline.Job
	return &j, c.postJSON(ctx, "/v1/jobs/"+url.PathEscape(id)+"/retry", nil, &j)
}

// Finished reports whether a job stopped moving (done, failed,
// cancelled, or held for approval).
func Finished(j *pipeline.Job) bool {
	switch j.State {
	case pipeline.Done, pipeline.Failed, pipeline.Cancelled, pipeline.Held:
		return true
	}
	return false
}

// WaitJob polls a job every interval, calling fn with each state, until
// it is Finished or ctx ends.
func (c *Client) WaitJob(ctx context.Context, id string, interval time.Duration, fn func(*pipeline.Job)) (*pipeline.Job, error) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		j, err := c.Job(ctx, id)
		if err != nil {
			return nil, err
		}
		if fn != nil {
			fn(j)
		}
		if Finished(j) {
			return j, nil
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-tick.C:
		}
	}
}

// PostLogs sends a batch of edge access-log lines.
func (c *Client) PostLogs(ctx context.Context, lines io.Reader) (*popularity.Stats, error) {
	var st popularity.Stats
	return &st, c.do(ctx, http.MethodPost, "/v1/popularity/logs", nil, lines, "application/x-ndjson", &st)
}

// Popularity returns title (titles true) or file scores.
func (c *Client) Popularity(ctx context.Context, titles bool, params url.Values) ([]popularity.Score, error) {
	var out struct {
		Scores []popularity.Score `json:"scores"`
	}
	path := "/v1/popularity/files"
	if titles {
		path = "/v1/popularity/titles"
	}
	return out.Scores, c.getJSON(ctx, path, params, &out)
}

// RunTiering applies the storage class policy now.
func (c *Client) RunTiering(ctx context.Context) (int, error) {
	var out struct {
		Demoted int `json:"demoted"`
	}
	return out.Demoted, c.postJSON(ctx, "/v1/tiering/run", nil, &out)
}

// Status returns the controller's summary.
func (c *Client) Status(ctx context.Context) (*controller.Status, error) {
	var st controller.Status
	return &st, c.getJSON(ctx, "/v1/status", nil, &st)
}

// Sites is GET /v1/sites: every site's nodes in the live node registry,
// with their source, state and last report.
func (c *Client) Sites(ctx context.Context) (*controller.Sites, error) {
	var out controller.Sites
	return &out, c.getJSON(ctx, "/v1/sites", nil, &out)
}
