package billing

import "strings"

// invisible reports the characters CleanText drops: the bidirectional
// embeddings and overrides (U+202A–U+202E), the bidirectional isolates
// (U+2066–U+2069) and the zero-width characters and direction marks
// (U+200B–U+200F). None of them is typed on purpose in a name, a note or
// company data, and they can make a text display reversed or two
// different names look the same in the reseller's screens and messages.
func invisible(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' || r >= '\u200B' && r <= '\u200F'
}

// CleanText is the one normalisation of text that comes from outside
// (typed in Telegram, read from a CSV cell): the invisible bidirectional
// and zero-width characters are removed, then surrounding spaces.
func CleanText(s string) string {
	if strings.IndexFunc(s, invisible) >= 0 {
		s = strings.Map(func(r rune) rune {
			if invisible(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}
