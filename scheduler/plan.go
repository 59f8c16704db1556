package scheduler

import (
	"context"
	"time"

	"renovabot/billing"
	"renovabot/store"
)

// MaxCatchUpDays bounds how many missed days are recorded after downtime:
// their reminders are written as skipped (never sent late), so the
// reseller's history says what was missed; beyond two weeks it is an
// outage the operator knows about, not something to itemise per client.
const MaxCatchUpDays = 14

type jobNeed int

const (
	jobNone  jobNeed = iota // no access or paused: leave the reseller alone
	jobIfDue                // only if the outbox has something due
	jobRun                  // planned today and the day is not closed yet
)

// local returns the reseller's today and the minute of their local day.
func local(now time.Time, loc *time.Location) (billing.Date, int) {
	t := now.In(loc)
	return billing.Today(now, loc), t.Hour()*60 + t.Minute()
}

// plan writes the reseller's reminders for today when the local send time
// has passed and today was not planned yet (or clients changed since). The
// days missed since the last planning are recorded as skipped. It says
// whether the reseller needs a job.
func (s *Scheduler) plan(ctx context.Context, now time.Time, a store.ReminderAccount) (jobNeed, error) {
	today, minute := local(now, a.Reseller.Location())
	set := a.Settings
	t := s.store.Tenant(a.Reseller.ChatID)
	if !a.Reseller.HasAccess(now) || set.Paused {
		// Nothing is owed for the day; marking it keeps a later resume or
		// renewal from recording these days as missed by downtime.
		if minute >= set.SendTime && a.PlannedOn.Before(today) {
			return jobNone, t.Reminders().MarkPlanned(ctx, today)
		}
		return jobNone, nil
	}
	if minute < set.SendTime {
		return jobIfDue, nil
	}
	if a.PlannedOn.Before(today) || a.Replan {
		var days []store.PlanDay
		if !a.PlannedOn.IsZero() {
			from := a.PlannedOn.AddDays(1)
			if limit := today.AddDays(-MaxCatchUpDays); from.Before(limit) {
				from = limit
			}
			for d := from; d.Before(today); d = d.AddDays(1) {
				days = append(days, store.PlanDay{Day: d, Status: store.MsgSkipped, Error: reasonDayMissed})
			}
		}
		day := store.PlanDay{Day: today, Status: store.MsgPending}
		if minute >= set.LatestTime {
			day = store.PlanDay{Day: today, Status: store.MsgSkipped, Error: reasonCutoff(set.LatestTime)}
		}
		n, err := t.Reminders().Plan(ctx, today, set.Stages, append(days, day))
		if err != nil {
			return jobNone, err
		}
		if n > 0 || len(days) > 0 {
			s.log.Info("reminders planned", "chat", a.Reseller.ChatID, "day", today.ISO(), "rows", n, "missed_days", len(days))
		}
		if n > 0 {
			return jobRun, nil // the outbox scan of this tick predates these rows
		}
		a.PlannedOn = today
	}
	if a.PlannedOn == today && a.SummaryOn.Before(today) {
		return jobRun, nil
	}
	return jobIfDue, nil
}
