// Package clientcsv is the import/export format of a reseller's clients: a
// CSV file with a header, as Excel and Google Sheets in Brazil write it.
// It is pure: Parse and Write take a reader/writer and do no other I/O.
package clientcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"renovabot/billing"
)

// MaxRows is the largest number of data rows one file may carry.
const MaxRows = 5000

// maxFileBytes bounds what Parse reads into memory: 5000 generous rows fit
// in a fraction of it.
const maxFileBytes = 10 << 20

// Field limits, in runes.
const (
	maxNameRunes   = 100
	maxPlanRunes   = 100
	maxServerRunes = 100
	maxNotesRunes  = 500
)

// Column names as written by Write and expected (after folding case and
// accents) by Parse.
const (
	colName   = "nome"
	colPhone  = "telefone"
	colPlan   = "plano"
	colValue  = "valor"
	colDue    = "vencimento"
	colServer = "servidor"
	colNotes  = "observacoes"
)

var columns = []string{colName, colPhone, colPlan, colValue, colDue, colServer, colNotes}

var requiredColumns = []string{colName, colPhone, colPlan, colValue, colDue}

const headerExample = "nome;telefone;plano;valor;vencimento;servidor;observacoes"

// Row is one client read from (or written to) a file.
type Row struct {
	Line  int          // 1-based line number in the file where the record starts
	Name  string       // trimmed, required, <= 100 runes
	Phone string       // canonical (billing.ParsePhone)
	Plan  string       // trimmed as written (plan lookup happens elsewhere), required
	Value int64        // centavos (billing.ParseMoney)
	Due   billing.Date // billing.ParseDate with today, at most a year before it
	// Server and Notes are optional, trimmed, <= 100 / 500 runes.
	Server, Notes string
}

// RowError is a refused row: the line where it starts and, in pt-BR, why:
// one reason per bad field, each after its column's name, in one sentence
// ("telefone: faltam dígitos; valor: vazio."), or one sentence about the
// whole line (its columns, its quotes).
type RowError struct {
	Line int
	Msg  string
}

func (e RowError) Error() string { return "linha " + strconv.Itoa(e.Line) + " — " + e.Msg }

// FieldReasons writes the reasons of a refused row, each "column: reason"
// (reasons without a closing period), as one sentence: "telefone: faltam
// dígitos; valor: vazio.".
func FieldReasons(reasons ...string) string {
	return strings.Join(reasons, "; ") + "."
}

// Parse reads a whole client file. The header is the first non-blank line;
// its separator (';' or ',') is the separator of the file. A row with any bad
// field is refused as a whole, with its line and reasons, and the other rows
// are still returned, so a reseller fixes only what is wrong. Blank lines
// (and rows of empty cells, as Excel leaves them) are ignored.
//
// A problem with the file itself (empty, header, too large, more than
// MaxRows rows) returns a non-nil *billing.InputError and no rows. A read
// error from r is returned wrapped.
func Parse(r io.Reader, today billing.Date) (rows []Row, refused []RowError, err error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("clientcsv: read: %w", err)
	}
	if len(data) > maxFileBytes {
		return nil, nil, billing.Invalid("O arquivo passa de %d MB. Divida os clientes em arquivos menores.", maxFileBytes>>20)
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, nil, billing.Invalid("O arquivo está em UTF-16 (\"Texto Unicode\"). Salve como \"CSV UTF-8\" ou \"CSV (separado por vírgulas)\" e envie de novo.")
	}
	data = bytes.TrimPrefix(data, []byte(bom))
	text := decodeText(data)

	sep, err := detectSeparator(text)
	if err != nil {
		return nil, nil, err
	}
	sp := newSplitter(text, sep)

	var hdr header
	found := false
	for {
		rec, ok := sp.next()
		if !ok {
			break
		}
		if rec.bad == "" && blankRecord(rec.fields) {
			continue
		}
		if !found {
			if rec.bad != "" {
				return nil, nil, billing.Invalid("O cabeçalho (linha %d) tem aspas mal formadas. A primeira linha deve ser, por exemplo: %s", rec.line, headerExample)
			}
			hdr, err = parseHeader(rec.fields)
			if err != nil {
				return nil, nil, err
			}
			found = true
			continue
		}
		if len(rows)+len(refused) == MaxRows {
			return nil, nil, billing.Invalid("O arquivo tem mais de %d clientes. Divida em arquivos de até %d linhas.", MaxRows, MaxRows)
		}
		if rec.bad != "" {
			refused = append(refused, RowError{Line: rec.line, Msg: rec.bad})
			continue
		}
		row, msg := hdr.row(rec, sep, today)
		if msg != "" {
			refused = append(refused, RowError{Line: rec.line, Msg: msg})
			continue
		}
		rows = append(rows, row)
	}
	if !found {
		return nil, nil, billing.Invalid("O arquivo está vazio. A primeira linha deve ser o cabeçalho, por exemplo: %s", headerExample)
	}
	return rows, refused, nil
}

