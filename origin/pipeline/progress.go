package pipeline

import "sync"

type progressValue struct {
	fraction float64
	detail   string
}

// progressTable holds the progress of running steps, written by workers
// and read by Get without involving the loop.
type progressTable struct {
	mu sync.Mutex // protects m
	m  map[stepKey]progressValue
}

func (p *progressTable) set(k stepKey, v progressValue) {
	p.mu.Lock()
	p.m[k] = v
	p.mu.Unlock()
}

func (p *progressTable) take(k stepKey) progressValue {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.m[k]
	delete(p.m, k)
	return v
}

func (p *progressTable) get(k stepKey) (progressValue, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.m[k]
	return v, ok
}

// withProgress copies j (a published snapshot) with the live progress of
// its running steps.
func (e *Engine) withProgress(j *Job) *Job {
	c := j.clone()
	for _, s := range c.Steps {
		if s.State != Running {
			continue
		}
		if v, ok := e.progress.get(stepKey{j.ID, s.Name}); ok {
			s.Progress, s.Detail = v.fraction, v.detail
		}
	}
	return c
}
