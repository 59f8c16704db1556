package clientcsv

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"renovabot/billing"
)

var today = billing.Date{Year: 2026, Month: time.November, Day: 28}

func d(y int, m time.Month, day int) billing.Date { return billing.Date{Year: y, Month: m, Day: day} }

func parseString(t *testing.T, s string) ([]Row, []RowError) {
	t.Helper()
	rows, refused, err := Parse(strings.NewReader(s), today)
	if err != nil {
		t.Fatalf("Parse: unexpected error %v", err)
	}
	return rows, refused
}

func TestParseSemicolon(t *testing.T) {
	in := "nome;telefone;plano;valor;vencimento;servidor;observacoes\n" +
		"João da Silva;(11) 98765-4321;Mensal;35,90;15/12/2026;srv1;paga no pix\n" +
		"Maria;+55 31 3765-4321;Trimestral;R$ 1.234,56;05/01/27;;\n"
	rows, refused := parseString(t, in)
	want := []Row{
		{Line: 2, Name: "João da Silva", Phone: "5511987654321", Plan: "Mensal", Value: 3590,
			Due: d(2026, time.December, 15), Server: "srv1", Notes: "paga no pix"},
		{Line: 3, Name: "Maria", Phone: "553137654321", Plan: "Trimestral", Value: 123456,
			Due: d(2027, time.January, 5)},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", rows, want)
	}
	if len(refused) != 0 {
		t.Errorf("refused: %+v", refused)
	}
}

func TestParseComma(t *testing.T) {
	in := "nome,telefone,plano,valor,vencimento\n" +
		"Ana,11987654321,Mensal,\"35,90\",15/12/2026\n" +
		"Bia,21987654321,Anual,350.00,2027-01-10\n" +
		"Caio,21987654321,Anual,35,90,15/12/2026\n" // unquoted decimal comma splits the value
	rows, refused := parseString(t, in)
	want := []Row{
		{Line: 2, Name: "Ana", Phone: "5511987654321", Plan: "Mensal", Value: 3590, Due: d(2026, time.December, 15)},
		{Line: 3, Name: "Bia", Phone: "5521987654321", Plan: "Anual", Value: 35000, Due: d(2027, time.January, 10)},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", rows, want)
	}
	if len(refused) != 1 || refused[0].Line != 4 ||
		!strings.Contains(refused[0].Msg, "a linha tem 6 colunas, mas o cabeçalho tem 5") ||
		!strings.Contains(refused[0].Msg, "entre aspas") {
		t.Errorf("refused: %+v", refused)
	}
}

func TestParseQuotedFields(t *testing.T) {
	in := "nome;telefone;plano;valor;vencimento;servidor;observacoes\n" +
		"\"Silva; João\";11987654321;\"Plano \"\"Ouro\"\"\";35;15/12/2026;srv;\"linha 1\nlinha 2; com separador\"\n" +
		"Depois;11987654322;Mensal;35;15/12/2026;;\n" +
		" \"Com espaços\" ;11987654323;Mensal;35;15/12/2026;;\"a\r\nb\"\n" +
		"Último;11987654324;Mensal;35;15/12/2026;;\n"
	rows, refused := parseString(t, in)
	if len(refused) != 0 {
		t.Fatalf("refused: %+v", refused)
	}
	if len(rows) != 4 {
		t.Fatalf("got %d rows: %+v", len(rows), rows)
	}
	checks := []struct {
		line              int
		name, plan, notes string
	}{
		{2, "Silva; João", `Plano "Ouro"`, "linha 1\nlinha 2; com separador"},
		{4, "Depois", "Mensal", ""},
		{5, "Com espaços", "Mensal", "a\nb"}, // CRLF inside quotes becomes \n
		{7, "Último", "Mensal", ""},
	}
	for i, c := range checks {
		r := rows[i]
		if r.Line != c.line || r.Name != c.name || r.Plan != c.plan || r.Notes != c.notes {
			t.Errorf("row %d = {Line:%d Name:%q Plan:%q Notes:%q}, want %+v", i, r.Line, r.Name, r.Plan, r.Notes, c)
		}
	}
}

