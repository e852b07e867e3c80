package controller

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/vodedge/vodedge/origin/pipeline"
)

// handleJobs lists jobs, newest first: ?state=, ?title=, ?kind=, ?limit=.
func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	limit, err := intParam(v, "limit", 50, 1, 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	state, title, kind := pipeline.State(v.Get("state")), v.Get("title"), v.Get("kind")
	states := []pipeline.State{pipeline.Queued, pipeline.Running, pipeline.Done, pipeline.Failed, pipeline.Held, pipeline.Cancelled}
	if state != "" && !slices.Contains(states, state) {
		s.fail(w, r, fmt.Errorf("%w: state %q: want one of %v", errBadRequest, clip(string(state)), states))
		return
	}
	jobs := s.engine.List(func(j *pipeline.Job) bool {
		return (state == "" || j.State == state) && (title == "" || j.Subject == title) && (kind == "" || j.Kind == kind)
	}, limit)
	if jobs == nil {
		jobs = []*pipeline.Job{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
}

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.engine.Get(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) handleJobOp(op func(id string) (*pipeline.Job, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		j, err := op(r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, j)
	}
}

func (s *Server) cancelJob(id string) (*pipeline.Job, error) { return s.engine.Cancel(id) }

// retryJob resumes a failed or cancelled job; its title goes back to
// processing (followJobs sees the job running again).
func (s *Server) retryJob(id string) (*pipeline.Job, error) { return s.engine.Retry(id) }
