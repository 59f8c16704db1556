package report

import "renovabot/billing"

// Period is a report window, chosen by the reseller.
type Period string

// The periods offered in the Relatórios menu.
const (
	Days7     Period = "7d"
	Days30    Period = "30d"
	ThisMonth Period = "mes"
	LastMonth Period = "mesant"
	Months3   Period = "3m"
	Months6   Period = "6m"
	Months12  Period = "12m"
)

// Periods in menu order.
var Periods = []Period{Days7, Days30, ThisMonth, LastMonth, Months3, Months6, Months12}

// Valid reports whether p is a known period.
func (p Period) Valid() bool {
	for _, q := range Periods {
		if p == q {
			return true
		}
	}
	return false
}

// Label is the pt-BR name of the period.
func (p Period) Label() string {
	switch p {
	case Days7:
		return "7 dias"
	case Days30:
		return "30 dias"
	case ThisMonth:
		return "Este mês"
	case LastMonth:
		return "Mês passado"
	case Months3:
		return "3 meses"
	case Months6:
		return "6 meses"
	case Months12:
		return "12 meses"
	}
	return ""
}

// Range returns the first and last civil day of the period for a reseller
// whose today is today. Day windows end today; month windows are whole
// calendar months (the current month included whole, so what falls due
// later this month counts as expected).
func (p Period) Range(today billing.Date) (from, to billing.Date) {
	first := billing.Date{Year: today.Year, Month: today.Month, Day: 1}
	switch p {
	case Days7:
		return today.AddDays(-6), today
	case Days30:
		return today.AddDays(-29), today
	case LastMonth:
		prev := billing.AddMonthsAnchored(first, -1, 1)
		return prev, monthEnd(prev)
	case Months3, Months6, Months12:
		n := map[Period]int{Months3: 3, Months6: 6, Months12: 12}[p]
		return billing.AddMonthsAnchored(first, -(n - 1), 1), monthEnd(first)
	}
	return first, monthEnd(first) // ThisMonth
}

// Frame is what a report of a period shows on a given day: the period, the
// part of it that has passed, and the window that part is compared with.
type Frame struct {
	From, To billing.Date // the period (Range)
	Through  billing.Date // its last day that has passed: To, or today while the period is not over
	// PrevFrom..PrevTo is what From..Through is compared with: the
	// previous period of the same kind. While a month-based period is not
	// over it is only the previous period's first SameDays days, as many
	// as have passed of this one, so day 10 of a month is not compared
	// with a whole month; SameDays is 0 when the whole previous period is
	// used (the period is over, or the previous one has no more days than
	// have passed).
	PrevFrom, PrevTo billing.Date
	SameDays         int
	// Years is set when the period or its comparison is not all in
	// today's year (it crosses a year, or it is last year's): its labels
	// then carry years, and only then.
	Years bool
}

// Frame returns the period's frame for a reseller whose today is today.
func (p Period) Frame(today billing.Date) Frame {
	f := Frame{}
	f.From, f.To = p.Range(today)
	f.Through = f.To
	if today.Before(f.To) {
		f.Through = today
	}
	switch p {
	case Days7, Days30:
		n := f.From.DaysUntil(f.To) + 1
		f.PrevFrom, f.PrevTo = f.From.AddDays(-n), f.To.AddDays(-n)
	default:
		months := map[Period]int{ThisMonth: 1, LastMonth: 1, Months3: 3, Months6: 6, Months12: 12}[p]
		f.PrevFrom, f.PrevTo = billing.AddMonthsAnchored(f.From, -months, 1), f.From.AddDays(-1)
		if passed := f.From.DaysUntil(f.Through) + 1; !today.After(f.To) && passed < f.PrevFrom.DaysUntil(f.PrevTo)+1 {
			f.SameDays, f.PrevTo = passed, f.PrevFrom.AddDays(passed-1)
		}
	}
	for _, d := range []billing.Date{f.From, f.To, f.PrevFrom, f.PrevTo} {
		f.Years = f.Years || d.Year != today.Year
	}
	return f
}

// Span is the period's label: "01/11 a 30/11", or "01/12/2025 a 30/11/2026"
// when the frame needs years.
func (f Frame) Span() string { return Span(f.From, f.To, f.Years) }

// PrevSpan is the comparison's label, in the same form as Span.
func (f Frame) PrevSpan() string { return Span(f.PrevFrom, f.PrevTo, f.Years) }

// Span labels the civil days from..to, with years or without.
func Span(from, to billing.Date, years bool) string {
	if years {
		return from.BR() + " a " + to.BR()
	}
	return from.ShortBR() + " a " + to.ShortBR()
}

// monthEnd is the last day of d's month.
func monthEnd(d billing.Date) billing.Date {
	return billing.Date{Year: d.Year, Month: d.Month, Day: billing.DaysIn(d.Year, d.Month)}
}

// LastMonths returns the 1st of each of the n months ending with today's.
func LastMonths(today billing.Date, n int) []billing.Date {
	first := billing.Date{Year: today.Year, Month: today.Month, Day: 1}
	out := make([]billing.Date, n)
	for i := range n {
		out[i] = billing.AddMonthsAnchored(first, i-(n-1), 1)
	}
	return out
}