// detectSeparator looks at the first line with any letter or digit (the
// header): ';' if it has one, else ','. Excel in Brazil writes ';' because
// ',' is the decimal separator.
func detectSeparator(text string) (byte, error) {
	for len(text) > 0 {
		end := strings.IndexAny(text, "\r\n")
		line := text
		if end >= 0 {
			line, text = text[:end], text[end+1:]
		} else {
			text = ""
		}
		if !strings.ContainsFunc(line, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		switch {
		case strings.Contains(line, ";"):
			return ';', nil
		case strings.Contains(line, ","):
			return ',', nil
		case strings.Contains(line, "\t"):
			return 0, billing.Invalid("O arquivo usa tabulação como separador. Salve como CSV, separado por ponto e vírgula (;) ou vírgula (,), e envie de novo.")
		}
		return ';', nil // one column: the header check explains what is missing
	}
	return ';', nil
}

func blankRecord(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// header maps each known column to its index in the record; unnamed holds
// the indexes of header cells left empty.
type header struct {
	index   map[string]int
	unnamed []int
	width   int
}

// parseHeader validates the header cells. Empty header cells are tolerated
// (Excel exports stray separators when cells to the right were once used),
// but a row with content under one is refused.
func parseHeader(cells []string) (header, error) {
	h := header{index: map[string]int{}, width: len(cells)}
	var unknown []string
	for i, c := range cells {
		name := foldHeader(c)
		switch {
		case name == "":
			h.unnamed = append(h.unnamed, i)
		case isColumn(name):
			if _, dup := h.index[name]; dup {
				return header{}, billing.Invalid("A coluna %q aparece mais de uma vez no cabeçalho.", name)
			}
			h.index[name] = i
		default:
			unknown = append(unknown, strconv.Quote(truncateRunes(strings.TrimSpace(c), 40)))
		}
	}
	if len(unknown) > 5 {
		// Keep the message readable (and under Telegram's size limit).
		unknown = append(unknown[:5], "…")
	}
	if len(h.index) == 0 {
		return header{}, billing.Invalid("A primeira linha do arquivo deve ser o cabeçalho com os nomes das colunas, por exemplo: %s", headerExample)
	}
	if len(unknown) == 1 {
		return header{}, billing.Invalid("O cabeçalho tem uma coluna desconhecida: %s. Colunas aceitas: %s.", unknown[0], strings.Join(columns, ", "))
	}
	if len(unknown) > 1 {
		return header{}, billing.Invalid("O cabeçalho tem colunas desconhecidas: %s. Colunas aceitas: %s.", strings.Join(unknown, ", "), strings.Join(columns, ", "))
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := h.index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return header{}, billing.Invalid("Faltam colunas obrigatórias no cabeçalho: %s. Exemplo de cabeçalho: %s", strings.Join(missing, ", "), headerExample)
	}
	return h, nil
}

func isColumn(name string) bool {
	for _, c := range columns {
		if c == name {
			return true
		}
	}
	return false
}

// foldHeader lowers case and drops the accents Portuguese uses, so
// "Observações", "OBSERVACOES" and "observacoes" name the same column.
func foldHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case 'á', 'à', 'â', 'ã', 'ä':
			r = 'a'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'í', 'ì', 'î', 'ï':
			r = 'i'
		case 'ó', 'ò', 'ô', 'õ', 'ö':
			r = 'o'
		case 'ú', 'ù', 'û', 'ü':
			r = 'u'
		case 'ç':
			r = 'c'
		case '\u0300', '\u0301', '\u0302', '\u0303', '\u0308', '\u0327':
			continue // combining marks of decomposed text
		}
		b.WriteRune(r)
	}
	return b.String()
}

