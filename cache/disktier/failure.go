package disktier

import (
	"errors"
	"fmt"
	"log/slog"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
)

// ErrDiskFailed is returned by what a failed disk can no longer do: it
// was taken out of service, and its objects are misses.
var ErrDiskFailed = errors.New("disktier: disk failed")

// errClosed is returned by a disk's index once the disk is closed.
var errClosed = errors.New("disktier: disk closed")

// fail takes the disk out of service: it stops admitting, its index
// takes no more writes, and the set is told (through onFail, which must
// not block) to move its objects to the other disks and close it.
// Only the first reason is kept.
func (s *disk) fail(reason string) {
	s.failOnce.Do(func() {
		if s.purgeMark != nil {
			s.leftAt.Store(s.purgeMark())
		}
		s.failure.Store(&reason)
		close(s.dead)
		s.log.Error("disk failed; taking it out of service", "reason", reason)
		if s.onFail != nil {
			s.onFail()
		}
	})
}

// failed returns why the disk failed, "" while it has not.
func (s *disk) failed() string {
	if r := s.failure.Load(); r != nil {
		return *r
	}
	return ""
}

// ioError counts an I/O error of the disk. An error no retry can cure
// (a read-only filesystem, permissions gone) fails the disk at once;
// FailErrors of any kind within ErrorWindow fail it too.
func (s *disk) ioError(err error) {
	if err == nil || errors.Is(err, ErrDiskFailed) || errors.Is(err, errClosed) {
		return
	}
	if reason := fatalIOError(err); reason != "" {
		s.fail(reason)
	}
	if n := s.health.ioError(err); n >= s.cfg.FailErrors {
		s.fail(fmt.Sprintf("%d I/O errors in %v, the last: %v", n, s.cfg.ErrorWindow, err))
	}
}

// fatalIOError names an error that fails a disk at once, "" for others.
func fatalIOError(err error) string {
	switch {
	case errors.Is(err, syscall.EROFS):
		return "read-only filesystem: " + err.Error()
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "permission denied: " + err.Error()
	}
	return ""
}

// pebbleLogger sends Pebble's messages to slog. Fatalf fails the disk
// instead of exiting the process: one disk's index is fatal to that disk
// only.
type pebbleLogger struct {
	l    *slog.Logger
	fail func(reason string)
}

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "component", "pebble", "fatal", true)
	p.fail("index: " + msg)
}

// eventListener is the disk's view of Pebble's events: background
// errors (failed flushes and compactions, retried by Pebble) count as
// I/O errors, corruption fails the disk, stalls are logged.
func (s *disk) eventListener() *pebble.EventListener {
	return &pebble.EventListener{
		BackgroundError: func(err error) {
			s.log.Warn("index background error", "err", err)
			s.ioError(err)
		},
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			s.fail(fmt.Sprintf("index corruption: %s", info))
		},
		DiskSlow: func(info pebble.DiskSlowInfo) {
			s.log.Warn("index disk slow", "info", info.String())
		},
		WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
			s.log.Warn("index write stall", "reason", info.Reason)
		},
	}
}
