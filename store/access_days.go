package store

import (
	"time"

	"renovabot/billing"
)

// Access is granted in whole days of the reseller's calendar: "até
// 05/12/2026" means all of 05/12, so access_until is the midnight that
// starts the next day in their time zone. These helpers are the one
// definition of that rule, for the admin's extensions and for the access a
// payment buys (subscriptions.go) alike.

// AccessEnd is the access_until of an access whose last day is last.
func AccessEnd(last billing.Date, loc *time.Location) time.Time { return last.AddDays(1).Time(loc) }

// LastAccessDay is the last civil day with access (zero if no end).
func (r Reseller) LastAccessDay() billing.Date {
	if r.AccessUntil.IsZero() {
		return billing.Date{}
	}
	return billing.DateOf(r.AccessUntil.In(r.Location()).Add(-time.Nanosecond))
}

// ExtensionBase is the day a period of access is added to: the last day of
// a running access with an end, else today (an access that ended, or one
// that never had an end). Time already paid for is never lost.
func (r Reseller) ExtensionBase(now time.Time) billing.Date {
	if r.HasAccess(now) && !r.AccessUntil.IsZero() {
		return r.LastAccessDay()
	}
	return billing.Today(now, r.Location())
}

// PaidExtension is the access r has after paying for months at now: the
// months are added to ExtensionBase, and last is the new last day. An
// access without end keeps it (a payment never shortens access; last is
// zero). Only the end changes for a blocked reseller or one awaiting
// approval (those are admin decisions); anyone else becomes active.
func (r Reseller) PaidExtension(now time.Time, months int) (a Access, last billing.Date) {
	if r.HasAccess(now) && r.AccessUntil.IsZero() {
		return Access{Status: r.Status, AwaitingApproval: r.AwaitingApproval}, billing.Date{}
	}
	last = billing.AddMonthsAnchored(r.ExtensionBase(now), months, 0)
	status := StatusActive
	if r.Status == StatusBlocked {
		status = StatusBlocked
	}
	return Access{Status: status, Until: AccessEnd(last, r.Location()), AwaitingApproval: r.AwaitingApproval}, last
}
