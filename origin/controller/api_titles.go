package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/kv"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/store"
)

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q, err := ParseSearch(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.cat.Search(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.Hits == nil {
		res.Hits = []catalog.Hit{}
	}
	writeJSON(w, http.StatusOK, res)
}

// handleTitle returns a title with its popularity at ?site= (all sites
// by default); a cold title starts restoring (add ?restore=false to look
// without restoring).
func (s *Server) handleTitle(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t, err := s.cat.Get(id)
	if err == nil && t.Class == catalog.Cold && r.URL.Query().Get("restore") != "false" {
		t, err = s.changeClass(id, store.Hot)
	}
	view := TitleView{Title: t}
	if err == nil {
		view.Popularity, err = s.titlePopularity(t, r.URL.Query().Get("site"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// handlePatchTitle updates metadata fields given as JSON; absent fields
// keep their value.
func (s *Server) handlePatchTitle(w http.ResponseWriter, r *http.Request) {
	var patch struct {
		Title       *string   `json:"title"`
		Description *string   `json:"description"`
		Tags        *[]string `json:"tags"`
		Year        *int      `json:"year"`
		Rating      *string   `json:"rating"`
		Languages   *[]string `json:"languages"`
		// ExpectedPlays: a number (JSON null keeps the value; 0 clears it).
		ExpectedPlays *float64 `json:"expected_plays"`
	}
	if err := decodeBody(r, &patch); err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.cat.Update(r.PathValue("id"), func(t *catalog.Title) error {
		set(&t.Title, patch.Title)
		set(&t.Description, patch.Description)
		set(&t.Tags, patch.Tags)
		set(&t.Year, patch.Year)
		set(&t.Rating, patch.Rating)
		set(&t.Languages, patch.Languages)
		set(&t.ExpectedPlays, patch.ExpectedPlays)
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// decodeBody reads a JSON body of at most 1 MiB; an empty body is {}.
func decodeBody(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || len(data) == 0 {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: JSON body: %v", errBadRequest, err)
	}
	return nil
}

func (s *Server) handleQCReport(w http.ResponseWriter, r *http.Request) {
	var rep qc.Report
	err := s.reports.Get(r.PathValue("id"), &rep)
	if errors.Is(err, kv.ErrNotFound) {
		err = fmt.Errorf("%w: no quality report for %q yet", errNotFound, clip(r.PathValue("id")))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// handleApprove records an operator's approval of a title that failed
// its quality checks and lets its publish step run.
func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request) {
	var body struct {
		By   string `json:"by"`
		Note string `json:"note"`
	}
	if err := decodeBody(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.cat.Update(r.PathValue("id"), func(t *catalog.Title) error {
		if t.QC.State != "failed" {
			return fmt.Errorf("%w: quality checks are %q; only a failed title needs approval", errConflict, t.QC.State)
		}
		t.QC.State, t.QC.ApprovedBy, t.QC.ApprovedAt, t.QC.Note = "approved", clip(body.By), s.now(), clip(body.Note)
		t.Status = catalog.Processing
		return nil
	})
	if err == nil {
		// Not held yet (still packaging) is fine: publish will see the approval.
		if _, rerr := s.engine.Release(t.JobID, stepPublish); rerr != nil && !errors.Is(rerr, pipeline.ErrInvalid) {
			err = rerr
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("quality checks approved by operator", "title", t.ID, "by", body.By)
	writeJSON(w, http.StatusOK, t)
}

// handleClass starts a restore ("hot") or a demotion ("cold").
func (s *Server) handleClass(to store.Class) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.changeClass(r.PathValue("id"), to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, t)
	}
}
