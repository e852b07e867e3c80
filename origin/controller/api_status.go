package controller

import (
	"net/http"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// Status is GET /v1/status: a summary for operators.
type Status struct {
	Version string                 `json:"version"`
	Store   string                 `json:"store"`
	Titles  map[string]int         `json:"titles"`
	Classes map[string]int         `json:"classes"`
	Jobs    map[pipeline.State]int `json:"jobs"`
	Workers int                    `json:"workers"`
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	st := Status{Version: s.deps.Version, Store: s.store.String(), Titles: map[string]int{}, Classes: map[string]int{},
		Jobs: map[pipeline.State]int{}, Workers: s.cfg.Pipeline.Workers}
	err := s.cat.Each(func(t *catalog.Title) error {
		st.Titles[string(t.Status)]++
		st.Classes[string(t.Class)]++
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, j := range s.engine.List(nil, 0) {
		st.Jobs[j.State]++
	}
	writeJSON(w, http.StatusOK, st)
}
