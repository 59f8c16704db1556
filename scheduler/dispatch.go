package scheduler

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"renovabot/billing"
	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/store"
	"renovabot/whatsapp"
)

// How long a reseller's WhatsApp is left alone after it could not send.
// Not linked is re-checked every tick (linking is instant and the check is
// a map lookup); offline waits longer because Send waits up to the
// manager's ConnectWait for a connecting session.
const (
	holdNotLinked = time.Minute
	holdOffline   = 5 * time.Minute
	holdMin       = time.Minute
	// retryRestricted is the wait before the one retry of a reminder its
	// recipient refused (463): time for the client to write back, which
	// gives this number the contact's token.
	retryRestricted = 30 * time.Minute
)

// retryDelay is the wait before attempt n+1 after n failed attempts:
// 2, 4, 8, 16 minutes, at most 30.
func retryDelay(attempts int) time.Duration {
	d := 2 * time.Minute
	for i := 1; i < attempts && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// runReseller is one reseller's job: close what can no longer be sent,
// send what is due, tell the reseller when reminders wait on their
// WhatsApp, and send the day's summary once the day is done. Only one job
// per reseller runs at a time, which is what makes a "sending" row seen
// here a leftover of an interrupted run: in this process by the
// scheduler's own bookkeeping, and across instances sharing a PostgreSQL
// database because only the one holding the active lock runs a scheduler,
// and a new active instance starts only after the former one has stopped
// or died (package leader: its fence). The job holds the reseller's lock
// (store.Tenant.Lock): the erasure of their account waits for it, after
// ending its context, so nothing the job read goes stale before it acts.
func (s *Scheduler) runReseller(ctx context.Context, chatID int64) {
	t := s.store.Tenant(chatID)
	ctx, release, err := t.Lock(ctx)
	if err != nil {
		return // the account is being erased: nobody to work for
	}
	defer release()
	a, err := t.Reminders().Account(ctx, s.cfg.Defaults)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			s.log.Error("reading reseller", "chat", chatID, "err", err)
		}
		return
	}
	now := s.clock.Now()
	if !a.Reseller.HasAccess(now) || a.Settings.Paused {
		return
	}
	loc := a.Reseller.Location()
	today, minute := local(now, loc)
	cutoff := minute >= a.Settings.LatestTime
	if n, err := t.Reminders().Expire(ctx, today, reasonDayMissed, cutoff, reasonCutoff(a.Settings.LatestTime)); err != nil {
		s.logErr(ctx, "closing old reminders", chatID, err)
		return
	} else if n > 0 {
		s.log.Info("reminders not sent in time", "chat", chatID, "rows", n)
	}
	var wait *Waiting
	if !cutoff && !s.held(chatID, now) {
		wait = s.drain(ctx, t, a, today)
	}
	if ctx.Err() != nil {
		return
	}
	if wait != nil && a.NoticeOn.Before(today) {
		s.waitingNotice(ctx, t, today, *wait)
	}
	if a.PlannedOn == today && a.SummaryOn.Before(today) {
		s.summary(ctx, t, today)
	}
}

// drain sends the reseller's due reminders one at a time, in order, until
// none is left, the day's latest time comes, or the WhatsApp cannot send
// (returned, to tell the reseller).
func (s *Scheduler) drain(ctx context.Context, t store.Tenant, a store.ReminderAccount, today billing.Date) *Waiting {
	loc := a.Reseller.Location()
	var after int64
	for ctx.Err() == nil {
		now := s.clock.Now()
		if day, minute := local(now, loc); day != today || minute >= a.Settings.LatestTime {
			return nil // the next job closes what is left
		}
		m, ok, err := t.Reminders().NextOutbox(ctx, now, after)
		if err != nil {
			s.logErr(ctx, "reading the outbox", t.ChatID(), err)
			return nil
		}
		if !ok {
			return nil
		}
		after = m.ID
		if m.SendOn != today {
			continue // another day's: Expire handles it
		}
		wait, stop := s.deliver(ctx, t, today, m)
		if wait != nil || stop {
			return wait
		}
	}
	return nil
}

