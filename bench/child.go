package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// child is what every peer run as one program on one port shares
// (nginx-static, nginx-proxy, varnish, fasthttp-bare): its process and
// base URL, the start on a free port (a new one while the port turns out
// taken), Stop and PIDs.
type child struct {
	name  string
	proc  *process
	base  string
	grace time.Duration    // wait after each stop signal
	sigs  []syscall.Signal // stop signals, in order; then SIGKILL
	cpus  string           // taskset CPU list; "" runs anywhere
}

// Pin implements Pinner.
func (c *child) Pin(cpus string) { c.cpus = cpus }

// run starts the peer's program on its CPUs (startPinned).
func (c *child) run(dir, logPath, bin string, args ...string) (*process, error) {
	return startPinned(c.name, dir, logPath, c.cpus, bin, args...)
}

// start makes dirs, then runs launch (which starts the program on port
// and returns it once it answers) and records the process and its base
// URL (scheme://127.0.0.1:port).
func (c *child) start(scheme string, dirs []string, launch func(port int) (*process, error)) (string, error) {
	if c.proc != nil {
		return "", fmt.Errorf("bench: %s already started", c.name)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("bench: %s work dir: %w", c.name, err)
		}
	}
	var err error
	for range portAttempts {
		port, perr := freePort()
		if perr != nil {
			return "", perr
		}
		var p *process
		if p, err = launch(port); err == nil {
			c.proc, c.base = p, scheme+"://127.0.0.1:"+strconv.Itoa(port)
			return c.base, nil
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return "", err
}

// awaitReady waits until url answers a status ok accepts; a process that
// never does is stopped.
func awaitReady(ctx context.Context, p *process, url string, timeout time.Duration, ok func(int) bool) error {
	c := newClient()
	defer c.CloseIdleConnections()
	if err := waitHTTP(ctx, c, url, p, timeout, ok); err != nil {
		return errors.Join(err, p.stop(time.Second, syscall.SIGTERM))
	}
	return nil
}

// anyStatus accepts any HTTP answer as ready.
func anyStatus(int) bool { return true }

// Stop sends the stop signals in turn, then kills the process group;
// the process is always reaped. It is safe on a peer never started.
func (c *child) Stop() error {
	if c.proc == nil {
		return nil
	}
	p := c.proc
	c.proc = nil
	return p.stop(c.grace, c.sigs...)
}

// PIDs implements ProcessLister: the process and its children (nginx's
// workers, varnish's cache child).
func (c *child) PIDs() []int {
	if c.proc == nil {
		return nil
	}
	return append([]int{c.proc.pid()}, childPIDs(c.proc.pid())...)
}
