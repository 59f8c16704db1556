package billing

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanTextDropsBidiAndZeroWidth(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Ana Lima ", "Ana Lima"},
		{"\u202EamiL anA", "amiL anA"},
		{"Ana\u200B Lima\u200C\u200D\u200E\u200F", "Ana Lima"},
		{"\u2066Ana\u2069 \u2067Lima\u2068", "Ana Lima"},
		{"\u202A\u202B\u202C\u202D\u202E", ""},
		{" \u200B João da Silva \u200B ", "João da Silva"},
		// Neighbours of the ranges stay: they are ordinary text.
		{"a\u200Ab\u2010c\u2029d\u2065e\u206Af\u2070", "a\u200Ab\u2010c\u2029d\u2065e\u206Af\u2070"},
		{"Olá 👋 linha 1\nlinha 2", "Olá 👋 linha 1\nlinha 2"},
	} {
		if got := CleanText(tc.in); got != tc.want {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Ana", "\u202Eana", "a\u200Bb", "\xff\u2066x", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := CleanText(s)
		if strings.IndexFunc(out, invisible) >= 0 {
			t.Fatalf("CleanText(%q) = %q keeps an invisible character", s, out)
		}
		if again := CleanText(out); again != out {
			t.Fatalf("CleanText is not idempotent: %q -> %q -> %q", s, out, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("CleanText(%q) = %q is not valid UTF-8", s, out)
		}
	})
}
