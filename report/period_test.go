package report

import (
	"testing"
	"time"

	"renovabot/billing"
)

func dt(y int, m time.Month, d int) billing.Date { return billing.Date{Year: y, Month: m, Day: d} }

func TestPeriodRanges(t *testing.T) {
	today := dt(2027, time.January, 10)
	// pf..pt is what the part of the period that has passed (from..today
	// at most) is compared with: the previous period's first as many
	// days while the period is not over, the whole previous one after.
	for _, tc := range []struct {
		p                Period
		from, to, pf, pt billing.Date
		sameDays         int
	}{
		{Days7, dt(2027, 1, 4), dt(2027, 1, 10), dt(2026, 12, 28), dt(2027, 1, 3), 0},
		{Days30, dt(2026, 12, 12), dt(2027, 1, 10), dt(2026, 11, 12), dt(2026, 12, 11), 0},
		{ThisMonth, dt(2027, 1, 1), dt(2027, 1, 31), dt(2026, 12, 1), dt(2026, 12, 10), 10},
		{LastMonth, dt(2026, 12, 1), dt(2026, 12, 31), dt(2026, 11, 1), dt(2026, 11, 30), 0},
		// 01/11..10/01 is 30 + 31 + 10 = 71 days; 01/08 + 70 days = 10/10.
		{Months3, dt(2026, 11, 1), dt(2027, 1, 31), dt(2026, 8, 1), dt(2026, 10, 10), 71},
		{Months6, dt(2026, 8, 1), dt(2027, 1, 31), dt(2026, 2, 1), dt(2026, 7, 13), 163},
		{Months12, dt(2026, 2, 1), dt(2027, 1, 31), dt(2025, 2, 1), dt(2026, 1, 10), 344},
	} {
		from, to := tc.p.Range(today)
		f := tc.p.Frame(today)
		if from != tc.from || to != tc.to || f.From != from || f.To != to || f.PrevFrom != tc.pf || f.PrevTo != tc.pt || f.SameDays != tc.sameDays {
			t.Errorf("%s: range %v..%v frame %+v; want %v..%v prev %v..%v (%d days)", tc.p, from, to, f, tc.from, tc.to, tc.pf, tc.pt, tc.sameDays)
		}
		want := to
		if today.Before(to) {
			want = today
		}
		if f.Through != want {
			t.Errorf("%s: through %v, want %v", tc.p, f.Through, want)
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

// "Este mês" on day 10 is compared with days 1..10 of the month before,
// not the whole month (which made day 10 read "-67%"); once the days
// passed outnumber the previous period's, the whole previous period.
func TestFrameComparesTheSameNumberOfDays(t *testing.T) {
	for _, tc := range []struct {
		today, pf, pt billing.Date
		sameDays      int
	}{
		{dt(2026, 11, 10), dt(2026, 10, 1), dt(2026, 10, 10), 10},
		{dt(2026, 11, 1), dt(2026, 10, 1), dt(2026, 10, 1), 1},
		{dt(2026, 11, 30), dt(2026, 10, 1), dt(2026, 10, 30), 30},
		{dt(2026, 12, 31), dt(2026, 11, 1), dt(2026, 11, 30), 0}, // 31 days passed, November has 30
		{dt(2027, 3, 28), dt(2027, 2, 1), dt(2027, 2, 28), 0},
		{dt(2027, 3, 27), dt(2027, 2, 1), dt(2027, 2, 27), 27},
	} {
		f := ThisMonth.Frame(tc.today)
		if f.PrevFrom != tc.pf || f.PrevTo != tc.pt || f.SameDays != tc.sameDays || f.Through != tc.today {
			t.Errorf("this month on %v: %+v; want %v..%v (%d days)", tc.today, f, tc.pf, tc.pt, tc.sameDays)
		}
	}
}

// Labels carry years when the period or its comparison is not all in
// today's year (a crossing, or last month seen in January), and only then.
func TestFrameLabelsShowYearsAcrossAYear(t *testing.T) {
	for _, tc := range []struct {
		p          Period
		today      billing.Date
		span, prev string
	}{
		{ThisMonth, dt(2026, 11, 10), "01/11 a 30/11", "01/10 a 10/10"},
		{Months3, dt(2026, 11, 10), "01/09 a 30/11", "01/06 a 10/08"},
		{Months12, dt(2026, 11, 10), "01/12/2025 a 30/11/2026", "01/12/2024 a 10/11/2025"},
		{ThisMonth, dt(2027, 1, 10), "01/01/2027 a 31/01/2027", "01/12/2026 a 10/12/2026"},
		{Days7, dt(2027, 1, 10), "04/01/2027 a 10/01/2027", "28/12/2026 a 03/01/2027"},
		{Days7, dt(2027, 1, 20), "14/01 a 20/01", "07/01 a 13/01"},
		{LastMonth, dt(2027, 1, 10), "01/12/2026 a 31/12/2026", "01/11/2026 a 30/11/2026"},
		{LastMonth, dt(2027, 3, 10), "01/02 a 28/02", "01/01 a 31/01"},
	} {
		f := tc.p.Frame(tc.today)
		if f.Span() != tc.span || f.PrevSpan() != tc.prev {
			t.Errorf("%s on %v: %q / %q; want %q / %q", tc.p, tc.today, f.Span(), f.PrevSpan(), tc.span, tc.prev)
		}
	}
}
