package controller

import (
	"os"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// followJobs mirrors job states onto titles until Shutdown. It looks at
// every job after each change, acting only on those whose state moved.
func (s *Server) followJobs() {
	defer s.wg.Done()
	seen := map[string]pipeline.State{}
	for {
		changed := s.engine.Changed()
		now := map[string]pipeline.State{} // jobs deleted by retention drop out
		for _, j := range s.engine.List(nil, 0) {
			now[j.ID] = j.State
			if seen[j.ID] != j.State {
				s.mirror(j)
			}
		}
		seen = now
		select {
		case <-changed:
		case <-s.stop:
			return
		}
	}
}

// mirror applies one job's state to its title.
func (s *Server) mirror(j *pipeline.Job) {
	switch j.Kind {
	case jobIngest:
		s.mirrorIngest(j)
	case jobClass:
		s.mirrorClass(j)
	}
}

func (s *Server) mirrorIngest(j *pipeline.Job) {
	status := map[pipeline.State]catalog.Status{
		pipeline.Queued: catalog.Processing, pipeline.Running: catalog.Processing,
		pipeline.Failed: catalog.Failed, pipeline.Cancelled: catalog.Cancelled, pipeline.Held: catalog.Held,
	}[j.State]
	if j.State == pipeline.Done {
		if !s.cfg.KeepWork {
			os.RemoveAll(s.workDir(j.Subject))
		}
		return // publish recorded Published itself
	}
	s.cat.Update(j.Subject, func(t *catalog.Title) error {
		if t.JobID != j.ID || t.Status == status || status == "" {
			return errNoChange
		}
		// j may be a stale look at a job whose publish step has recorded
		// Published since. Publishing is a job's last step, so any other
		// state of the same job is older: it must not take that back (a
		// queued or running look left the title "processing", a held one
		// would leave it "held", once the job was done).
		if t.Status == catalog.Published {
			return errNoChange
		}
		t.Status, t.Error = status, firstError(j)
		return nil
	})
}

// mirrorClass undoes the in-progress class of a failed move.
func (s *Server) mirrorClass(j *pipeline.Job) {
	if j.State != pipeline.Failed && j.State != pipeline.Cancelled {
		return
	}
	s.cat.Update(j.Subject, func(t *catalog.Title) error {
		switch t.Class {
		case catalog.Demoting:
			t.Class = catalog.Hot
		case catalog.Restoring:
			t.Class = catalog.Cold
		default:
			return errNoChange
		}
		t.Error = "storage class change failed: " + firstError(j)
		return nil
	})
}

func firstError(j *pipeline.Job) string {
	for _, st := range j.Steps {
		if st.Error != "" && (st.State == pipeline.Failed || st.State == pipeline.Held) {
			return st.Name + ": " + st.Error
		}
	}
	return ""
}
