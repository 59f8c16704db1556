package msgtemplate

import (
	"errors"
	"strings"
	"testing"
)

// escape makes s a template that renders to s.
func escape(s string) string {
	return strings.NewReplacer("{", "{{", "}", "}}").Replace(s)
}

func FuzzParse(f *testing.F) {
	for _, k := range Kinds {
		f.Add(DefaultText(k))
	}
	for _, s := range []string{"{nome}", "{{nome}}", "{{{nome}}}", "{", "}", "{}", "{ }", "}}{{",
		"{Primeiro Nome}", "{observações}", "{nomee}", "Olá\n{nome\n}", "\xff{nome}\xfe", "{{{{"} {
		f.Add(s)
	}
	full := Values{}
	for _, v := range Variables {
		full[v.Name] = "<" + v.Name + ">"
	}
	f.Fuzz(func(t *testing.T, text string) {
		tpl, err := Parse(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Msg == "" {
				t.Fatalf("Parse(%q) error %v is not a *SyntaxError with a message", text, err)
			}
			if se.Pos < 0 || se.Pos > len([]rune(text)) {
				t.Fatalf("Parse(%q): position %d out of range", text, se.Pos)
			}
			return
		}
		nvars := 0
		for _, p := range tpl.parts {
			if p.name != "" {
				nvars++
				if _, ok := varIndex[p.name]; !ok {
					t.Fatalf("Parse(%q) accepted unknown variable %q", text, p.name)
				}
			}
		}
		// With every value empty, the braces left are exactly the escaped
		// ones: each "{{" gives one "{", each variable's braces give none.
		empty := tpl.Render(nil)
		for _, br := range []string{"{", "}"} {
			want := (strings.Count(text, br) - nvars) / 2
			if got := strings.Count(empty, br); got != want {
				t.Fatalf("Parse(%q).Render(empty) = %q has %d %q, want %d", text, empty, got, br, want)
			}
		}
		// With every value set, each variable is replaced once by its value.
		rendered := tpl.Render(full)
		extra := 0
		for _, p := range tpl.parts {
			if p.name != "" {
				extra += len(full[p.name])
			}
		}
		if len(rendered) != len(empty)+extra {
			t.Fatalf("Parse(%q).Render(full) = %q: length %d, want %d", text, rendered, len(rendered), len(empty)+extra)
		}
		if m := tpl.Missing(full); m != nil {
			t.Fatalf("Missing(full) = %v", m)
		}
		if m := tpl.Missing(nil); len(m) != len(tpl.Vars()) {
			t.Fatalf("Missing(nil) = %v, want all of %v", m, tpl.Vars())
		}
		// Escaping the literal output gives a template without variables
		// that renders back to it.
		if len([]rune(empty)) <= MaxLen/2 {
			back, err := Parse(escape(empty))
			if err != nil || back.Render(full) != empty || back.Vars() != nil {
				t.Fatalf("escape(%q) does not round-trip: %v", empty, err)
			}
		}
	})
}
