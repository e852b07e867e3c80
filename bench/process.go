package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vodedge/vodedge/internal/freeport"
)

// process is a child program the bench started. Its stdout and stderr go
// to a log file, read only to explain a failure. The goroutine that waits
// for it is owned by the process and ends when the child exits; stop
// always waits for it, so nothing outlives the bench.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string        // path of the output file
	done chan struct{} // closed once the child has been waited for
}

// startProcess starts bin with args in dir (so that any relative path it
// defaults to lands there), in a process group of its own, so that a
// last-resort kill reaches every process it forked (nginx's workers) and
// nothing else.
func startProcess(name, dir, logPath, bin string, args ...string) (*process, error) {
	return startPinned(name, dir, logPath, "", bin, args...)
}

// startPinned is startProcess confined to the CPU list cpus (taskset -c;
// every process the program forks inherits it), or anywhere when cpus
// is "".
func startPinned(name, dir, logPath, cpus, bin string, args ...string) (*process, error) {
	bin, args = pinned(cpus, bin, args)
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("bench: %s log: %w", name, err)
	}
	defer out.Close() // the child holds its own copy
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends each signal in turn, giving the process grace to exit after
// each, then kills its process group and waits for it. It reports an
// error when the process had to be killed.
func (p *process) stop(grace time.Duration, sigs ...syscall.Signal) error {
	for _, sig := range sigs {
		if p.exited() {
			return nil
		}
		_ = p.cmd.Process.Signal(sig)
		select {
		case <-p.done:
			return nil
		case <-time.After(grace):
		}
	}
	if p.exited() {
		return nil
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
	return fmt.Errorf("bench: %s (pid %d) did not exit on %v within %v each; killed", p.name, p.pid(), sigs, grace)
}

// logTail returns the last lines of the process's output.
func (p *process) logTail(lines int) string { return tailFile(p.log, lines) }

// addrInUse reports whether the process's output says its port was taken
// (by another program between freePort and the bind).
func (p *process) addrInUse() bool {
	return strings.Contains(strings.ToLower(p.logTail(20)), "address already in use")
}

// freePort returns a loopback port that was free a moment ago, from
// below the ephemeral range (internal/freeport). Another program may
// still take it before the peer binds it: peers retry on a new port when
// their log says so.
func freePort() (int, error) {
	addr, err := freeport.TCP("127.0.0.1")
	if err != nil {
		return 0, fmt.Errorf("bench: find a free port: %w", err)
	}
	_, p, _ := net.SplitHostPort(addr)
	return strconv.Atoi(p)
}

// portAttempts bounds the retries on a port someone else took.
const portAttempts = 3

// errPortTaken marks a start that failed only because the port was taken.
var errPortTaken = errors.New("bench: port taken")

// waitHTTP polls url until ok accepts the response status, the process
// exits, ctx ends or timeout passes.
func waitHTTP(ctx context.Context, c *http.Client, url string, p *process, timeout time.Duration, ok func(int) bool) error {
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		if p.exited() {
			if p.addrInUse() {
				return errPortTaken
			}
			return fmt.Errorf("bench: %s exited during start-up; its output:\n%s", p.name, p.logTail(20))
		}
		if st, err := get(ctx, c, url); err == nil && ok(st) {
			return nil
		} else if err == nil {
			last = "status " + strconv.Itoa(st)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("bench: %s not ready at %s after %v (%s); its output:\n%s", p.name, url, timeout, last, p.logTail(20))
}

func get(ctx context.Context, c *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