// deliver sends one reminder. A pending one is rendered now, from the
// client's current data and the reseller's current template and company,
// and claimed with a fresh WhatsApp id before the send; a "sending" one
// (interrupted) is resent as stored, with its id, so the client sees it at
// most once. A reminder with the Pix copia-e-cola goes as two messages, the
// code alone in the second, each with its id chosen and stored at the
// claim: a resend repeats neither.
//
// Why at-least-once with a fixed id, rather than at-most-once: a process
// killed between the send and the "sent" record (a crash, a SIGKILL, the
// active instance of a PostgreSQL pair dying and its standby taking over)
// leaves the row "sending", and nothing can tell whether the message left.
// At-most-once would close such a row unsent and lose a reminder the
// client may never have had, while the reseller's summary counts it;
// resending may repeat it. The id decides: WhatsApp keeps one message per
// (chat, sender, id), so a resend under the stored id is the same message
// to the client, never a second one, and a reminder is neither lost nor
// doubled whatever instant the kill came at: before the claim (pending:
// rendered and claimed by whoever runs next), after it (resent under its
// ids), after the send (the resend is a duplicate of the same id).
func (s *Scheduler) deliver(ctx context.Context, t store.Tenant, today billing.Date, m store.Message) (*Waiting, bool) {
	rem := t.Reminders()
	out := prepared{phone: m.Phone, name: m.ClientName, text: m.Body, pix: m.FollowBody}
	id, followID := m.WAID, m.FollowWAID
	if m.Status == store.MsgPending {
		var skip, fail string
		var err error
		out, skip, fail, err = s.render(ctx, t, today, m)
		switch {
		case err != nil:
			s.logErr(ctx, "preparing a reminder", t.ChatID(), err)
			return nil, true
		case skip != "":
			return nil, s.recordErr(ctx, t, rem.Skipped(bookkeeping(ctx), m.ID, skip))
		case fail != "":
			return nil, s.recordErr(ctx, t, rem.Failed(bookkeeping(ctx), m.ID, fail, false))
		}
		if id == "" {
			id = s.wa.NewMessageID()
		}
		switch {
		case out.pix == "":
			followID = ""
		case followID == "":
			followID = s.wa.NewMessageID()
		}
		claimed, err := rem.Claim(ctx, m.ID, store.ReminderClaim{WAID: id, Phone: out.phone, ClientName: out.name, Body: out.text,
			FollowWAID: followID, FollowBody: out.pix})
		if err != nil {
			s.logErr(ctx, "claiming a reminder", t.ChatID(), err)
			return nil, true
		}
		if !claimed {
			return nil, false // cancelled meanwhile (renewed, paused...)
		}
	}
	check := func(ctx context.Context) error {
		return s.confirm(ctx, t, today, m, id, out, m.Status == store.MsgPending)
	}
	_, err := s.wa.Send(ctx, t.ChatID(), out.phone, out.text, whatsapp.SendOptions{MessageID: id, Check: check,
		Follow: out.pix, FollowID: followID})
	return s.record(ctx, t, today, m, err)
}

// errChangedMeanwhile stops a send whose reminder confirm cancelled.
var errChangedMeanwhile = errors.New("scheduler: reminder cancelled by a change while it waited to be sent")

// confirm is the last check of a claimed reminder, right before it leaves.
// Between the claim and that moment Send waits the pacing gap and the
// typing presence (20 seconds and more), and a renewal, edit, pause or
// delete meanwhile cancels only pending rows. The row must still be this
// send with its client and reminders as claimed (Reminders.Recheck). A
// reminder rendered for this send (rendered) must also still read as
// claimed: a changed client, template or company cancels it, and the next
// tick plans it again with the new text when it is still owed. A row left
// "sending" by a crash keeps its stored text: it may have reached the
// client already, under the same id.
func (s *Scheduler) confirm(ctx context.Context, t store.Tenant, today billing.Date, m store.Message, id string, out prepared, rendered bool) error {
	rem := t.Reminders()
	ok, err := rem.Recheck(ctx, m.ID, id)
	if err != nil {
		return err
	}
	if !ok {
		return errChangedMeanwhile
	}
	if !rendered {
		return nil
	}
	now, skip, fail, err := s.render(ctx, t, today, m)
	if err != nil {
		return err
	}
	if skip == "" && fail == "" && now == out {
		return nil
	}
	if err := rem.CancelSending(ctx, m.ID, id, store.CancelTextChanged); err != nil {
		return err
	}
	return errChangedMeanwhile
}

