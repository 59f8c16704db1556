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

// Previous returns the window just before the period, of the same kind,
// for "compared with the previous period".
func (p Period) Previous(today billing.Date) (from, to billing.Date) {
	from, to = p.Range(today)
	switch p {
	case Days7, Days30:
		n := from.DaysUntil(to) + 1
		return from.AddDays(-n), to.AddDays(-n)
	}
	months := 1
	switch p {
	case Months3:
		months = 3
	case Months6:
		months = 6
	case Months12:
		months = 12
	}
	start := billing.AddMonthsAnchored(from, -months, 1)
	return start, from.AddDays(-1)
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
