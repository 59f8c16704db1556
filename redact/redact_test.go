package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"no digits", "no digits"},
		{"chat 6123456789 and 123456789", "chat [redacted] and 123456789"},
		{"failed to send to 5511987654321:12@s.whatsapp.net: 463", "failed to send to [redacted]:12@s.whatsapp.net: 463"},
		{"5511987654321", "[redacted]"},
		{"lid 123456789012345@lid, ok", "lid [redacted]@lid, ok"},
		{"a 5511987654321 b 5521912345678", "a [redacted] b [redacted]"},
		{"(11) 98765-4321", "(11) 98765-4321"}, // formatted numbers are never in errors; see the package comment
		{"2026-11-28T15:00:00Z", "2026-11-28T15:00:00Z"},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type jid string

func (j jid) String() string { return string(j) + "@s.whatsapp.net" }

func TestHandlerMasksInfoAndAboveOnly(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log = log.With("lib", "x 5511900000001")
	log.Debug("debug 5511987654321", "jid", jid("5511987654321"))
	log.Info("info 5511987654321", "chat", int64(5511987654321), "err", errors.New("to 5511987654321"),
		"jid", jid("5511987654321"), slog.Group("g", "phone", "5511987654321"), "raw", []byte("5511987654321"))
	log.Error("error", "text", "5511987654321")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines = %q", lines)
	}
	var debug map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &debug); err != nil {
		t.Fatal(err)
	}
	if debug["msg"] != "debug 5511987654321" || debug["jid"] != "5511987654321" {
		t.Errorf("debug line changed: %s", lines[0])
	}
	for _, l := range lines[1:] {
		if strings.Contains(strings.ReplaceAll(l, `"chat":5511987654321`, ""), "5511987654321") {
			t.Errorf("a number is left in %s", l)
		}
	}
	if !strings.Contains(lines[1], `"chat":5511987654321`) || !strings.Contains(lines[1], `"jid":"[redacted]@s.whatsapp.net"`) ||
		!strings.Contains(lines[1], `"g":{"phone":"[redacted]"}`) || !strings.Contains(lines[1], `"lib":"x [redacted]"`) {
		t.Errorf("info line = %s", lines[1])
	}
}

func TestHandlerKeepsContext(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, nil))).WithGroup("w")
	log.InfoContext(context.Background(), "x", "a", 1)
	if got := strings.TrimSpace(buf.String()); !strings.HasSuffix(got, "msg=x w.a=1") {
		t.Fatalf("line = %q", got)
	}
}
