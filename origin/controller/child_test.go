package controller_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// The crash test runs the controller in a child process (this test
// binary, re-executed) so that it can be killed with SIGKILL: no
// deferred function, no graceful shutdown, ffmpeg killed with it.
const childEnv = "VODEDGE_TEST_CONTROLLER_CHILD"

// runChild serves a controller on DATA until killed. It writes its
// address to DATA/addr once listening.
func runChild() {
	data := os.Getenv(childEnv)
	cfg := configWith(data, os.Getenv("CHILD_FFMPEG"), os.Getenv("CHILD_FFPROBE"))
	cfg.Pipeline.Workers = 1 // renditions one after the other: a clear "some done, one running"
	cfg.KeepWork = true      // so the test can see whether renditions were re-encoded
	if d, err := time.ParseDuration(os.Getenv("CHILD_CHUNK")); err == nil {
		cfg.Transcode.ChunkDuration = d // TestCrashResumeChunked
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := controller.New(context.Background(), cfg, controller.Deps{Logger: log})
	if err == nil {
		var ln net.Listener
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err == nil {
			os.WriteFile(filepath.Join(data, "addr.tmp"), []byte(ln.Addr().String()), 0o644)
			os.Rename(filepath.Join(data, "addr.tmp"), filepath.Join(data, "addr"))
			err = srv.Serve(ln)
		}
	}
	fmt.Fprintln(os.Stderr, "child controller:", err)
	os.Exit(3)
}

type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	cli  *client.Client
	url  string
	tr   *http.Transport
}

func startChild(t *testing.T, data string, env ...string) *child {
	t.Helper()
	os.Remove(filepath.Join(data, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+data, "CHILD_FFMPEG="+testenv.Tool(t, "ffmpeg"), "CHILD_FFPROBE="+testenv.Tool(t, "ffprobe"))
	cmd.Env = append(cmd.Env, env...)
	logFile, _ := os.Create(filepath.Join(t.TempDir(), "child.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{}), tr: &http.Transport{}}
	go func() { cmd.Wait(); logFile.Close(); close(c.done) }()
	t.Cleanup(func() { c.kill(); c.tr.CloseIdleConnections() })
	testenv.Eventually(t, 30*time.Second, "the child to start", func() bool {
		if addr, err := os.ReadFile(filepath.Join(data, "addr")); err == nil {
			c.url = "http://" + string(addr)
			return true
		}
		select {
		case <-c.done:
			out, _ := os.ReadFile(logFile.Name())
			t.Fatalf("child exited during start-up:\n%s", out)
		default:
		}
		return false
	})
	c.cli, _ = client.New(c.url, "", &http.Client{Transport: c.tr})
	return c
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// TestCrashResume kills the controller (SIGKILL) while one rendition is
// encoding and at least one is finished, restarts it on the same data
// directory, and checks that the job completes, that finished renditions
// were not encoded again (same step record, same files on disk), and
// that the interrupted one was.
func TestCrashResume(t *testing.T) {
	data := t.TempDir()
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 426, Height: 240})
	first := startChild(t, data)
	f, _ := os.Open(src)
	res, err := first.cli.Ingest(context.Background(), f, src, catalog.Metadata{Title: "Crash Test"})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	before := waitMidway(t, first.cli, res.Job.ID)
	first.kill()
	id := res.Title.ID
	stamps := renditionStamps(t, data, id, before)
	t.Logf("killed with %s", steps(before))

	second := startChild(t, data)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	after, err := second.cli.WaitJob(ctx, res.Job.ID, 50*time.Millisecond, nil)
	if err != nil || after.State != pipeline.Done {
		t.Fatalf("after restart: %v %s: %s", err, state(after), steps(after))
	}
	for _, b := range before.Steps {
		a := after.Step(b.Name)
		switch {
		case b.State == pipeline.Done && (a.Attempts != b.Attempts || !a.Finished.Equal(b.Finished)):
			t.Errorf("%s was done before the crash but ran again: attempts %d→%d, finished %v→%v", b.Name, b.Attempts, a.Attempts, b.Finished, a.Finished)
		case b.State == pipeline.Running && a.Attempts != b.Attempts+1:
			t.Errorf("%s was interrupted: attempts %d→%d, want one more", b.Name, b.Attempts, a.Attempts)
		}
	}
	for path, mod := range stamps {
		if st, err := os.Stat(path); err != nil || !st.ModTime().Equal(mod) {
			t.Errorf("%s of a finished rendition was rewritten (%v)", path, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(data, "work", id, ".tmp-*")); len(left) > 0 {
		t.Errorf("temporary rendition directories left: %v", left)
	}
	if out, err := run(t, "ffmpeg", "-v", "error", "-i", second.url+"/titles/"+id+"/master.m3u8", "-map", "0", "-f", "null", "-"); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("decode after resume: %v\n%s", err, out)
	}
}

// waitMidway polls until at least one transcode step is done and another
// is running.
func waitMidway(t *testing.T, cli *client.Client, id string) *pipeline.Job {
	var j *pipeline.Job
	testenv.Eventually(t, 60*time.Second, "a transcode running after another finished", func() bool {
		var err error
		if j, err = cli.Job(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		done, running := 0, 0
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Name, "transcode/") && s.State == pipeline.Done {
				done++
			}
			if strings.HasPrefix(s.Name, "transcode/") && s.State == pipeline.Running {
				running++
			}
		}
		if done >= 1 && running == 1 {
			return true
		}
		if j.State == pipeline.Done || j.State == pipeline.Failed {
			t.Fatalf("job finished before it could be interrupted: %s", steps(j))
		}
		return false
	})
	return j
}

// renditionStamps records the modification times of the finished
// renditions' files.
func renditionStamps(t *testing.T, data, id string, j *pipeline.Job) map[string]time.Time {
	stamps := map[string]time.Time{}
	for _, s := range j.Steps {
		name, ok := strings.CutPrefix(s.Name, "transcode/")
		if !ok || s.State != pipeline.Done {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(data, "work", id, name, "*"))
		for _, f := range files {
			st, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			stamps[f] = st.ModTime()
		}
	}
	if len(stamps) == 0 {
		t.Fatal("no finished rendition files found")
	}
	return stamps
}
