package clientcsv

import "strings"

// record is one logical CSV record and the physical line it starts on.
type record struct {
	line   int
	fields []string
	// bad is a pt-BR reason when the record's quoting is broken; its fields
	// are then unreliable and the record is refused as a whole.
	bad string
}

// maxQuotedBytes bounds how far a quoted field may run before we call its
// quote unclosed. No valid field comes near it (the longest, observacoes,
// is 500 runes), and without the bound a file of lines that each open a
// quote would be rescanned to its end once per line.
const maxQuotedBytes = 16 << 10

const (
	badUnclosedQuote = "aspas (\") abertas e não fechadas: confira o campo que começa com aspas nesta linha."
	badAfterQuote    = "texto depois das aspas de fechamento: um campo entre aspas deve terminar nas aspas."
)

// splitter reads RFC 4180 records from text. We do not use encoding/csv
// because an unclosed quote there swallows the rest of the file into one
// field; here the broken record is refused and reading resumes on the next
// physical line, so one typo costs one client, not all that follow.
//
// Leniencies, all harmless for what Write produces: quotes inside an
// unquoted field are literal; blanks around a quoted field are ignored; CR,
// LF and CRLF all end a line (old Excel for Mac writes bare CR), and inside a
// quoted field each becomes "\n".
type splitter struct {
	s    string
	pos  int
	line int // line number at pos, 1-based
	sep  byte
}

func newSplitter(s string, sep byte) *splitter {
	return &splitter{s: s, line: 1, sep: sep}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// next returns the next record, or false at the end of the text.
func (p *splitter) next() (record, bool) {
	s := p.s
	if p.pos >= len(s) {
		return record{}, false
	}
	rec := record{line: p.line}
	startPos := p.pos
	var b strings.Builder
	for {
		j := p.pos
		for j < len(s) && isBlank(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '"' {
			p.pos = j + 1
			fieldStart, fieldLine := p.pos, p.line
			closed := false
			for p.pos < len(s) && p.pos-fieldStart <= maxQuotedBytes {
				c := s[p.pos]
				if c == '"' {
					if p.pos+1 < len(s) && s[p.pos+1] == '"' {
						b.WriteByte('"')
						p.pos += 2
						continue
					}
					p.pos++
					closed = true
					break
				}
				if c == '\r' || c == '\n' {
					p.consumeNewline()
					b.WriteByte('\n')
					continue
				}
				b.WriteByte(c)
				p.pos++
			}
			for closed && p.pos < len(s) && isBlank(s[p.pos]) {
				p.pos++
			}
			if closed && p.pos < len(s) && s[p.pos] != p.sep && s[p.pos] != '\n' && s[p.pos] != '\r' {
				if p.line == fieldLine {
					p.skipLine()
					return record{line: rec.line, bad: badAfterQuote}, true
				}
				// The "closing" quote is lines away and malformed: most
				// likely a stray quote on the first line met an unrelated
				// quote further down. Same remedy as an unclosed quote.
				closed = false
			}
			if !closed {
				// Take the quote as a typo: refuse this line only and
				// read on from the line after it.
				p.pos, p.line = startPos, rec.line
				p.skipLine()
				return record{line: rec.line, bad: badUnclosedQuote}, true
			}
		} else {
			for p.pos < len(s) && s[p.pos] != p.sep && s[p.pos] != '\n' && s[p.pos] != '\r' {
				b.WriteByte(s[p.pos])
				p.pos++
			}
		}
		rec.fields = append(rec.fields, b.String())
		b.Reset()
		if p.pos >= len(s) {
			return rec, true
		}
		if s[p.pos] == p.sep {
			p.pos++
			continue
		}
		p.consumeNewline()
		return rec, true
	}
}

// consumeNewline steps over one CR, LF or CRLF at pos.
func (p *splitter) consumeNewline() {
	if p.s[p.pos] == '\r' && p.pos+1 < len(p.s) && p.s[p.pos+1] == '\n' {
		p.pos++
	}
	p.pos++
	p.line++
}

// skipLine moves past the end of the physical line containing pos.
func (p *splitter) skipLine() {
	for p.pos < len(p.s) && p.s[p.pos] != '\n' && p.s[p.pos] != '\r' {
		p.pos++
	}
	if p.pos < len(p.s) {
		p.consumeNewline()
	}
}
