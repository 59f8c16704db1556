package billing

import (
	"testing"
	"time"
)

func TestAddMonthsAnchored(t *testing.T) {
	tests := []struct {
		from   Date
		months int
		anchor int
		want   Date
	}{
		{date(2027, time.January, 31), 1, 31, date(2027, time.February, 28)},
		{date(2028, time.January, 31), 1, 31, date(2028, time.February, 29)}, // leap
		{date(2027, time.February, 28), 1, 31, date(2027, time.March, 31)},   // no drift
		{date(2028, time.February, 29), 1, 31, date(2028, time.March, 31)},
		{date(2027, time.February, 28), 1, 0, date(2027, time.March, 28)}, // anchor 0: from.Day
		{date(2027, time.February, 28), 1, -3, date(2027, time.March, 28)},
		{date(2027, time.January, 30), 1, 30, date(2027, time.February, 28)},
		{date(2028, time.January, 30), 1, 30, date(2028, time.February, 29)},
		{date(2027, time.February, 28), 1, 30, date(2027, time.March, 30)},
		{date(2027, time.January, 29), 1, 29, date(2027, time.February, 28)},
		{date(2028, time.January, 29), 1, 29, date(2028, time.February, 29)},
		{date(2027, time.February, 28), 1, 29, date(2027, time.March, 29)},
		{date(2027, time.May, 31), 1, 31, date(2027, time.June, 30)},
		{date(2027, time.June, 30), 1, 31, date(2027, time.July, 31)},
		{date(2026, time.November, 30), 1, 30, date(2026, time.December, 30)},
		{date(2026, time.December, 15), 1, 15, date(2027, time.January, 15)}, // Dec -> Jan
		{date(2026, time.December, 31), 1, 31, date(2027, time.January, 31)},
		{date(2026, time.December, 31), 2, 31, date(2027, time.February, 28)},
		{date(2027, time.January, 15), 12, 15, date(2028, time.January, 15)},
		{date(2027, time.January, 15), 24, 0, date(2029, time.January, 15)},
		{date(2028, time.February, 29), 12, 29, date(2029, time.February, 28)},
		{date(2028, time.February, 29), 48, 29, date(2032, time.February, 29)},
		{date(2027, time.March, 15), 0, 15, date(2027, time.March, 15)},
		{date(2027, time.February, 28), 0, 31, date(2027, time.February, 28)},
		{date(2027, time.April, 10), 0, 31, date(2027, time.April, 30)}, // months 0 still re-anchors
		// Negative months.
		{date(2027, time.March, 31), -1, 31, date(2027, time.February, 28)},
		{date(2028, time.March, 31), -1, 31, date(2028, time.February, 29)},
		{date(2027, time.January, 15), -1, 15, date(2026, time.December, 15)}, // Jan -> Dec
		{date(2027, time.January, 31), -2, 31, date(2026, time.November, 30)},
		{date(2027, time.January, 15), -13, 15, date(2025, time.December, 15)},
		{date(2027, time.January, 15), -12, 0, date(2026, time.January, 15)},
		{date(1, time.January, 15), -1, 15, date(0, time.December, 15)},
		// Anchors beyond any month clamp to the month's length.
		{date(2027, time.January, 10), 1, 40, date(2027, time.February, 28)},
		{date(2027, time.January, 10), 2, 99, date(2027, time.March, 31)},
	}
	for _, tt := range tests {
		got := AddMonthsAnchored(tt.from, tt.months, tt.anchor)
		if got != tt.want {
			t.Errorf("AddMonthsAnchored(%s, %d, %d) = %s, want %s", tt.from, tt.months, tt.anchor, got, tt.want)
		}
	}
}

func TestAddMonthsAnchoredNoDrift(t *testing.T) {
	// Renewing month after month from the previous due date must land on
	// the anchor whenever the month has it (the failure was 31/01 -> 28/02
	// -> 28/03 -> ...).
	for _, anchor := range []int{28, 29, 30, 31} {
		d := date(2027, time.January, anchor)
		for i := 0; i < 60; i++ {
			d = AddMonthsAnchored(d, 1, anchor)
			want := min(anchor, DaysIn(d.Year, d.Month))
			if d.Day != want {
				t.Fatalf("anchor %d, step %d: got %s, want day %d", anchor, i+1, d, want)
			}
		}
		if d != date(2032, time.January, anchor) {
			t.Errorf("anchor %d: after 60 months got %s", anchor, d)
		}
	}
}

func TestAddMonthsAnchoredInverse(t *testing.T) {
	for _, anchor := range []int{1, 15, 28, 29, 30, 31} {
		for _, n := range []int{-25, -13, -12, -1, 1, 2, 11, 12, 13, 37} {
			from := AddMonthsAnchored(date(2027, time.January, 1), 0, anchor) // anchored start
			for i := 0; i < 12; i++ {
				there := AddMonthsAnchored(from, n, anchor)
				back := AddMonthsAnchored(there, -n, anchor)
				if back != from {
					t.Fatalf("anchor %d: %s %+d -> %s, back -> %s", anchor, from, n, there, back)
				}
				if !ValidDate(there.Year, there.Month, there.Day) {
					t.Fatalf("invalid result %v", there)
				}
				from = AddMonthsAnchored(from, 1, anchor)
			}
		}
	}
}