func TestParseBOM(t *testing.T) {
	in := "\xEF\xBB\xBFNome;Telefone;Plano;Valor;Vencimento\r\nAna;11987654321;Mensal;35;15/12/2026\r\n"
	rows, refused := parseString(t, in)
	if len(refused) != 0 || len(rows) != 1 || rows[0].Name != "Ana" || rows[0].Line != 2 {
		t.Fatalf("rows %+v refused %+v", rows, refused)
	}
}

func TestParseWindows1252(t *testing.T) {
	// "Observações" and "João Conceição – “VIP”" as Excel (Brazil) saves them.
	in := "Nome;Telefone;Plano;Valor;Vencimento;Observa\xe7\xf5es\r\n" +
		"Jo\xe3o Concei\xe7\xe3o;11987654321;B\xe1sico;35,90;15/12/2026;\x93VIP\x94 \x96 pre\xe7o \x80 35\r\n"
	rows, refused := parseString(t, in)
	if len(refused) != 0 || len(rows) != 1 {
		t.Fatalf("rows %+v refused %+v", rows, refused)
	}
	r := rows[0]
	if r.Name != "João Conceição" || r.Plan != "Básico" || r.Notes != "“VIP” – preço € 35" {
		t.Errorf("decoded row = %+v", r)
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain ascii", "plain ascii"},
		{"já é UTF-8 ção", "já é UTF-8 ção"},
		{"\x80", "€"},
		{"\x85\x91\x92\x93\x94\x96\x97\x99", "…‘’“”–—™"},
		{"\x8a\x9a\x8e\x9e\x9f\x8c\x9c\x83", "ŠšŽžŸŒœƒ"},
		{"\xa0\xaa\xba\xc7\xe7\xe3\xf5\xff", "\u00a0ªºÇçãõÿ"},
		{"\x81\x8d\x8f\x90\x9d", "\u0081\u008d\u008f\u0090\u009d"},
	}
	for _, tt := range tests {
		if got := decodeText([]byte(tt.in)); got != tt.want {
			t.Errorf("decodeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseHeaderVariants(t *testing.T) {
	tests := []string{
		"NOME;TELEFONE;PLANO;VALOR;VENCIMENTO",
		"Vencimento;Valor;Plano;Telefone;Nome",
		" nome ; telefone ; plano ; valor ; vencimento ; observações ; servidor ",
		"nome;telefone;plano;valor;vencimento;OBSERVAÇÕES",
		"\"nome\";\"telefone\";\"plano\";\"valor\";\"vencimento\"",
		"nome;telefone;plano;valor;vencimento;;",                       // Excel's stray separators
		"nome;telefone;plano;valor;vencimento;observac\u0327o\u0303es", // decomposed accents
	}
	for _, h := range tests {
		values := map[string]string{"nome": "Ana", "telefone": "11987654321", "plano": "Mensal", "valor": "35", "vencimento": "15/12/2026", "observacoes": "ok", "servidor": "s1"}
		sep := ";"
		var cells []string
		for _, c := range strings.Split(h, sep) {
			cells = append(cells, values[foldHeader(strings.Trim(strings.TrimSpace(c), `"`))])
		}
		rows, refused := parseString(t, h+"\n"+strings.Join(cells, sep)+"\n")
		if len(refused) != 0 || len(rows) != 1 {
			t.Errorf("header %q: rows %+v refused %+v", h, rows, refused)
			continue
		}
		r := rows[0]
		if r.Name != "Ana" || r.Phone != "5511987654321" || r.Plan != "Mensal" || r.Value != 3500 {
			t.Errorf("header %q: row %+v", h, r)
		}
		if strings.Contains(strings.ToLower(h), "observ") && r.Notes != "ok" {
			t.Errorf("header %q: notes %q", h, r.Notes)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "O arquivo está vazio"},
		{"blank lines only", "\n\n  \r\n;;;\n", "O arquivo está vazio"},
		{"bom only", "\xEF\xBB\xBF", "O arquivo está vazio"},
		{"unknown column", "nome;telefone;plano;valor;vencimento;email\n", `coluna desconhecida: "email"`},
		{"unknown columns", "nome;telefone;plano;valor;vencimento;email;cpf\n", `colunas desconhecidas: "email", "cpf"`},
		{"missing required", "nome;plano;vencimento\n", "Faltam colunas obrigatórias no cabeçalho: telefone, valor"},
		{"duplicate", "nome;telefone;plano;valor;vencimento;Nome\n", `A coluna "nome" aparece mais de uma vez`},
		{"data first", "Ana;11987654321;Mensal;35;15/12/2026\n", "A primeira linha do arquivo deve ser o cabeçalho"},
		{"single column", "nome\nAna\n", "Faltam colunas obrigatórias no cabeçalho: telefone, plano, valor, vencimento"},
		{"many unknown", "nome;telefone;plano;valor;vencimento;a;b;c;d;e;f;g\n", `"a", "b", "c", "d", "e", …. Colunas aceitas`},
		{"tabs", "nome\ttelefone\tplano\tvalor\tvencimento\n", "tabulação"},
		{"utf16", "\xFF\xFEn\x00o\x00m\x00e\x00", "UTF-16"},
		{"header quote", "\"nome;telefone;plano;valor;vencimento\nAna;1;2;3;4\n", "O cabeçalho (linha 1) tem aspas mal formadas"},
	}
	for _, tt := range tests {
		rows, refused, err := Parse(strings.NewReader(tt.in), today)
		var ie *billing.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v (%T), want *billing.InputError", tt.name, err, err)
			continue
		}
		if !strings.Contains(ie.Msg, tt.want) {
			t.Errorf("%s: message %q does not contain %q", tt.name, ie.Msg, tt.want)
		}
		if rows != nil || refused != nil {
			t.Errorf("%s: got rows %v refused %v alongside the error", tt.name, rows, refused)
		}
	}
}

func TestParseRefusedRows(t *testing.T) {
	in := "nome;telefone;plano;valor;vencimento;servidor;observacoes\n" + // 1
		"Ok 1;11987654321;Mensal;35;15/12/2026;;\n" + // 2
		";11987654321;Mensal;35;15/12/2026;;\n" + // 3 no name
		"Sem DDD;98765-4321;Mensal;35;15/12/2026;;\n" + // 4
		"Valor;11987654321;Mensal;abc;15/12/2026;;\n" + // 5
		"Data;11987654321;Mensal;35;31/02/2027;;\n" + // 6
		"Tudo errado;123;;0;32/01;;\n" + // 7
		"\n" + // 8 blank
		"Aspas;\"11987654321;Mensal;35;15/12/2026;;\n" + // 9 unclosed quote
		"Ok 2;11987654322;Mensal;35;15/12/2026;;\n" + // 10
		"Depois;\"11987654321\"x;Mensal;35;15/12/2026;;\n" + // 11 text after quote
		"Colunas;11987654321;Mensal;35;15/12/2026;;;extra\n" + // 12
		"Excel;5,51199E+12;Mensal;35;15/12/2026;;\n" + // 13
		"\"Nome\nquebrado\";11987654321;Mensal;35;15/12/2026;;\n" + // 14-15
		"Ok 3;11987654323;Mensal;35;15/12/2026;;\n" // 16
	rows, refused := parseString(t, in)
	var names []string
	var lines []int
	for _, r := range rows {
		names = append(names, r.Name)
		lines = append(lines, r.Line)
	}
	if !reflect.DeepEqual(names, []string{"Ok 1", "Ok 2", "Ok 3"}) || !reflect.DeepEqual(lines, []int{2, 10, 16}) {
		t.Errorf("accepted %v at lines %v", names, lines)
	}
	want := []struct {
		line int
		msgs []string
	}{
		// One short reason per bad field, after the column's name: never
		// "telefone: Telefone inválido: …", the parser's examples, or ".;".
		{3, []string{"nome: vazio."}},
		{4, []string{"telefone: falta o DDD."}},
		{5, []string{"valor: use só números, com vírgula antes dos centavos."}},
		{6, []string{"vencimento: 31/02 não existe (fevereiro de 2027 tem 28 dias)."}},
		{7, []string{"telefone: faltam dígitos; plano: vazio; valor: precisa ser maior que zero; vencimento: o dia 32 não existe (nenhum mês tem mais de 31 dias)."}},
		{9, []string{"aspas (\") abertas e não fechadas"}},
		{11, []string{"texto depois das aspas"}},
		{12, []string{"a linha tem 8 colunas, mas o cabeçalho tem 7", "ponto e vírgula"}},
		{13, []string{"telefone: o Excel transformou o número em notação científica (5,51199E+12): formate a coluna como Texto"}},
		{14, []string{"nome: não pode ter quebra de linha."}},
	}
	if len(refused) != len(want) {
		t.Fatalf("refused %d rows, want %d: %+v", len(refused), len(want), refused)
	}
	for i, w := range want {
		got := refused[i]
		if got.Line != w.line {
			t.Errorf("refused[%d].Line = %d, want %d (%s)", i, got.Line, w.line, got.Msg)
		}
		for _, m := range w.msgs {
			if !strings.Contains(got.Msg, m) {
				t.Errorf("refused line %d: %q does not contain %q", got.Line, got.Msg, m)
			}
		}
		if w.line <= 7 && got.Msg != w.msgs[0] {
			t.Errorf("refused line %d: %q, want exactly %q", got.Line, got.Msg, w.msgs[0])
		}
		if strings.Contains(got.Msg, ".;") || strings.Contains(got.Msg, "Envie") || strings.Contains(got.Msg, "por exemplo") {
			t.Errorf("refused line %d joins sentences or repeats examples: %q", got.Line, got.Msg)
		}
	}
	if e := refused[0].Error(); e != "linha 3 — nome: vazio." {
		t.Errorf("RowError.Error() = %q", e)
	}
}

func TestParseFieldRules(t *testing.T) {
	hdr := "nome;telefone;plano;valor;vencimento;servidor;observacoes\n"
	line := func(name, plan, server, notes string) string {
		q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
		return hdr + strings.Join([]string{q(name), "11987654321", q(plan), "35", "15/12/2026", q(server), q(notes)}, ";") + "\n"
	}
	long := func(n int) string { return strings.Repeat("é", n) }
	tests := []struct {
		name, in, refuse string // refuse "" = accepted
	}{
		{"name 100 runes", line(long(100), "P", "", ""), ""},
		{"name 101 runes", line(long(101), "P", "", ""), "nome: tem 101 caracteres (máximo 100)."},
		{"name with spaces trimmed", line("  Ana  ", "P", "", ""), ""},
		{"name blank", line("   ", "P", "", ""), "nome: vazio."},
		{"name control", line("An\x01a", "P", "", ""), "nome: tem um caractere de controle"},
		{"name tab", line("An\ta", "P", "", ""), "nome: tem um caractere de controle"},
		{"plan empty", line("Ana", "", "", ""), "plano: vazio."},
		{"plan 101 runes", line("Ana", long(101), "", ""), "plano: tem 101 caracteres"},
		{"plan newline", line("Ana", "Men\nsal", "", ""), "plano: não pode ter quebra de linha."},
		{"server 100", line("Ana", "P", long(100), ""), ""},
		{"server 101", line("Ana", "P", long(101), ""), "servidor: tem 101 caracteres (máximo 100)."},
		{"server line separator", line("Ana", "P", "a\u2028b", ""), "servidor: não pode ter quebra de linha."},
		{"notes 500", line("Ana", "P", "", long(500)), ""},
		{"notes 501", line("Ana", "P", "", long(501)), "observacoes: tem 501 caracteres (máximo 500)."},
		{"notes newline and tab", line("Ana", "P", "", "a\n\tb"), ""},
		{"notes NUL", line("Ana", "P", "", "a\x00b"), "observacoes: tem um caractere de controle"},
	}
	for _, tt := range tests {
		rows, refused := parseString(t, tt.in)
		if tt.refuse == "" {
			if len(rows) != 1 || len(refused) != 0 {
				t.Errorf("%s: want accepted, got rows %d refused %+v", tt.name, len(rows), refused)
			}
			continue
		}
		if len(rows) != 0 || len(refused) != 1 || !strings.Contains(refused[0].Msg, tt.refuse) {
			t.Errorf("%s: want refused with %q, got rows %d refused %+v", tt.name, tt.refuse, len(rows), refused)
		}
	}
}

func TestParseShortRowsAndUnnamedColumns(t *testing.T) {
	in := "nome;telefone;plano;valor;vencimento;servidor;;observacoes\n" +
		"Curta;11987654321;Mensal;35;15/12/2026\n" + // optional columns omitted
		"Vazia;11987654321;Mensal;35;15/12/2026;s;;nota;;;\n" + // trailing empties
		"Sem nome;11987654321;Mensal;35;15/12/2026;s;oops;nota\n" +
		"Falta;11987654321;Mensal\n"
	rows, refused := parseString(t, in)
	if len(rows) != 2 || rows[0].Name != "Curta" || rows[0].Server != "" || rows[1].Notes != "nota" || rows[1].Server != "s" {
		t.Errorf("rows %+v", rows)
	}
	if len(refused) != 2 ||
		refused[0].Line != 4 || !strings.Contains(refused[0].Msg, "a coluna 7 não tem nome no cabeçalho") ||
		refused[1].Line != 5 || refused[1].Msg != "valor: vazio; vencimento: vazio." {
		t.Errorf("refused %+v", refused)
	}
}

func TestParseLineEndingsAndBlankRows(t *testing.T) {
	base := []string{
		"nome;telefone;plano;valor;vencimento",
		"",
		"Ana;11987654321;Mensal;35;15/12/2026",
		";;;;",
		"   ",
		"Bia;11987654322;Mensal;35;15/12/2026",
	}
	for name, nl := range map[string]string{"LF": "\n", "CRLF": "\r\n", "CR": "\r"} {
		rows, refused := parseString(t, "\n"+strings.Join(base, nl)+nl)
		if len(refused) != 0 || len(rows) != 2 || rows[0].Line != 4 || rows[1].Line != 7 {
			t.Errorf("%s: rows %+v refused %+v", name, rows, refused)
		}
	}
}

func TestParseRelativeDates(t *testing.T) {
	in := "nome;telefone;plano;valor;vencimento\nA;11987654321;P;35;hoje\nB;11987654321;P;35;+30\nC;11987654321;P;35;15/03\nD;11987654321;P;35;28/11/2025\n"
	rows, refused := parseString(t, in)
	want := []billing.Date{today, d(2026, time.December, 28), d(2027, time.March, 15), d(2025, time.November, 28)}
	if len(refused) != 0 || len(rows) != len(want) {
		t.Fatalf("rows %+v refused %+v", rows, refused)
	}
	for i, w := range want {
		if rows[i].Due != w {
			t.Errorf("row %d due %s, want %s", i, rows[i].Due, w)
		}
	}
}

func TestParseMaxRows(t *testing.T) {
	build := func(n int) string {
		var b strings.Builder
		b.WriteString("nome;telefone;plano;valor;vencimento\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "Cliente %d;11987654321;Mensal;35;15/12/2026\n", i)
		}
		b.WriteString("\n;;;;\n") // trailing blanks do not count
		return b.String()
	}
	rows, _, err := Parse(strings.NewReader(build(MaxRows)), today)
	if err != nil || len(rows) != MaxRows || rows[MaxRows-1].Line != MaxRows+1 {
		t.Fatalf("MaxRows rows: %d rows, err %v", len(rows), err)
	}
	// Refused rows count too: the limit is on data rows in the file.
	over := build(MaxRows-1) + "Ruim;1;P;35;15/12/2026\nMais;11987654321;Mensal;35;15/12/2026\n"
	rows, refused, err := Parse(strings.NewReader(over), today)
	var ie *billing.InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "mais de 5000 clientes") || rows != nil || refused != nil {
		t.Fatalf("MaxRows+1 rows: rows %d refused %d err %v", len(rows), len(refused), err)
	}
}

func TestParseTooLarge(t *testing.T) {
	big := "nome;telefone;plano;valor;vencimento\n" + strings.Repeat(" ", maxFileBytes)
	_, _, err := Parse(strings.NewReader(big), today)
	var ie *billing.InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "passa de 10 MB") {
		t.Fatalf("err = %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestParseReadError(t *testing.T) {
	_, _, err := Parse(failingReader{}, today)
	var ie *billing.InputError
	if err == nil || errors.As(err, &ie) || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("err = %v; want the read error, not an InputError", err)
	}
}

func sampleRows() []Row {
	return []Row{
		{Name: "João da Silva", Phone: "5511987654321", Plan: "Mensal", Value: 3590,
			Due: d(2026, time.December, 15), Server: "srv1", Notes: "paga no pix"},
		{Name: "Silva; Maria \"Mari\"", Phone: "553137654321", Plan: "Plano, Ouro", Value: 123456,
			Due: d(2028, time.February, 29), Server: "", Notes: "linha 1\nlinha 2;\tcom tab\n\"citação\""},
		{Name: "Zé", Phone: "555598765432", Plan: "Anual", Value: billing.MaxMoney,
			Due: d(2025, time.December, 1)}, // overdue, less than a year
		{Name: "\"Aspas\" no início", Phone: "5599999999999", Plan: "x", Value: 1,
			Due: d(2100, time.December, 31), Server: "é;ç", Notes: "€ – “ok”"},
	}
}

// A due date more than a year in the past is far more often a typo than
// a client overdue that long: a wizard asks "É isso mesmo?", a file's row
// is refused with the reason (issue 13 item 9).
func TestParseRefusesDatesLongPast(t *testing.T) {
	in := "nome;telefone;plano;valor;vencimento\nA;11987654321;P;35;01/01/2020\nB;11987654321;P;35;27/11/2025\nC;11987654321;P;35;28/11/2025\n"
	rows, refused := parseString(t, in)
	if len(rows) != 1 || rows[0].Name != "C" || len(refused) != 2 {
		t.Fatalf("rows %+v refused %+v", rows, refused)
	}
	want := "linha 2 — vencimento: 01/01/2020 foi há mais de um ano (2523 dias); confira o ano (para usar essa data mesmo, cadastre o cliente pelo /novo)."
	if refused[0].Error() != want || refused[1].Line != 3 {
		t.Fatalf("refused %+v, want %q first", refused, want)
	}
}

func TestWriteFormat(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sampleRows()[:2]); err != nil {
		t.Fatal(err)
	}
	// The UTF-8 byte order mark first: Excel on Windows needs it to read
	// "João" as "João" and not "JoÃ£o".
	want := "\xEF\xBB\xBFnome;telefone;plano;valor;vencimento;servidor;observacoes\n" +
		"João da Silva;+55 (11) 98765-4321;Mensal;35,90;15/12/2026;srv1;paga no pix\n" +
		"\"Silva; Maria \"\"Mari\"\"\";+55 (31) 3765-4321;Plano, Ouro;1.234,56;29/02/2028;;\"linha 1\nlinha 2;\tcom tab\n\"\"citação\"\"\"\n"
	if got := b.String(); got != want {
		t.Errorf("Write:\n got %q\nwant %q", got, want)
	}
}

func TestWriteEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, nil); err != nil {
		t.Fatal(err)
	}
	if b.String() != "\xEF\xBB\xBF"+headerExample+"\n" {
		t.Errorf("Write(nil) = %q", b.String())
	}
	rows, refused, err := Parse(&b, today)
	if err != nil || rows != nil || refused != nil {
		t.Errorf("Parse(header only) = %v, %v, %v", rows, refused, err)
	}
}

func TestRoundTrip(t *testing.T) {
	in := sampleRows()
	var b bytes.Buffer
	if err := Write(&b, in); err != nil {
		t.Fatal(err)
	}
	out, refused := parseString(t, b.String())
	if len(refused) != 0 {
		t.Fatalf("refused after round trip: %+v", refused)
	}
	assertSameRows(t, in, out)
	// Lines point at the physical lines of the written file (row 2 spans
	// three lines because of its notes).
	wantLines := []int{2, 3, 6, 7}
	for i, r := range out {
		if r.Line != wantLines[i] {
			t.Errorf("row %d line %d, want %d", i, r.Line, wantLines[i])
		}
	}
}

// assertSameRows compares rows ignoring Line.
func assertSameRows(t *testing.T, want, got []Row) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("got %d rows, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		w, g := want[i], got[i]
		w.Line, g.Line = 0, 0
		if w != g {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	err := Write(failingWriter{}, sampleRows())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
}

func TestSplitter(t *testing.T) {
	type rec struct {
		line   int
		fields []string
		bad    bool
	}
	tests := []struct {
		in   string
		want []rec
	}{
		{"a;b\nc;d", []rec{{1, []string{"a", "b"}, false}, {2, []string{"c", "d"}, false}}},
		{"a;b;\n", []rec{{1, []string{"a", "b", ""}, false}}},
		{"a;b;", []rec{{1, []string{"a", "b", ""}, false}}},
		{"\n\na", []rec{{1, []string{""}, false}, {2, []string{""}, false}, {3, []string{"a"}, false}}},
		{`"a""b";"c;d"`, []rec{{1, []string{`a"b`, "c;d"}, false}}},
		{"\"a\nb\";c\nd", []rec{{1, []string{"a\nb", "c"}, false}, {3, []string{"d"}, false}}},
		{"\"a\r\nb\r\";c\r\nd", []rec{{1, []string{"a\nb\n", "c"}, false}, {4, []string{"d"}, false}}}, // lone CR is a line end
		{`a"b;c`, []rec{{1, []string{`a"b`, "c"}, false}}},
		{` "a" ;b`, []rec{{1, []string{"a", "b"}, false}}},
		{`""`, []rec{{1, []string{""}, false}}},
		{"\"a;b\nc;d\ne", []rec{{1, nil, true}, {2, []string{"c", "d"}, false}, {3, []string{"e"}, false}}},
		{"\"a\"b;c\nd", []rec{{1, nil, true}, {2, []string{"d"}, false}}},
		{"x;\"a\nb\"c\nd", []rec{{1, nil, true}, {2, []string{`b"c`}, false}, {3, []string{"d"}, false}}},
		{"a\rb\r\nc", []rec{{1, []string{"a"}, false}, {2, []string{"b"}, false}, {3, []string{"c"}, false}}},
	}
	for _, tt := range tests {
		sp := newSplitter(tt.in, ';')
		var got []rec
		for {
			r, ok := sp.next()
			if !ok {
				break
			}
			got = append(got, rec{r.line, r.fields, r.bad != ""})
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("split %q:\n got %v\nwant %v", tt.in, got, tt.want)
		}
	}
}

func TestExcelScientific(t *testing.T) {
	for s, want := range map[string]bool{
		"5,51199E+12": true, "5.51199e+12": true, "1E+10": true, "5,5E-3": true,
		"11987654321": false, "E+12": false, "5,5E+": false, "5,5E12": false, "abcE+12": false, "": false,
	} {
		if got := excelScientific(s); got != want {
			t.Errorf("excelScientific(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseManyUnclosedQuotesStaysLinear(t *testing.T) {
	// Every line opens a quote that never closes. Each is refused on its
	// own line (bounded scan), and the row limit still applies.
	var b strings.Builder
	b.WriteString("nome;telefone;plano;valor;vencimento\n")
	for i := 0; i < 3000; i++ {
		b.WriteString("\"Ana;11987654321;Mensal;35;15/12/2026\n")
	}
	b.WriteString("Bia;11987654321;Mensal;35;15/12/2026\n")
	rows, refused := parseString(t, b.String())
	if len(rows) != 1 || rows[0].Line != 3002 || len(refused) != 3000 || refused[2999].Line != 3001 {
		t.Fatalf("rows %d (%+v), refused %d", len(rows), rows, len(refused))
	}
	// A quoted field longer than any valid field is taken as unclosed.
	long := "nome;telefone;plano;valor;vencimento;observacoes\n" +
		"Ana;11987654321;Mensal;35;15/12/2026;\"" + strings.Repeat("x", maxQuotedBytes+1) + "\"\n"
	rows, refused = parseString(t, long)
	if len(refused) == 0 || refused[0].Line != 2 || !strings.Contains(refused[0].Msg, "aspas") {
		t.Fatalf("long quoted field: rows %d refused %+v", len(rows), refused[:min(len(refused), 1)])
	}
}