// row checks one record against the header and the field rules and returns
// either the row or why it is refused (RowError.Msg).
func (h header) row(rec record, sep byte, today billing.Date) (Row, string) {
	f := rec.fields
	// Content beyond the header's width usually means an unquoted separator
	// inside a value; the fields are shifted, so per-field reasons would
	// only confuse.
	last := len(f) - 1
	for last >= 0 && strings.TrimSpace(f[last]) == "" {
		last--
	}
	if last >= h.width {
		msg := fmt.Sprintf("a linha tem %d colunas, mas o cabeçalho tem %d.", last+1, h.width)
		if sep == ',' {
			msg += " Se algum valor tem vírgula (como 35,90), coloque-o entre aspas ou use ponto e vírgula (;) como separador."
		} else {
			msg += " Se algum texto tem ponto e vírgula, coloque-o entre aspas."
		}
		return Row{}, msg
	}
	for _, i := range h.unnamed {
		if i < len(f) && strings.TrimSpace(f[i]) != "" {
			return Row{}, fmt.Sprintf("a coluna %d não tem nome no cabeçalho, mas tem conteúdo nesta linha.", i+1)
		}
	}
	get := func(col string) string {
		i, ok := h.index[col]
		if !ok || i >= len(f) {
			return ""
		}
		return billing.CleanText(f[i])
	}

	row := Row{Line: rec.line}
	// One reason per bad field, short: the column names the field, so a
	// parser's rejection gives its complaint alone (InputError.Short), not
	// "telefone: Telefone inválido: … Envie com DDD, por exemplo …".
	var reasons []string
	fail := func(col, msg string) { reasons = append(reasons, col+": "+msg) }
	inputMsg := func(err error) string {
		var ie *billing.InputError
		if errors.As(err, &ie) {
			return ie.Short()
		}
		return err.Error()
	}
	// parse runs a parser on a required cell; an empty one is "vazio"
	// whatever the parser would say.
	parse := func(col string, fn func(string) error) {
		v := get(col)
		if v == "" {
			fail(col, msgEmpty)
		} else if err := fn(v); err != nil {
			fail(col, inputMsg(err))
		}
	}

	row.Name = get(colName)
	if msg := checkText(row.Name, true, maxNameRunes, false); msg != "" {
		fail(colName, msg)
	}

	parse(colPhone, func(raw string) (err error) {
		if row.Phone, err = billing.ParsePhone(raw); err != nil && excelScientific(raw) {
			return errors.New("o Excel transformou o número em notação científica (" + truncateRunes(raw, 20) +
				"): formate a coluna como Texto, digite os números de novo e salve")
		}
		return err
	})

	row.Plan = get(colPlan)
	if msg := checkText(row.Plan, true, maxPlanRunes, false); msg != "" {
		fail(colPlan, msg)
	}

	parse(colValue, func(raw string) (err error) { row.Value, err = billing.ParseMoney(raw); return err })
	parse(colDue, func(raw string) error {
		d, err := billing.ParseDate(raw, today)
		if err != nil {
			return err
		}
		if billing.LongPast(d, today) {
			// A wizard asks "É isso mesmo?"; a file cannot, so the row waits
			// for the reseller to check it.
			return errors.New(billing.LongPastText(d, today) + "; confira o ano (para usar essa data mesmo, cadastre o cliente pelo /novo)")
		}
		row.Due = d
		return nil
	})

	row.Server = get(colServer)
	if msg := checkText(row.Server, false, maxServerRunes, false); msg != "" {
		fail(colServer, msg)
	}
	row.Notes = get(colNotes)
	if msg := checkText(row.Notes, false, maxNotesRunes, true); msg != "" {
		fail(colNotes, msg)
	}

	if len(reasons) > 0 {
		return Row{}, FieldReasons(reasons...)
	}
	return row, ""
}

