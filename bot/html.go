package bot

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf16"
)

// Every message and caption is sent in HTML parse mode and escaped one way:
// user values (names, notes, plan names...) go through Esc exactly once, at
// the point they are placed into the bot's own markup (Textf, Bold, Code...),
// so characters like <, & or * never break a message. A fragment that is
// already HTML (the result of Textf or Bold, summaryLine...) is placed
// into another Textf as Raw(fragment), never as a plain string, or its tags
// would be escaped again and shown as text. telegramtest checks every text
// and caption of the end-to-end tests for markup shown that way.

// Esc escapes a user value for HTML parse mode.
func Esc(s string) string { return html.EscapeString(s) }

// Bold returns escaped s in bold.
func Bold(s string) string { return "<b>" + Esc(s) + "</b>" }

// Code returns escaped s in a copyable monospace span.
func Code(s string) string { return "<code>" + Esc(s) + "</code>" }

// Pre returns escaped s as a copyable block.
func Pre(s string) string { return "<pre>" + Esc(s) + "</pre>" }

// Italic returns escaped s in italics.
func Italic(s string) string { return "<i>" + Esc(s) + "</i>" }

// Textf formats like fmt.Sprintf but escapes every argument; use it for
// templates whose format string is the bot's own HTML.
func Textf(format string, args ...any) string {
	esc := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case raw:
			esc[i] = string(v)
		case string:
			esc[i] = Esc(v)
		case int, int64, int32, uint, uint64, float64, bool:
			esc[i] = v // cannot contain markup; keeps %d and friends working
		default:
			esc[i] = Esc(fmt.Sprint(v))
		}
	}
	return fmt.Sprintf(format, esc...)
}

// raw marks bot-built HTML that Textf must not escape again.
type raw string

// Raw wraps already-built HTML for Textf.
func Raw(s string) any { return raw(s) }

// Truncate shortens s to at most n runes, ending with "…" when cut, so a
// long user value cannot push a message over Telegram's limits.
func Truncate(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	if n <= 1 {
		return "…"
	}
	return string(r[:n-1]) + "…"
}

// utf16Len measures s as Telegram measures text: in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}