// prepared is a reminder ready to go: to whom and what (pix: the Pix
// copia-e-cola, sent alone right after text; "" for none).
type prepared struct{ phone, name, text, pix string }

// render builds the text of a pending reminder. skip or fail carry the
// reason when it must not be sent; err is a store failure.
func (s *Scheduler) render(ctx context.Context, t store.Tenant, today billing.Date, m store.Message) (p prepared, skip, fail string, err error) {
	kind := msgtemplate.Kind(m.Kind)
	src, err := t.Clients().MessageSources(ctx, m.ClientID, kind) // the client, template and company at once
	if errors.Is(err, store.ErrNotFound) {
		return p, reasonClientGone, "", nil
	}
	if err != nil {
		return p, "", "", err
	}
	c, tpl, co := src.Client, src.Template, src.Company
	if c.Paused {
		return p, reasonClientPaused, "", nil
	}
	if c.Due != m.DueDate {
		return p, reasonDueChanged, "", nil
	}
	if !kind.Valid() {
		return p, "", reasonTemplateBroken(kind), nil
	}
	if !tpl.Enabled {
		return p, reasonTemplateOff(kind), "", nil
	}
	msg, err := compose.Render(tpl.Body, c, co, today)
	switch {
	case err != nil:
		return p, "", reasonTemplateBroken(kind), nil
	case len(msg.Missing) > 0:
		// Nothing automatic goes out with a blank in it (a welcome without
		// the company's name, a charge without the Pix code): the reseller
		// is told what to fill in.
		return p, "", "Não enviado: " + compose.BlankReason(msg.Missing, co), nil
	case strings.TrimSpace(msg.Text) == "":
		return p, "", reasonTemplateEmpty(kind), nil
	}
	return prepared{phone: c.Phone, name: c.Name, text: msg.Text, pix: msg.Pix}, "", "", nil
}

