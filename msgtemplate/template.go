package msgtemplate

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLen is the longest template accepted, in characters. WhatsApp takes
// far more, but a reminder longer than this is not read, and it bounds what
// a reseller can make the bot store and render per client.
const MaxLen = 4000

// Template is a parsed message: literal text and variable references, in
// order. It is immutable and safe for concurrent use.
type Template struct {
	parts []part
}

// part is a literal (name == "") or a variable reference.
type part struct {
	lit  string
	name string
}

// SyntaxError explains in pt-BR why a template was rejected; the bot shows
// Msg as is. Pos is the 1-based character position of the offending brace
// or variable, 0 when the error is about the whole text.
type SyntaxError struct {
	Msg string
	Pos int
}

func (e *SyntaxError) Error() string { return e.Msg }

// Parse parses a template. "{nome}" is a variable; "{{" and "}}" are a
// literal "{" and "}". An unknown variable, an empty "{}", a "{" that is
// not closed on the same line and a lone "}" are errors, as is a text
// longer than MaxLen characters.
//
// Variable names are matched forgivingly because resellers type them on a
// phone: case, surrounding spaces and accents are ignored and inner spaces
// or hyphens count as "_", so "{Primeiro Nome}" and "{observações}" work.
// Anything that still is not a known name is an error that lists the valid
// ones, so a typo never reaches a client as a literal "{nomee}".
func Parse(text string) (*Template, error) {
	if n := utf8.RuneCountInString(text); n > MaxLen {
		return nil, &SyntaxError{Msg: "A mensagem tem " + thousands(n) + " caracteres; o limite é " + thousands(MaxLen) + "."}
	}
	var (
		parts []part
		lit   strings.Builder
		pos   = 1 // rune position of text[i], for messages
	)
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(text); {
		switch c := text[i]; {
		case c == '{' && strings.HasPrefix(text[i:], "{{"):
			lit.WriteByte('{')
			i, pos = i+2, pos+2
		case c == '}' && strings.HasPrefix(text[i:], "}}"):
			lit.WriteByte('}')
			i, pos = i+2, pos+2
		case c == '}':
			return nil, &SyntaxError{Pos: pos, Msg: "Chave “}” sem abertura " + where(text, pos) +
				". Para mostrar uma chave na mensagem, escreva }}."}
		case c == '{':
			end := strings.IndexAny(text[i+1:], "{}\n")
			if end < 0 || text[i+1+end] != '}' {
				return nil, &SyntaxError{Pos: pos, Msg: "Chave “{” aberta " + where(text, pos) +
					" e não fechada. Feche a variável com “}”, como em {nome}; para mostrar uma chave na mensagem, escreva {{."}
			}
			raw := text[i+1 : i+1+end]
			name, err := lookup(raw, text, pos)
			if err != nil {
				return nil, err
			}
			flush()
			parts = append(parts, part{name: name})
			pos += utf8.RuneCountInString(text[i : i+end+2])
			i += end + 2
		default:
			_, size := utf8.DecodeRuneInString(text[i:])
			lit.WriteString(text[i : i+size])
			i += size
			pos++
		}
	}
	flush()
	return &Template{parts: parts}, nil
}

// MustParse is Parse for texts known at compile time (defaults, tests).
func MustParse(text string) *Template {
	t, err := Parse(text)
	if err != nil {
		panic("msgtemplate: " + err.Error())
	}
	return t
}

// lookup resolves the text between braces to a variable name.
func lookup(raw, text string, pos int) (string, error) {
	key := canonicalName(raw)
	if key == "" {
		return "", &SyntaxError{Pos: pos, Msg: "Variável vazia “{}” " + where(text, pos) +
			". Escreva o nome da variável entre as chaves, como em {nome}. Variáveis válidas: " + variableList + "."}
	}
	if _, ok := varIndex[key]; ok {
		return key, nil
	}
	shown := raw
	if utf8.RuneCountInString(shown) > 30 {
		shown = string([]rune(shown)[:30]) + "…"
	}
	msg := "Variável desconhecida: {" + shown + "}."
	if s := suggest(key); s != "" {
		msg += " Você quis dizer {" + s + "}?"
	}
	msg += " Variáveis válidas: " + variableList + "."
	if !identifierLike(key) {
		msg += " Para mostrar chaves na mensagem, escreva {{ e }}."
	}
	return "", &SyntaxError{Pos: pos, Msg: msg}
}

// canonicalName lower-cases, folds Portuguese accents, trims and turns
// inner spaces and hyphens into "_".
func canonicalName(raw string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(raw)) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			if !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		case strings.ContainsRune("áàâãä", r):
			b.WriteByte('a')
		case strings.ContainsRune("éèêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("íìîï", r):
			b.WriteByte('i')
		case strings.ContainsRune("óòôõö", r):
			b.WriteByte('o')
		case strings.ContainsRune("úùûü", r):
			b.WriteByte('u')
		case r == 'ç':
			b.WriteByte('c')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func identifierLike(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

// suggest returns the variable closest to key by edit distance, if it is
// close enough to be a typo.
func suggest(key string) string {
	if len(key) > 40 {
		return ""
	}
	best, bestD := "", 3
	for _, v := range Variables {
		if d := editDistance(key, v.Name); d < bestD {
			best, bestD = v.Name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// where describes a rune position as line and column, which is what a
// reseller can find in a multi-line message on a phone.
func where(text string, pos int) string {
	line, col := 1, 1
	n := 1
	for _, r := range text {
		if n == pos {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		n++
	}
	return "na linha " + strconv.Itoa(line) + ", coluna " + strconv.Itoa(col)
}

// thousands formats n the pt-BR way ("4.000").
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}

// Render fills the template with v. A variable missing from v renders as
// "". Values are inserted verbatim and never parsed, so a client named
// "{empresa}" stays "{empresa}".
func (t *Template) Render(v Values) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.lit)
		} else {
			b.WriteString(v[p.name])
		}
	}
	return b.String()
}

// Uses reports whether the template references variable name.
func (t *Template) Uses(name string) bool {
	for _, p := range t.parts {
		if p.name != "" && p.name == name {
			return true
		}
	}
	return false
}

// Vars returns the variables the template references, in order of first
// use, each once.
func (t *Template) Vars() []string {
	var out []string
	for _, p := range t.parts {
		if p.name != "" && !contains(out, p.name) {
			out = append(out, p.name)
		}
	}
	return out
}

// Missing returns the variables the template uses whose value in v is
// empty or blank, in order of first use, each once (nil if none). The
// caller decides what is fatal: the scheduler must not send a message whose
// {pix_copia_cola} is empty; the preview shows the rest as hints.
func (t *Template) Missing(v Values) []string {
	var out []string
	for _, name := range t.Vars() {
		if strings.TrimSpace(v[name]) == "" {
			out = append(out, name)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
