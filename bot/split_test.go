package bot

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestSplitText(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want []string
	}{
		{"", 10, nil},
		{"curto", 10, []string{"curto"}},
		{"exatamente", 10, []string{"exatamente"}},
		{"um dois tres quatro", 12, []string{"um dois ", "tres quatro"}},
		{"um dois tres quatro", 10, []string{"um dois ", "tres quatr", "o"}}, // no break in the second half
		{"linha um\nlinha dois", 12, []string{"linha um\n", "linha dois"}},
		{"semespacosnenhum", 5, []string{"semes", "pacos", "nenhu", "m"}},
		{"😀😀😀", 4, []string{"😀😀", "😀"}}, // 2 UTF-16 units each
		{"ação ação", 5, []string{"ação ", "ação"}},
	} {
		got := splitText(tc.s, tc.n)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("splitText(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
	long := strings.Repeat("paguei o pix ontem à noite. ", 400) // 11,200 characters
	parts := splitText(long, textChunk)
	if len(parts) != 4 || strings.Join(parts, "") != long {
		t.Fatalf("%d parts", len(parts))
	}
}

func FuzzSplitText(f *testing.F) {
	for _, s := range []string{"", "a b c", "linha\nlinha", "😀x😀", "\xff\xfe", strings.Repeat("ab ", 50)} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n%50 + 2
		if n < 2 {
			n += 50
		}
		parts := splitText(s, n)
		if strings.Join(parts, "") != s {
			t.Fatalf("splitText(%q, %d) = %q does not give the text back", s, n, parts)
		}
		for _, p := range parts {
			if p == "" {
				t.Fatalf("empty piece in %q", parts)
			}
			if utf8.ValidString(s) && len(utf16.Encode([]rune(p))) > n {
				t.Fatalf("piece %q over %d units", p, n)
			}
		}
	})
}
