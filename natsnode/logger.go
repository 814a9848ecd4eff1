package natsnode

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/nats-io/nats-server/v2/server"
)

// Attribute keys of the log lines this package writes.
const (
	attrComponent = "component"
	componentNATS = "nats-server"
)

// serverLogger adapts the server's printf-style Logger to slog. It also
// remembers the first fatal line: the server reports start-up failures
// (port in use, JetStream cannot start) only by logging them as fatal, and
// Start turns that line into its error. Unlike the server's own logger it
// never exits the process.
type serverLogger struct {
	log *slog.Logger // nil: discard everything but the fatal line

	mu    sync.Mutex
	fatal string
}

var _ server.Logger = (*serverLogger)(nil)

func (l *serverLogger) emit(level slog.Level, format string, v []any) {
	if l.log == nil {
		return
	}
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, fmt.Sprintf(format, v...), attrComponent, componentNATS)
}

func (l *serverLogger) Noticef(format string, v ...any) { l.emit(slog.LevelInfo, format, v) }
func (l *serverLogger) Warnf(format string, v ...any)   { l.emit(slog.LevelWarn, format, v) }
func (l *serverLogger) Errorf(format string, v ...any)  { l.emit(slog.LevelError, format, v) }
func (l *serverLogger) Debugf(format string, v ...any)  { l.emit(slog.LevelDebug, format, v) }
func (l *serverLogger) Tracef(format string, v ...any)  { l.emit(slog.LevelDebug-4, format, v) }

func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.mu.Lock()
	if l.fatal == "" {
		l.fatal = msg
	}
	l.mu.Unlock()
	l.emit(slog.LevelError, "fatal: %s", []any{msg})
}

// fatalLine returns the first fatal line logged, or "".
func (l *serverLogger) fatalLine() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fatal
}
