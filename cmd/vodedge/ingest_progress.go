package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/vodedge/vodedge/origin/pipeline"
)

// progressUI shows an ingest's upload and pipeline progress.
type progressUI interface {
	// upload wraps the file's reader to follow the upload.
	upload(name string, size int64, r io.Reader) io.Reader
	uploaded(name string, err error)
	// job is called at each poll of the title's job.
	job(name string, j *pipeline.Job)
	finished(name string)
}

func newProgressUI(mode string, w io.Writer) (progressUI, error) {
	switch mode {
	case "auto":
		if isTerminal(w) {
			return &barsUI{w: w}, nil
		}
		return &plainUI{w: w, seen: map[string]string{}}, nil
	case "bars":
		return &barsUI{w: w}, nil
	case "plain":
		return &plainUI{w: w, seen: map[string]string{}}, nil
	case "off":
		return offUI{}, nil
	}
	return nil, fmt.Errorf("--progress %q: want auto, bars, plain or off", mode)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// barsUI draws mpb bars: one for the upload, then one per step.
type barsUI struct {
	w     io.Writer
	p     *mpb.Progress
	bar   *mpb.Bar
	steps map[string]*stepBar
}

type stepBar struct {
	bar   *mpb.Bar
	state *stepState
}

func (u *barsUI) upload(name string, size int64, r io.Reader) io.Reader {
	u.p = mpb.New(mpb.WithOutput(u.w), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
	u.steps = map[string]*stepBar{}
	u.bar = u.p.AddBar(size,
		mpb.PrependDecorators(decor.Name("upload "+name, decor.WCSyncSpaceR), decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done"), decor.Name(" "), decor.AverageSpeed(decor.SizeB1024(0), "% .1f")))
	pr, _ := u.bar.ProxyReader(r)
	return pr
}

func (u *barsUI) uploaded(_ string, err error) {
	if err != nil {
		u.bar.Abort(false)
		u.p.Wait()
		return
	}
	u.bar.SetTotal(-1, true)
}

func (u *barsUI) job(_ string, j *pipeline.Job) {
	for _, s := range j.Steps {
		sb := u.steps[s.Name]
		if sb == nil {
			sb = u.addStep(s)
		}
		sb.state.set(string(s.State))
		b := sb.bar
		switch s.State {
		case pipeline.Done:
			b.SetCurrent(1000)
		case pipeline.Failed, pipeline.Cancelled, pipeline.Held:
			b.Abort(false)
		default:
			b.SetCurrent(int64(s.Progress * 999))
		}
	}
}

func (u *barsUI) addStep(s *pipeline.Step) *stepBar {
	sb := &stepBar{state: &stepState{}}
	sb.bar = u.p.AddBar(1000,
		mpb.PrependDecorators(decor.Name("  "+s.Name, decor.WCSyncSpaceR), decor.Any(sb.state.decor, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.OnAbort(decor.Percentage(decor.WCSyncSpace), "stopped")))
	u.steps[s.Name] = sb
	return sb
}

// stepState is read by a decorator on mpb's goroutine.
type stepState struct {
	mu sync.Mutex
	s  string
}

func (st *stepState) set(s string) {
	st.mu.Lock()
	st.s = s
	st.mu.Unlock()
}

func (st *stepState) decor(decor.Statistics) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.s
}

func (u *barsUI) finished(string) {
	for _, sb := range u.steps {
		if !sb.bar.Completed() {
			sb.bar.Abort(false) // blocked behind a failed or held step
		}
	}
	u.p.Wait()
}

// plainUI prints one line per change, for logs and pipes.
type plainUI struct {
	w    io.Writer
	seen map[string]string // step → last state printed
}

func (u *plainUI) upload(name string, size int64, r io.Reader) io.Reader {
	fmt.Fprintf(u.w, "%s: uploading %.1f MiB\n", name, float64(size)/(1<<20))
	return r
}

func (u *plainUI) uploaded(name string, err error) {
	if err != nil {
		fmt.Fprintf(u.w, "%s: upload failed: %v\n", name, err)
		return
	}
	fmt.Fprintf(u.w, "%s: uploaded\n", name)
}

func (u *plainUI) job(name string, j *pipeline.Job) {
	for _, s := range j.Steps {
		state := string(s.State)
		if s.State == pipeline.Running {
			state += fmt.Sprintf(" %d%%", int(s.Progress*4)*25) // quarter steps
		}
		if u.seen[name+s.Name] == state {
			continue
		}
		u.seen[name+s.Name] = state
		line := fmt.Sprintf("%s: %s %s", name, s.Name, state)
		if s.State == pipeline.Done && s.Elapsed > 0 {
			line += " in " + s.Elapsed.Round(10*time.Millisecond).String()
		}
		if s.Error != "" && s.State != pipeline.Running {
			line += ": " + s.Error
		}
		fmt.Fprintln(u.w, line)
	}
}

func (u *plainUI) finished(string) {}

type offUI struct{}

func (offUI) upload(_ string, _ int64, r io.Reader) io.Reader { return r }
func (offUI) uploaded(string, error)                          {}
func (offUI) job(string, *pipeline.Job)                       {}
func (offUI) finished(string)                                 {}