// record writes the outcome of a send. It returns a Waiting when the
// reseller's WhatsApp cannot send now, and stop when the drain must end.
func (s *Scheduler) record(ctx context.Context, t store.Tenant, today billing.Date, m store.Message, sendErr error) (*Waiting, bool) {
	rem := t.Reminders()
	bctx := bookkeeping(ctx)
	now := s.clock.Now()
	chatID := t.ChatID()
	var ban *whatsapp.TempBanError
	var capErr *whatsapp.DailyCapError
	var rl *whatsapp.RateLimitedError
	switch {
	case sendErr == nil:
		return nil, s.recordErr(ctx, t, rem.Sent(bctx, m.ID))
	case errors.Is(sendErr, errChangedMeanwhile):
		// Nothing left; the row is already "cancelled" with the reason.
		s.log.Info("reminder cancelled before it left", "chat", chatID, "message", m.ID)
		return nil, false
	case ctx.Err() != nil, errors.Is(sendErr, context.Canceled), errors.Is(sendErr, whatsapp.ErrClosed):
		// Stopping: the row stays "sending" and is resent with its id.
		return nil, true
	case whatsapp.IsPermanent(sendErr):
		return nil, s.recordErr(ctx, t, rem.Failed(bctx, m.ID, reasonFor(sendErr), true))
	case errors.Is(sendErr, whatsapp.ErrNotLinked):
		s.wait(ctx, t, today, m, reasonNotLinked, now.Add(holdNotLinked))
		return &Waiting{Reason: WaitNotLinked}, true
	case errors.As(sendErr, &ban):
		s.wait(ctx, t, today, m, reasonBanned, later(ban.Until, now.Add(holdMin)))
		return &Waiting{Reason: WaitBanned, Until: ban.Until}, true
	case errors.Is(sendErr, whatsapp.ErrNotConnected), errors.Is(sendErr, whatsapp.ErrStreamReplaced),
		errors.Is(sendErr, whatsapp.ErrClientOutdated):
		s.wait(ctx, t, today, m, reasonOffline, now.Add(holdOffline))
		return &Waiting{Reason: WaitOffline}, true
	case errors.As(sendErr, &capErr):
		// Nothing more leaves this number today: say so on every row left.
		reason := reasonDailyCap(capErr.Limit)
		s.holdUntil(chatID, later(capErr.ResetAt, now.Add(holdMin)))
		s.recordErr(ctx, t, rem.Skipped(bctx, m.ID, reason))
		if _, err := rem.SkipOpen(bctx, today, reason); err != nil {
			s.logErr(ctx, "closing reminders after the daily cap", chatID, err)
		}
		return nil, true
	case errors.As(sendErr, &rl):
		at := later(rl.Until, now.Add(retryDelay(m.Attempts+1)))
		if m.Attempts+1 >= s.cfg.MaxAttempts {
			return nil, s.recordErr(ctx, t, rem.Failed(bctx, m.ID, reasonGaveUp(m.Attempts+1, reasonFor(sendErr)), true))
		}
		s.recordErr(ctx, t, rem.Retry(bctx, m.ID, at, reasonFor(sendErr)))
		// The reach-out lock only blocks contacts who never wrote to the
		// reseller: the next client may go through. A general rate limit
		// stops this reseller until it ends.
		if !rl.Reachout {
			s.holdUntil(chatID, at)
			return nil, true
		}
		return nil, false
	case errors.Is(sendErr, whatsapp.ErrRecipientRestricted):
		// This one recipient refused (463, not an account lock: that is
		// the case above). Tried once more later, then failed with the
		// reason; the next client goes on.
		if m.Error == reasonRestrictedRetry || m.Attempts+1 >= s.cfg.MaxAttempts {
			return nil, s.recordErr(ctx, t, rem.Failed(bctx, m.ID, reasonRestricted, true))
		}
		return nil, s.recordErr(ctx, t, rem.Retry(bctx, m.ID, now.Add(retryRestricted), reasonRestrictedRetry))
	default:
		// Network, timeout, server error: this message again later.
		s.log.Warn("reminder send failed, will retry", "chat", chatID, "message", m.ID, "attempt", m.Attempts+1, "err", sendErr)
		if m.Attempts+1 >= s.cfg.MaxAttempts {
			return nil, s.recordErr(ctx, t, rem.Failed(bctx, m.ID, reasonGaveUp(m.Attempts+1, reasonTransient), true))
		}
		return nil, s.recordErr(ctx, t, rem.Retry(bctx, m.ID, now.Add(retryDelay(m.Attempts+1)), reasonTransient))
	}
}

