package billing

import "time"

// AddMonthsAnchored moves from by months (negative goes back) and lands on
// anchorDay, the client's original day of month, clamped to the length of the
// target month. Because the anchor is passed in rather than taken from from,
// a client due on the 31st goes 31/01 -> 28/02 -> 31/03 instead of drifting
// to the 28th forever. anchorDay <= 0 means from.Day.
func AddMonthsAnchored(from Date, months int, anchorDay int) Date {
	if anchorDay <= 0 {
		anchorDay = from.Day
	}
	// Month index counted from year 0, with floor division so negative
	// offsets cross year boundaries correctly.
	idx := from.Year*12 + int(from.Month) - 1 + months
	y := floorDiv(idx, 12)
	m := time.Month(idx-y*12) + 1
	return Date{Year: y, Month: m, Day: min(anchorDay, DaysIn(y, m))}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
