package report

import (
	"testing"
	"time"

	"renovabot/billing"
)

func dt(y int, m time.Month, d int) billing.Date { return billing.Date{Year: y, Month: m, Day: d} }

func TestPeriodRanges(t *testing.T) {
	today := dt(2027, time.January, 10)
	for _, tc := range []struct {
		p                Period
		from, to, pf, pt billing.Date
	}{
		{Days7, dt(2027, 1, 4), dt(2027, 1, 10), dt(2026, 12, 28), dt(2027, 1, 3)},
		{Days30, dt(2026, 12, 12), dt(2027, 1, 10), dt(2026, 11, 12), dt(2026, 12, 11)},
		{ThisMonth, dt(2027, 1, 1), dt(2027, 1, 31), dt(2026, 12, 1), dt(2026, 12, 31)},
		{LastMonth, dt(2026, 12, 1), dt(2026, 12, 31), dt(2026, 11, 1), dt(2026, 11, 30)},
		{Months3, dt(2026, 11, 1), dt(2027, 1, 31), dt(2026, 8, 1), dt(2026, 10, 31)},
		{Months6, dt(2026, 8, 1), dt(2027, 1, 31), dt(2026, 2, 1), dt(2026, 7, 31)},
		{Months12, dt(2026, 2, 1), dt(2027, 1, 31), dt(2025, 2, 1), dt(2026, 1, 31)},
	} {
		from, to := tc.p.Range(today)
		pf, pt := tc.p.Previous(today)
		if from != tc.from || to != tc.to || pf != tc.pf || pt != tc.pt {
			t.Errorf("%s: range %v..%v prev %v..%v; want %v..%v prev %v..%v", tc.p, from, to, pf, pt, tc.from, tc.to, tc.pf, tc.pt)
		}
		if !tc.p.Valid() || tc.p.Label() == "" {
			t.Errorf("%s not valid or unlabelled", tc.p)
		}
	}
	// Leap February: last month of 31/03/2028 is 01..29/02.
	if f, to := LastMonth.Range(dt(2028, 3, 31)); f != dt(2028, 2, 1) || to != dt(2028, 2, 29) {
		t.Errorf("leap february = %v..%v", f, to)
	}
	if Period("x").Valid() {
		t.Error("unknown period valid")
	}
	ms := LastMonths(dt(2027, 1, 10), 12)
	if len(ms) != 12 || ms[0] != dt(2026, 2, 1) || ms[11] != dt(2027, 1, 1) {
		t.Errorf("LastMonths = %v", ms)
	}
}