// wait puts the reminder back in the outbox, notes the reason on every
// reminder of the day that waits with it, and leaves the reseller's
// WhatsApp alone until until.
func (s *Scheduler) wait(ctx context.Context, t store.Tenant, today billing.Date, m store.Message, reason string, until time.Time) {
	s.holdUntil(t.ChatID(), until)
	bctx := bookkeeping(ctx)
	if !s.recordErr(ctx, t, t.Reminders().Wait(bctx, m.ID, reason)) {
		s.recordErr(ctx, t, t.Reminders().NoteWaiting(bctx, today, reason))
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// bookkeeping is the context of writes that record what already happened:
// a send that went out must be recorded even when a stop is under way.
func bookkeeping(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

// recordErr logs a failed bookkeeping write and says the drain must stop.
func (s *Scheduler) recordErr(ctx context.Context, t store.Tenant, err error) bool {
	if err != nil {
		s.logErr(ctx, "recording a reminder", t.ChatID(), err)
		return true
	}
	return false
}

func (s *Scheduler) logErr(ctx context.Context, what string, chatID int64, err error) {
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error(what, "chat", chatID, "err", err)
}

// waitingNotice tells the reseller, once a day, how many of today's
// reminders wait on their WhatsApp.
func (s *Scheduler) waitingNotice(ctx context.Context, t store.Tenant, today billing.Date, w Waiting) {
	n, err := t.Reminders().OpenOn(ctx, today)
	if err != nil || n == 0 {
		if err != nil {
			s.logErr(ctx, "counting waiting reminders", t.ChatID(), err)
		}
		return
	}
	w.Count = n
	if err := s.notify.RemindersWaiting(ctx, t.ChatID(), w); err != nil {
		s.logErr(ctx, "telling the reseller reminders wait", t.ChatID(), err)
		return
	}
	if err := t.Reminders().MarkWaitingNotice(bookkeeping(ctx), today); err != nil {
		s.logErr(ctx, "recording the waiting notice", t.ChatID(), err)
	}
}

// summary sends the day's summary once nothing of today is left to send.
func (s *Scheduler) summary(ctx context.Context, t store.Tenant, today billing.Date) {
	rep, err := t.Reminders().Day(ctx, today, SummaryListLimit)
	if err != nil {
		s.logErr(ctx, "reading the day's reminders", t.ChatID(), err)
		return
	}
	if rep.Open > 0 {
		return
	}
	sum, err := t.Clients().Summary(ctx, today)
	if err != nil {
		s.logErr(ctx, "reading the client summary", t.ChatID(), err)
		return
	}
	// A reseller with nothing due and no reminders gets no daily message.
	if rep.Planned > 0 || sum.DueToday > 0 || sum.Overdue > 0 {
		ds := DaySummary{
			Day: today, Sent: rep.Sent, Failed: rep.Failed, Skipped: rep.Skipped,
			FailedList: problems(rep.FailedList), SkippedList: problems(rep.SkippedList), SkippedWhy: skipReasons(rep.SkippedWhy),
			DueToday: sum.DueToday, DueTodayAmount: sum.DueTodayAmount, Overdue: sum.Overdue, OverdueAmount: sum.OverdueAmount,
		}
		if err := s.notify.DailySummary(ctx, t.ChatID(), ds); err != nil {
			s.logErr(ctx, "sending the daily summary", t.ChatID(), err)
			return
		}
	}
	if err := t.Reminders().MarkSummarySent(bookkeeping(ctx), today); err != nil {
		s.logErr(ctx, "recording the daily summary", t.ChatID(), err)
	}
}

// skipReasons groups the store's (reason, stage) counts by reason, keeping
// the store's order (the largest group first), stages most urgent first.
func skipReasons(groups []store.SkipGroup) []SkipReason {
	var out []SkipReason
	at := map[string]int{}
	for _, g := range groups {
		i, ok := at[g.Reason]
		if !ok {
			i = len(out)
			at[g.Reason] = i
			out = append(out, SkipReason{Reason: g.Reason})
		}
		out[i].Count += g.Count
		out[i].Stages = append(out[i].Stages, StageCount{Stage: g.Stage, Count: g.Count})
	}
	for i := range out {
		slices.SortFunc(out[i].Stages, func(a, b StageCount) int { return cmp.Compare(b.Stage, a.Stage) })
	}
	slices.SortStableFunc(out, func(a, b SkipReason) int { return cmp.Compare(b.Count, a.Count) })
	return out
}

func problems(list []store.Message) []Problem {
	out := make([]Problem, len(list))
	for i, m := range list {
		out[i] = Problem{ClientID: m.ClientID, Name: m.ClientName, Stage: m.Stage, Reason: m.Error}
	}
	return out
}

// adminDigest sends the admins' line about yesterday at the first tick
// after AdminTime: by then every Brazilian time zone's day is over.
func (s *Scheduler) adminDigest(ctx context.Context, now time.Time) error {
	if !s.cfg.AdminDigest {
		return nil
	}
	today, minute := local(now, s.cfg.AdminLocation)
	if minute < s.cfg.AdminTime {
		return nil
	}
	const key = "admin_digest_on"
	last, err := s.store.SchedulerMark(ctx, key)
	if err != nil {
		return err
	}
	if last >= today.ISO() {
		return nil
	}
	day := today.AddDays(-1)
	tot, err := s.store.SchedulerTotals(ctx, day)
	if err != nil {
		return err
	}
	if err := s.notify.AdminDigest(ctx, AdminDay{Day: day, Resellers: tot.Resellers, Sent: tot.Sent, Failed: tot.Failed,
		Skipped: tot.Skipped, Open: tot.Open}); err != nil {
		return err
	}
	return s.store.SetSchedulerMark(bookkeeping(ctx), key, today.ISO())
}
