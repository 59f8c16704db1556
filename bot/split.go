package bot

import (
	"strings"
	"unicode/utf16"
)

// textChunk is how much of a user's text one message carries when a text
// is split: Telegram allows 4096 UTF-16 units, and the first message also
// carries a heading.
const textChunk = 3500

// splitText cuts s into pieces of at most n UTF-16 units (how Telegram
// measures text), preferring a line break, then a space, in the second
// half of a piece, so a long text goes out whole over several messages.
// The pieces joined give s back; none is empty.
func splitText(s string, n int) []string {
	if n < 2 {
		n = 2 // room for any rune (a surrogate pair is 2 units)
	}
	var out []string
	for s != "" {
		units, cut := 0, len(s)
		for i, r := range s {
			units += max(utf16.RuneLen(r), 1)
			if units > n {
				cut = i
				break
			}
		}
		if cut < len(s) {
			// A break in the second half of the piece, if there is one.
			floor := cut / 2
			if i := strings.LastIndexByte(s[:cut], '\n'); i >= floor && i > 0 {
				cut = i + 1
			} else if i := strings.LastIndexByte(s[:cut], ' '); i >= floor && i > 0 {
				cut = i + 1
			}
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return out
}
