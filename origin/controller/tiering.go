package controller

import (
	"errors"
	"fmt"
	"time"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/store"
)

// errNoChange aborts a catalog update that has nothing to do.
var errNoChange = errors.New("controller: no change")

// tieringLoop runs the storage-class policy every Interval until Shutdown.
func (s *Server) tieringLoop() {
	defer s.wg.Done()
	if s.cfg.Tiering.ColdAfterDays == 0 {
		return
	}
	tick := time.NewTicker(s.cfg.Tiering.Interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if n, err := s.RunTiering(); err != nil {
				s.log.Error("storage class policy", "err", err)
			} else if n > 0 {
				s.log.Info("storage class policy moved titles to cold", "titles", n)
			}
		case <-s.stop:
			return
		}
	}
}

// RunTiering applies the policy once: every hot title published more
// than ColdAfterDays ago whose smoothed popularity stayed under ColdBelow
// on each of those days starts moving to cold. It returns how many.
func (s *Server) RunTiering() (int, error) {
	days := s.cfg.Tiering.ColdAfterDays
	if days == 0 {
		return 0, nil
	}
	now := s.now()
	var cold []string
	err := s.cat.Each(func(t *catalog.Title) error {
		if t.Status != catalog.Published || t.Class != catalog.Hot || now.Sub(t.Published) < time.Duration(days)*24*time.Hour {
			return nil
		}
		hist, err := s.pop.TitleHistory(t.ID, days, now)
		if err != nil {
			return nil // no size yet: nothing to judge
		}
		for _, p := range hist {
			if p >= s.cfg.Tiering.ColdBelow {
				return nil
			}
		}
		cold = append(cold, t.ID)
		return nil
	})
	for _, id := range cold {
		if _, err := s.changeClass(id, store.Cold); err != nil {
			s.log.Warn("cannot demote title", "title", id, "err", err)
		}
	}
	return len(cold), err
}

// changeClass starts moving a title to class to. It returns the title
// and whether a move was started (false when it is already there or
// moving).
func (s *Server) changeClass(id string, to store.Class) (*catalog.Title, error) {
	from, moving := catalog.Hot, catalog.Demoting
	if to == store.Hot {
		from, moving = catalog.Cold, catalog.Restoring
	}
	t, err := s.cat.Update(id, func(t *catalog.Title) error {
		if t.Status != catalog.Published || t.Class != from {
			return errNoChange
		}
		t.Class = moving
		return nil
	})
	if errors.Is(err, errNoChange) {
		return s.cat.Get(id)
	}
	if err != nil {
		return nil, err
	}
	job, err := s.engine.Submit(classSpec(id, to))
	if err != nil {
		s.cat.Update(id, func(t *catalog.Title) error { t.Class = from; return nil })
		return nil, fmt.Errorf("controller: start class change: %w", err)
	}
	s.log.Info("storage class change started", "title", id, "to", to, "job", job.ID)
	return t, nil
}
