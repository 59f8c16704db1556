package billing

import (
	"strings"
	"testing"
	"time"
)

func TestParseDateAccepts(t *testing.T) {
	sat := date(2026, time.November, 28)
	tests := []struct {
		in    string
		today Date
		want  Date
	}{
		{"15/03/2027", sat, date(2027, time.March, 15)},
		{"5/3/2027", sat, date(2027, time.March, 5)},
		{"05/03/2027", sat, date(2027, time.March, 5)},
		{"15/03/27", sat, date(2027, time.March, 15)},
		{"01/01/00", sat, date(2000, time.January, 1)},
		{"31/12/99", sat, date(2099, time.December, 31)},
		{"15-03-2027", sat, date(2027, time.March, 15)},
		{"15.03.2027", sat, date(2027, time.March, 15)},
		{" 15 / 03 / 2027 ", sat, date(2027, time.March, 15)},
		{"2027-03-15", sat, date(2027, time.March, 15)},   // ISO, as spreadsheets export
		{"15/01/2020", sat, date(2020, time.January, 15)}, // past dates are fine (overdue client)
		// dd/mm: the next occurrence from today.
		{"15/03", sat, date(2027, time.March, 15)},
		{"28/11", sat, date(2026, time.November, 28)}, // today itself
		{"27/11", sat, date(2027, time.November, 27)},
		{"29/11", sat, date(2026, time.November, 29)},
		{"31/12", sat, date(2026, time.December, 31)},
		{"1/1", sat, date(2027, time.January, 1)},
		{"01/01", date(2026, time.December, 31), date(2027, time.January, 1)},
		{"31/12", date(2026, time.December, 31), date(2026, time.December, 31)},
		{"29/02", date(2027, time.November, 28), date(2028, time.February, 29)},
		{"29/02", date(2028, time.January, 10), date(2028, time.February, 29)},
		{"15-03", sat, date(2027, time.March, 15)},
		// Leap years.
		{"29/02/2028", sat, date(2028, time.February, 29)},
		{"29/02/2000", sat, date(2000, time.February, 29)},
		{"29/02/28", sat, date(2028, time.February, 29)},
		// Range limits.
		{"01/01/2000", sat, date(2000, time.January, 1)},
		{"31/12/2100", sat, date(2100, time.December, 31)},
		// Words and relative days.
		{"hoje", sat, sat},
		{" HOJE ", sat, sat},
		{"Hoje", sat, sat},
		{"amanhã", sat, date(2026, time.November, 29)},
		{"Amanhã", sat, date(2026, time.November, 29)},
		{"AMANHÃ", sat, date(2026, time.November, 29)},
		{"amanha", sat, date(2026, time.November, 29)},
		{"amanha\u0303", sat, date(2026, time.November, 29)}, // decomposed ã
		{"amanhã", date(2026, time.December, 31), date(2027, time.January, 1)},
		{"amanhã", date(2028, time.February, 28), date(2028, time.February, 29)},
		{"+30", sat, date(2026, time.December, 28)},
		{"+ 30", sat, date(2026, time.December, 28)},
		{"+1", sat, date(2026, time.November, 29)},
		{"+34", sat, date(2027, time.January, 1)},
		{"+3650", sat, date(2036, time.November, 25)},
		{"+030", sat, date(2026, time.December, 28)},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in, tt.today)
		if err != nil {
			t.Errorf("ParseDate(%q, %s) error: %v", tt.in, tt.today, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDate(%q, %s) = %s, want %s", tt.in, tt.today, got, tt.want)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	sat := date(2026, time.November, 28)
	tests := []struct {
		in     string
		today  Date
		reason string
	}{
		{"31/02/2027", sat, "31/02 não existe: fevereiro de 2027 tem 28 dias."},
		{"30/02/2028", sat, "30/02 não existe: fevereiro de 2028 tem 29 dias."},
		{"29/02/2027", sat, "29/02 não existe: fevereiro de 2027 tem 28 dias."},
		{"29/02/2100", sat, "fevereiro de 2100 tem 28 dias"}, // century, not leap
		{"31/04/2027", sat, "31/04 não existe: abril de 2027 tem 30 dias."},
		{"31/06/27", sat, "junho de 2027 tem 30 dias"},
		{"31/11", sat, "31/11 não existe: novembro de 2026 tem 30 dias."},
		{"29/02", sat, "29/02 não existe: fevereiro de 2027 tem 28 dias."},
		{"00/01/2027", sat, "O dia 00 não existe"},
		{"0/1", sat, "O dia 0 não existe"},
		{"32/01/2027", sat, "O dia 32 não existe: nenhum mês tem mais de 31 dias."},
		{"99/12", sat, "O dia 99 não existe"},
		{"15/13/2027", sat, "O mês 13 não existe"},
		{"15/00/2027", sat, "O mês 00 não existe"},
		{"31/12/1999", sat, "O ano 1999 está fora do intervalo"},
		{"01/01/2101", sat, "O ano 2101 está fora do intervalo"},
		{"1999-12-31", sat, "O ano 1999 está fora do intervalo"},
		{"01/01", date(2100, time.December, 31), "O ano 2101 está fora do intervalo"},
		{"15/03/202", sat, "Ano inválido"},
		{"15/03/7", sat, "Ano inválido"},
		{"15/03/20277", sat, "use só números e barras"},
		{"", sat, "Data vazia"},
		{"   ", sat, "Data vazia"},
		{"abc", sat, "Data não reconhecida"},
		{"ontem", sat, "Data não reconhecida"},
		{"15", sat, "Data não reconhecida"},
		{"15 03 2027", sat, "Data não reconhecida"},
		{"15//03", sat, "Data não reconhecida"},
		{"/15/03", sat, "Data não reconhecida"},
		{"15/03/", sat, "Data não reconhecida"},
		{"1/2/3/4", sat, "Data não reconhecida"},
		{"15/mar/2027", sat, "use só números e barras"},
		{"15/03/2027 10:00", sat, "use só números e barras"},
		{"-30", sat, "Data não reconhecida"},
		{"015/03", sat, "no máximo 2 dígitos"},
		{"+0", sat, "de 1 a 3650"},
		{"+3651", sat, "de 1 a 3650"},
		{"+", sat, "de 1 a 3650"},
		{"+abc", sat, "de 1 a 3650"},
		{"+-5", sat, "de 1 a 3650"},
		{"+999999999999999999999", sat, "Data não reconhecida"},
		{"amanhã", date(2100, time.December, 31), "O ano 2101 está fora do intervalo"},
		{"+30", date(2100, time.December, 15), "O ano 2101 está fora do intervalo"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in, tt.today)
		if err == nil {
			t.Errorf("ParseDate(%q) = %s, want error containing %q", tt.in, got, tt.reason)
			continue
		}
		msg := inputErr(t, err, tt.reason, "dd/mm/aaaa")
		if tt.today == sat && !strings.Contains(msg, "28/12/2026 ou 28/12") {
			t.Errorf("ParseDate(%q) message lacks examples based on today: %q", tt.in, msg)
		}
	}
}

func TestParseDateReadsBRAndISO(t *testing.T) {
	today := date(2026, time.November, 28)
	for d := date(2000, time.January, 1); d.Year <= 2100; d = d.AddDays(97) {
		for _, s := range []string{d.BR(), d.ISO()} {
			got, err := ParseDate(s, today)
			if err != nil || got != d {
				t.Fatalf("ParseDate(%q) = %s, %v; want %s", s, got, err, d)
			}
		}
	}
}

func TestMonthNameBR(t *testing.T) {
	tests := map[time.Month]string{time.January: "janeiro", time.March: "março", time.December: "dezembro", 0: "", 13: ""}
	for m, want := range tests {
		if got := MonthNameBR(m); got != want {
			t.Errorf("MonthNameBR(%d) = %q, want %q", m, got, want)
		}
	}
}

func TestLongPast(t *testing.T) {
	today := Date{Year: 2026, Month: time.November, Day: 28}
	for _, c := range []struct {
		d    Date
		want bool
	}{
		{Date{2026, time.November, 28}, false},
		{Date{2025, time.November, 28}, false}, // exactly a year: not more
		{Date{2025, time.November, 27}, true},
		{Date{2020, time.January, 1}, true},
		{Date{2027, time.January, 1}, false},
	} {
		if got := LongPast(c.d, today); got != c.want {
			t.Errorf("LongPast(%v, %v) = %v, want %v", c.d, today, got, c.want)
		}
	}
	// 29/02: a year before is 28/02 of the year before.
	leap := Date{Year: 2028, Month: time.February, Day: 29}
	if LongPast(Date{2027, time.February, 28}, leap) || !LongPast(Date{2027, time.February, 27}, leap) {
		t.Error("a year before 29/02/2028 is 28/02/2027")
	}
	if got := LongPastText(Date{2020, time.January, 1}, today); got != "01/01/2020 foi há mais de um ano (2523 dias)" {
		t.Errorf("LongPastText = %q", got)
	}
}
