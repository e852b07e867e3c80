package bgp

import (
	"context"
	"log/slog"
	"sort"

	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
)

// logger adapts GoBGP's logger to slog. GoBGP's info messages (FSM
// transitions, every update) go to debug: the speaker logs session
// changes itself.
type logger struct {
	log   *slog.Logger
	level gobgplog.LogLevel
}

var _ gobgplog.Logger = (*logger)(nil)

func (l *logger) emit(level slog.Level, msg string, f gobgplog.Fields) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]any, 0, 2*len(f)+2)
	args = append(args, "component", "gobgp")
	for _, k := range keys {
		args = append(args, k, f[k])
	}
	l.log.Log(context.Background(), level, "bgp: "+msg, args...)
}

// Panic and Fatal are GoBGP's "code logic bug" reports; it does not
// expect them to return, so they panic after logging.
func (l *logger) Panic(msg string, f gobgplog.Fields) {
	l.emit(slog.LevelError, msg, f)
	panic("gobgp: " + msg)
}
func (l *logger) Fatal(msg string, f gobgplog.Fields) {
	l.emit(slog.LevelError, msg, f)
	panic("gobgp: " + msg)
}
func (l *logger) Error(msg string, f gobgplog.Fields) { l.emit(slog.LevelError, msg, f) }
func (l *logger) Warn(msg string, f gobgplog.Fields)  { l.emit(slog.LevelWarn, msg, f) }
func (l *logger) Info(msg string, f gobgplog.Fields)  { l.emit(slog.LevelDebug, msg, f) }
func (l *logger) Debug(msg string, f gobgplog.Fields) {
	if l.level >= gobgplog.DebugLevel {
		l.emit(slog.LevelDebug-4, msg, f)
	}
}
func (l *logger) SetLevel(level gobgplog.LogLevel) { l.level = level }
func (l *logger) GetLevel() gobgplog.LogLevel      { return l.level }
