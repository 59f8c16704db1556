// Package billing holds the pure rules of the product: civil dates, money,
// phone numbers, client status and period arithmetic. Nothing here does I/O,
// so bot, scheduler and store share one definition of each rule.
package billing

import (
	"fmt"
	"time"
)

// Date is a civil date: a day in the calendar with no time and no zone.
// Due dates are Dates; an instant becomes a Date only through Today.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Today is the one definition of "today" in the program: the civil date of
// now in the reseller's time zone. Every screen, report and scheduler pass
// calls this with the injected clock's now.
func Today(now time.Time, loc *time.Location) Date {
	return DateOf(now.In(loc))
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// NewDate builds a Date, normalising overflow the way time.Date does
// (e.g. 32/01 becomes 01/02). Use ValidDate to reject such input instead.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// ValidDate reports whether y-m-d names an existing calendar day.
func ValidDate(y int, m time.Month, d int) bool {
	if m < time.January || m > time.December || d < 1 {
		return false
	}
	return d <= DaysIn(y, m)
}

// DaysIn returns the number of days in month m of year y.
func DaysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// IsZero reports whether d is the zero Date (no date set).
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns d plus n days (n may be negative).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// DaysUntil returns the number of days from d to other (negative if other
// is before d).
func (d Date) DaysUntil(other Date) int {
	// Unix seconds rather than time.Sub: Sub saturates at about 292 years,
	// and UTC midnights are exactly 86400 s apart.
	a := d.Time(time.UTC).Unix()
	b := other.Time(time.UTC).Unix()
	return int((b - a) / 86400)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after other.
func (d Date) Compare(other Date) int {
	switch {
	case d.Year != other.Year:
		return cmpInt(d.Year, other.Year)
	case d.Month != other.Month:
		return cmpInt(int(d.Month), int(other.Month))
	default:
		return cmpInt(d.Day, other.Day)
	}
}

// Before reports whether d is before other.
func (d Date) Before(other Date) bool { return d.Compare(other) < 0 }

// After reports whether d is after other.
func (d Date) After(other Date) bool { return d.Compare(other) > 0 }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Time(time.UTC).Weekday() }

// ISO returns d as YYYY-MM-DD, the form stored in the database (it sorts).
func (d Date) ISO() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// String returns the ISO form, for logs.
func (d Date) String() string { return d.ISO() }

// BR returns d as dd/mm/aaaa, the form every user reads.
func (d Date) BR() string {
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// ShortBR returns d as dd/mm.
func (d Date) ShortBR() string {
	return fmt.Sprintf("%02d/%02d", d.Day, int(d.Month))
}

// ParseISO parses YYYY-MM-DD (the stored form).
func ParseISO(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("billing: bad ISO date %q: %w", s, err)
	}
	return DateOf(t), nil
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
