package cluster

import (
	"bytes"
	"context"
	"log/slog"
	"sync/atomic"
)

// logWriter turns memberlist's log lines ("[WARN] memberlist: text") into
// slog records at the matching level. Once memberlist is shutting down
// (closing), its complaints about closed sockets are expected and logged
// at debug level.
type logWriter struct {
	log     *slog.Logger
	closing *atomic.Bool
}

var logLevels = []struct {
	prefix string
	level  slog.Level
}{
	{"[DEBUG]", slog.LevelDebug},
	{"[INFO]", slog.LevelInfo},
	{"[WARN]", slog.LevelWarn},
	{"[ERR]", slog.LevelError},
	{"[ERROR]", slog.LevelError},
}

func (w *logWriter) Write(p []byte) (int, error) {
	line := bytes.TrimSpace(p)
	level := slog.LevelInfo
	for _, l := range logLevels {
		if rest, ok := bytes.CutPrefix(line, []byte(l.prefix)); ok {
			level, line = l.level, bytes.TrimSpace(rest)
			break
		}
	}
	line = bytes.TrimPrefix(line, []byte("memberlist: "))
	if w.closing != nil && w.closing.Load() {
		level = min(level, slog.LevelDebug)
	}
	if w.log.Enabled(context.Background(), level) {
		w.log.Log(context.Background(), level, "memberlist: "+string(line), "component", "gossip")
	}
	return len(p), nil
}
