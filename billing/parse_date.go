package billing

import (
	"strconv"
	"strings"
	"time"
)

// Years outside this range are typos (a day typed in the year field, "0205"),
// not due dates.
const (
	minYear = 2000
	maxYear = 2100
	// maxDaysAhead bounds "+N": ten years is already beyond any plan.
	maxDaysAhead = 3650
)

var monthNamesBR = [...]string{
	"janeiro", "fevereiro", "março", "abril", "maio", "junho",
	"julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
}

// MonthNameBR returns the pt-BR name of m in lower case ("março").
func MonthNameBR(m time.Month) string {
	if m < time.January || m > time.December {
		return ""
	}
	return monthNamesBR[m-1]
}

// dateErr closes a rejection with examples computed from today, so they are
// always plausible future dates rather than a fixed date that ages.
func dateErr(today Date, reason string) *InputError {
	ex := today.AddDays(30)
	if !ValidDate(today.Year, today.Month, today.Day) {
		ex = Date{Year: 2030, Month: time.March, Day: 15}
	}
	return &InputError{Msg: reason + " Envie a data como dd/mm/aaaa, por exemplo: " +
		ex.BR() + " ou " + ex.ShortBR() + " (também aceito hoje, amanhã ou +30).", Reason: shortReason(reason)}
}

// ParseDate reads a due date as a reseller types it:
//
//	"15/03/2027", "5/3/2027", "15/03/27" (20aa), "15/03" (the next 15/03 from
//	today: this year if not yet past, else next year), with '/', '-' or '.',
//	"2027-03-15" (ISO, as spreadsheets export it), "hoje", "amanhã"/"amanha",
//	"+30" (today + N days, 1..3650).
//
// Case and spaces are ignored. Impossible dates are refused with the reason
// ("31/02 não existe: fevereiro de 2027 tem 28 dias."), never normalised into
// another day. Errors are *InputError.
func ParseDate(s string, today Date) (Date, error) {
	// Drop every space: "15 / 03", "+ 30" and " Hoje " are all fine.
	s = strings.Join(strings.Fields(strings.ToLower(s)), "")
	// Some keyboards send "ã" decomposed (a + combining tilde).
	s = strings.ReplaceAll(s, "a\u0303", "ã")
	switch s {
	case "":
		return Date{}, dateErr(today, "Data vazia.")
	case "hoje":
		return today, nil
	case "amanhã", "amanha":
		return inRange(today, today.AddDays(1))
	}
	if len(s) > 20 {
		return Date{}, dateErr(today, "Data não reconhecida.")
	}
	if s[0] == '+' {
		n, ok := smallNumber(s[1:], 5)
		if !ok || n < 1 || n > maxDaysAhead {
			return Date{}, dateErr(today, "Use +N com N de 1 a 3650 dias a partir de hoje, por exemplo +30.")
		}
		return inRange(today, today.AddDays(n))
	}

	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) != 2 && len(parts) != 3 || strings.Count(s, "/")+strings.Count(s, "-")+strings.Count(s, ".") != len(parts)-1 {
		return Date{}, dateErr(today, "Data não reconhecida.")
	}
	for _, p := range parts {
		if _, ok := smallNumber(p, 4); !ok {
			return Date{}, dateErr(today, "Data não reconhecida: use só números e barras.")
		}
	}

	// ISO: the only shape whose first part has four digits.
	if len(parts) == 3 && len(parts[0]) == 4 {
		parts[0], parts[2] = parts[2], parts[0]
	}
	if len(parts[0]) > 2 || len(parts[1]) > 2 {
		return Date{}, dateErr(today, "Data não reconhecida: dia e mês têm no máximo 2 dígitos.")
	}
	day, _ := smallNumber(parts[0], 2)
	month, _ := smallNumber(parts[1], 2)
	if month < 1 || month > 12 {
		return Date{}, dateErr(today, "O mês "+parts[1]+" não existe: use de 1 a 12.")
	}
	if day < 1 {
		return Date{}, dateErr(today, "O dia "+parts[0]+" não existe: os dias começam em 1.")
	}
	if day > 31 {
		return Date{}, dateErr(today, "O dia "+parts[0]+" não existe: nenhum mês tem mais de 31 dias.")
	}

	var year int
	if len(parts) == 3 {
		y := parts[2]
		switch len(y) {
		case 2:
			n, _ := smallNumber(y, 2)
			year = 2000 + n
		case 4:
			year, _ = smallNumber(y, 4)
		default:
			return Date{}, dateErr(today, "Ano inválido: use 4 dígitos (2027) ou 2 (27).")
		}
		if year < minYear || year > maxYear {
			return Date{}, dateErr(today, "O ano "+y+" está fora do intervalo aceito (2000 a 2100).")
		}
	} else {
		// Next occurrence, comparing day and month only, so "29/02" in a
		// non-leap year is refused with that year named instead of
		// silently jumping years ahead.
		year = today.Year
		if month < int(today.Month) || month == int(today.Month) && day < today.Day {
			year++
		}
		if year < minYear || year > maxYear {
			return Date{}, dateErr(today, "O ano "+strconv.Itoa(year)+" está fora do intervalo aceito (2000 a 2100).")
		}
	}

	m := time.Month(month)
	if !ValidDate(year, m, day) {
		return Date{}, dateErr(today, Date{Year: year, Month: m, Day: day}.ShortBR()+" não existe: "+
			MonthNameBR(m)+" de "+strconv.Itoa(year)+" tem "+strconv.Itoa(DaysIn(year, m))+" dias.")
	}
	return Date{Year: year, Month: m, Day: day}, nil
}

// LongPast reports whether d is more than a year before today: as a due
// date that is far more often a typo (a year off, "01/01/2020" for
// "01/01/2027") than a client overdue that long, so typed dates ask for
// confirmation and imported ones are refused.
func LongPast(d, today Date) bool {
	return d.Before(AddMonthsAnchored(today, -12, today.Day))
}

// LongPastText says how long ago a LongPast date was, in pt-BR:
// "01/01/2020 foi há mais de um ano (2524 dias)".
func LongPastText(d, today Date) string {
	return d.BR() + " foi há mais de um ano (" + strconv.Itoa(d.DaysUntil(today)) + " dias)"
}

// DateInRange reports whether d's year is one ParseDate accepts (2000 to
// 2100), the range the database keeps dates in: a date computed from
// another (a renewal) is checked with it before it is offered.
func DateInRange(d Date) bool { return d.Year >= minYear && d.Year <= maxYear }

// inRange applies the year bounds to a date computed from today.
func inRange(today, d Date) (Date, error) {
	if !DateInRange(d) {
		return Date{}, dateErr(today, "O ano "+strconv.Itoa(d.Year)+" está fora do intervalo aceito (2000 a 2100).")
	}
	return d, nil
}

// smallNumber parses 1..maxLen ASCII digits (no sign, no spaces).
func smallNumber(s string, maxLen int) (int, bool) {
	if s == "" || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