// msgEmpty is the reason for a required cell left empty.
const msgEmpty = "vazio"

// checkText applies the rules of a free-text field (already trimmed) and
// returns a short pt-BR reason (no closing period), or "" if it is fine.
// Names, plans and servers end up in one-line buttons and messages, so they
// may not hold line breaks; notes may hold line breaks and tabs. Other control characters never come
// from a person and would only corrupt messages.
func checkText(s string, required bool, maxRunes int, multiline bool) string {
	if s == "" {
		if required {
			return msgEmpty
		}
		return ""
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Sprintf("tem %d caracteres (máximo %d)", n, maxRunes)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			if r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' {
				return "não pode ter quebra de linha"
			}
			return "tem um caractere de controle invisível (apague e digite o texto de novo)"
		}
	}
	return ""
}

// excelScientific reports whether s looks like a number Excel displayed in
// scientific notation ("5,51199E+12"), which has lost digits for good.
func excelScientific(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i <= 0 || i+1 >= len(s) || (s[i+1] != '+' && s[i+1] != '-') {
		return false
	}
	mant, exp := s[:i], s[i+2:]
	if exp == "" || strings.Trim(exp, "0123456789") != "" {
		return false
	}
	return strings.Trim(mant, "0123456789.,") == ""
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// bom is the UTF-8 byte order mark.
const bom = "\uFEFF"

// NewWriter starts a CSV file the way spreadsheets in Brazil open it
// directly: the UTF-8 byte order mark first (without it Excel on Windows
// reads UTF-8 as Windows-1252 and shows "JosÃ©"), then records separated by
// ';' (',' is the decimal separator) with "\n" line ends. Every CSV the bot
// sends is written through it; Parse skips the mark, so an exported file
// imports back.
func NewWriter(w io.Writer) (*csv.Writer, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, fmt.Errorf("clientcsv: write: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = false
	return cw, nil
}

// Write writes rows as a NewWriter file (UTF-8 with BOM, ';', "\n") with
// the header first, in the forms Parse reads back: valor "1.234,56"
// (no "R$"), vencimento dd/mm/aaaa, telefone formatted "+55 (11) 98765-4321"
// so spreadsheets keep it as text instead of turning 13 digits into
// 5,51199E+12 and losing some of them.
// Row.Line is ignored. Parse(Write(rows)) returns the same rows.
func Write(w io.Writer, rows []Row) error {
	cw, err := NewWriter(w)
	if err != nil {
		return err
	}
	if err := cw.Write(columns); err != nil {
		return fmt.Errorf("clientcsv: write: %w", err)
	}
	rec := make([]string, len(columns))
	for _, r := range rows {
		rec[0] = r.Name
		rec[1] = billing.FormatPhone(r.Phone)
		rec[2] = r.Plan
		rec[3] = strings.Replace(billing.FormatMoney(r.Value), "R$ ", "", 1) // "1.234,56", "-5,00"
		rec[4] = r.Due.BR()
		rec[5] = r.Server
		rec[6] = r.Notes
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("clientcsv: write: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("clientcsv: write: %w", err)
	}
	return nil
}
