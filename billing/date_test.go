package billing

import (
	"testing"
	"time"
)

func TestToday(t *testing.T) {
	// Fixed zones keep the test independent of the host's tzdata.
	sp := time.FixedZone("BRT", -3*3600)
	tests := []struct {
		now  time.Time
		loc  *time.Location
		want Date
	}{
		// 23:30 in São Paulo is already tomorrow in UTC: the reseller's
		// zone decides (the old bot's icons went wrong after 21:00).
		{time.Date(2026, time.November, 29, 2, 30, 0, 0, time.UTC), sp, date(2026, time.November, 28)},
		{time.Date(2026, time.November, 29, 3, 0, 0, 0, time.UTC), sp, date(2026, time.November, 29)},
		{time.Date(2027, time.January, 1, 2, 59, 59, 0, time.UTC), sp, date(2026, time.December, 31)},
		{time.Date(2026, time.November, 28, 12, 0, 0, 0, time.UTC), time.UTC, date(2026, time.November, 28)},
	}
	for _, tt := range tests {
		if got := Today(tt.now, tt.loc); got != tt.want {
			t.Errorf("Today(%s, %s) = %s, want %s", tt.now, tt.loc, got, tt.want)
		}
	}
}

func TestValidDateAndDaysIn(t *testing.T) {
	tests := []struct {
		y     int
		m     time.Month
		d     int
		valid bool
	}{
		{2027, time.February, 28, true},
		{2027, time.February, 29, false},
		{2028, time.February, 29, true},
		{2100, time.February, 29, false},
		{2000, time.February, 29, true},
		{2027, time.April, 31, false},
		{2027, time.December, 31, true},
		{2027, time.January, 0, false},
		{2027, 0, 1, false},
		{2027, 13, 1, false},
	}
	for _, tt := range tests {
		if got := ValidDate(tt.y, tt.m, tt.d); got != tt.valid {
			t.Errorf("ValidDate(%d, %d, %d) = %v", tt.y, tt.m, tt.d, got)
		}
	}
	if DaysIn(2027, time.February) != 28 || DaysIn(2028, time.February) != 29 || DaysIn(2027, time.December) != 31 {
		t.Error("DaysIn is wrong for February or December")
	}
}

func TestDateHelpers(t *testing.T) {
	a := date(2026, time.December, 31)
	b := date(2027, time.January, 1)
	if got := NewDate(2027, time.January, 32); got != date(2027, time.February, 1) {
		t.Errorf("NewDate normalises to %s", got)
	}
	if a.AddDays(1) != b || b.AddDays(-1) != a || a.AddDays(60) != date(2027, time.March, 1) {
		t.Error("AddDays across the year end is wrong")
	}
	if !a.Before(b) || a.After(b) || !b.After(a) || a.Compare(a) != 0 || b.Compare(a) != 1 {
		t.Error("Compare/Before/After disagree")
	}
	if date(2027, time.March, 1).Compare(date(2027, time.February, 28)) != 1 ||
		date(2027, time.March, 1).Compare(date(2027, time.March, 2)) != -1 {
		t.Error("Compare by month/day is wrong")
	}
	if (Date{}).IsZero() != true || a.IsZero() {
		t.Error("IsZero is wrong")
	}
	if a.Weekday() != time.Thursday {
		t.Errorf("31/12/2026 is a %s", a.Weekday())
	}
	if a.BR() != "31/12/2026" || date(2027, time.March, 5).ShortBR() != "05/03" ||
		a.ISO() != "2026-12-31" || a.String() != "2026-12-31" {
		t.Error("formatting is wrong")
	}
	if got, err := ParseISO("2028-02-29"); err != nil || got != date(2028, time.February, 29) {
		t.Errorf("ParseISO = %s, %v", got, err)
	}
	for _, bad := range []string{"2027-02-29", "31/12/2026", "", "2027-13-01"} {
		if _, err := ParseISO(bad); err == nil {
			t.Errorf("ParseISO(%q) accepted", bad)
		}
	}
}
