package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/transcode"
)

// IngestResponse is the answer to POST /v1/titles.
type IngestResponse struct {
	Title *catalog.Title `json:"title"`
	Job   *pipeline.Job  `json:"job"`
}

// upload is a source streamed to disk.
type upload struct {
	path, name string
	size       int64
	sha256     string
}

// handleIngest accepts multipart/form-data: metadata first (a
// "metadata" part holding JSON, and/or the fields title, description,
// tags, year, rating, languages, expected_plays), then the "file" part,
// streamed to disk. Subtitle parts ("subtitles.{lang}", subtitles.go)
// may come before or after the file.
func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: want multipart/form-data with metadata fields, then a file part: %v", errBadRequest, err))
		return
	}
	meta, up, subs, err := s.receive(mr)
	if err != nil {
		s.m.ingest("rejected")
		s.fail(w, r, err)
		return
	}
	defer os.Remove(up.path) // moved away on success
	res, err := s.admit(r.Context(), meta, up, subs)
	if err != nil {
		s.m.ingest("rejected")
		s.fail(w, r, err)
		return
	}
	s.m.ingest("accepted")
	w.Header().Set("Location", "/v1/titles/"+res.Title.ID)
	writeJSON(w, http.StatusCreated, res)
}

// receive reads the metadata and subtitle parts, validates them, then
// streams the file part to the uploads directory, then reads subtitle
// parts after it.
func (s *Server) receive(mr *multipart.Reader) (catalog.Metadata, upload, []subtitleUpload, error) {
	var meta catalog.Metadata
	var subs []subtitleUpload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return meta, upload{}, nil, fmt.Errorf("%w: no file part", errBadRequest)
		}
		if err != nil {
			return meta, upload{}, nil, uploadError(err)
		}
		if part.FormName() != "file" {
			subs, err = readPart(&meta, subs, part)
			if err != nil {
				return meta, upload{}, nil, err
			}
			continue
		}
		if err := meta.Normalize(); err != nil {
			return meta, upload{}, nil, err
		}
		up, err := s.saveUpload(part)
		if err == nil {
			subs, err = trailingSubtitles(mr, subs)
		}
		if err != nil {
			os.Remove(up.path)
		}
		return meta, up, subs, err
	}
}

// readField applies one metadata part.
func readField(m *catalog.Metadata, part *multipart.Part) error {
	data, err := io.ReadAll(io.LimitReader(part, 1<<20))
	if err != nil {
		return uploadError(err)
	}
	v := strings.TrimSpace(string(data))
	switch part.FormName() {
	case "metadata":
		if err := json.Unmarshal(data, m); err != nil {
			return fmt.Errorf("%w: metadata part: %v", errBadRequest, err)
		}
	case "title":
		m.Title = v
	case "description":
		m.Description = v
	case "rating":
		m.Rating = v
	case "tags":
		m.Tags = append(m.Tags, splitList(v)...)
	case "languages":
		m.Languages = append(m.Languages, splitList(v)...)
	case "year":
		y, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%w: year %q", errBadRequest, clip(v))
		}
		m.Year = y
	case "expected_plays":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%w: expected_plays %q: want plays per day, a number ≥ 0", errBadRequest, clip(v))
		}
		m.ExpectedPlays = n // Normalize checks the range
	default:
		return fmt.Errorf("%w: unknown field %q (want metadata, title, description, tags, year, rating, languages, expected_plays, file)", errBadRequest, clip(part.FormName()))
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// saveUpload streams the file part to a temporary file, hashing it.
func (s *Server) saveUpload(part *multipart.Part) (upload, error) {
	defer part.Close()
	f, err := os.CreateTemp(s.uploadsDir(), "upload-*")
	if err != nil {
		return upload{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), part)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return upload{}, uploadError(err)
	}
	s.m.ingestBytes.Add(float64(n))
	return upload{path: f.Name(), name: filepath.Base(part.FileName()), size: n, sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// uploadError classifies a failure to read the request body.
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fmt.Errorf("%w: the upload is larger than %d bytes", errTooLarge, tooBig.Limit)
	}
	return fmt.Errorf("%w: reading the upload: %v", errBadRequest, err)
}

// admit probes the upload and creates the title and its job.
func (s *Server) admit(ctx context.Context, meta catalog.Metadata, up upload, subs []subtitleUpload) (*IngestResponse, error) {
	if s.enc == nil {
		return nil, errNoTranscoder
	}
	if up.size == 0 {
		return nil, fmt.Errorf("%w: the file is empty", probe.ErrNotVideo)
	}
	info, err := s.prober.Probe(ctx, up.path)
	if err != nil {
		return nil, err
	}
	plan, err := transcode.Plan(info, s.enc.Config())
	if err != nil {
		return nil, err
	}
	t := &catalog.Title{ID: s.freshID(meta.Title), Metadata: meta, Status: catalog.Processing, Class: catalog.Hot,
		DurationMS: info.Duration.Milliseconds(), QC: catalog.QC{State: "pending"},
		Source: catalog.SourceInfo{FileName: up.name, Size: up.size, SHA256: up.sha256, Probe: info}}
	if err := s.keepSource(t, up); err != nil {
		return nil, err
	}
	if err := s.keepSubtitles(t.ID, subs); err != nil {
		return nil, err
	}
	if err := s.cat.Create(t); err != nil {
		return nil, err
	}
	id := t.ID
	spec := withSubtitles(ingestSpec(id, info, plan, transcode.Chunks(info.Duration, s.enc.Config())), subtitlePlan(subs, info))
	job, err := s.engine.Submit(spec)
	if err == nil {
		t, err = s.cat.Update(id, func(t *catalog.Title) error { t.JobID = job.ID; return nil })
	}
	if err != nil {
		s.cat.Update(id, func(t *catalog.Title) error { t.Status, t.Error = catalog.Failed, err.Error(); return nil })
		return nil, err
	}
	s.log.Info("title ingested", "title", t.ID, "bytes", up.size, "resolution", info.Resolution(), "renditions", len(plan), "job", job.ID)
	return &IngestResponse{Title: t, Job: job}, nil
}

// freshID draws title IDs until one is unused (6 random hex digits per
// slug: a clash is rare, not impossible).
func (s *Server) freshID(title string) string {
	for {
		id := catalog.NewID(title)
		if _, err := s.cat.Get(id); err != nil {
			return id // unused (or unreadable: Create will say so)
		}
	}
}

// keepSource moves the upload to sources/{id}/.
func (s *Server) keepSource(t *catalog.Title, up upload) error {
	if err := os.MkdirAll(s.sourceDir(t.ID), 0o755); err != nil {
		return err
	}
	return os.Rename(up.path, s.sourcePath(t))
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
