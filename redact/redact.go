// Package redact keeps phone numbers out of the log lines an operator
// reads. Every line about a reseller carries its chat id ("chat"), and the
// program's own lines name clients by id, never by name, number or text;
// but the text of an error, or a line of the WhatsApp library, is written
// by others and often holds a WhatsApp id ("5511987654321:12@s.whatsapp.net",
// "123456789012345@lid") or a number. At info level and above, Handler
// masks in a line's message and text values every run of MinDigits or more
// digits. Debug lines stay whole: log.level debug is for a developer
// looking into one problem.
package redact

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// MinDigits is the shortest run of digits masked: a Brazilian number
// with its area code has 10 or 11 digits (12 or 13 with the country code),
// a WhatsApp LID 14 or 15. Telegram chat ids (up to 10 digits today) are
// logged as numbers ("chat"), which are never masked.
const MinDigits = 10

// Mask replaces a run of MinDigits or more digits.
const Mask = "[redacted]"

// String returns s with every run of MinDigits or more digits masked.
func String(s string) string {
	run, start := 0, -1
	var b strings.Builder
	last := 0 // s[last:] not yet copied to b
	flush := func(end int) {
		if run >= MinDigits {
			b.WriteString(s[last:start])
			b.WriteString(Mask)
			last = end
		}
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			if run == 0 {
				start = i
			}
			run++
			continue
		}
		flush(i)
		run = 0
	}
	flush(len(s))
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// Handler wraps another handler; see the package comment.
type Handler struct{ inner slog.Handler }

// NewHandler returns inner with phone numbers masked at info and above.
func NewHandler(inner slog.Handler) *Handler { return &Handler{inner: inner} }

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo {
		return h.inner.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

// WithAttrs masks attributes given once for every later line (logger.With),
// whatever the level of those lines.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = attr(a)
	}
	return &Handler{inner: h.inner.WithAttrs(masked)}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name)}
}

// attr masks a's text: strings, errors and anything that prints itself
// (a WhatsApp JID is a fmt.Stringer). Numbers are kept.
func attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, String(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, String(x.String()))
		case []byte:
			return slog.String(a.Key, String(string(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
