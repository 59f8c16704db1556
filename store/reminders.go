package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renovabot/billing"
	"renovabot/msgtemplate"
)

// Automatic reminders: each reseller's settings (reminder_settings) and the
// outbox operations the scheduler runs on the messages table. Everything
// here is reached through a Tenant; the queries over all resellers the
// scheduler needs live in scheduler.go.

// ReminderStage is one automatic reminder of a billing cycle: Offset days
// from the due date (-2 before, 0 on the day, +1 after), with the template
// of Kind.
type ReminderStage struct {
	Offset int
	Kind   msgtemplate.Kind
}

// DefaultStages gives each offset its default kind.
func DefaultStages(offsets []int) []ReminderStage {
	out := make([]ReminderStage, len(offsets))
	for i, o := range offsets {
		out[i] = ReminderStage{Offset: o, Kind: msgtemplate.KindForStage(o)}
	}
	return out
}

// StageOffsets returns the offsets of stages, in order.
func StageOffsets(stages []ReminderStage) []int {
	out := make([]int, len(stages))
	for i, s := range stages {
		out[i] = s.Offset
	}
	return out
}

// encodeStages stores stages as "-2:lembrete,0:vence_hoje,1:vencido".
func encodeStages(stages []ReminderStage) string {
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = strconv.Itoa(s.Offset) + ":" + string(s.Kind)
	}
	return strings.Join(parts, ",")
}

func decodeStages(s string) ([]ReminderStage, error) {
	var out []ReminderStage
	for _, part := range strings.Split(s, ",") {
		off, kind, ok := strings.Cut(part, ":")
		n, err := strconv.Atoi(off)
		if !ok || err != nil || !msgtemplate.ValidStageKind(msgtemplate.Kind(kind)) {
			return nil, fmt.Errorf("store: bad stored reminder stages %q", s)
		}
		out = append(out, ReminderStage{Offset: n, Kind: msgtemplate.Kind(kind)})
	}
	return out, nil
}

// ReminderDefaults are the settings of a reseller who never changed them
// (from the scheduler.default_* configuration).
type ReminderDefaults struct {
	SendTime   int // minutes after local midnight
	LatestTime int
	Stages     []ReminderStage
}

// BuiltinReminderDefaults are the product's defaults: 09:00, until 21:00,
// two days before, on the day and one day after.
func BuiltinReminderDefaults() ReminderDefaults {
	return ReminderDefaults{SendTime: 9 * 60, LatestTime: 21 * 60, Stages: DefaultStages([]int{-2, 0, 1})}
}

// ReminderSettings are a reseller's automatic reminder settings.
type ReminderSettings struct {
	// SendTime is when, in minutes after the reseller's local midnight, the
	// day's reminders are planned and start going out.
	SendTime int
	// LatestTime is the minute from which nothing more is sent that day.
	LatestTime int
	Stages     []ReminderStage
	// Paused stops every automatic reminder of the reseller.
	Paused bool
}

// Stage returns the stage with this offset.
func (s ReminderSettings) Stage(offset int) (ReminderStage, bool) {
	for _, st := range s.Stages {
		if st.Offset == offset {
			return st, true
		}
	}
	return ReminderStage{}, false
}

// ReminderAccount is what the scheduler needs to know about one reseller:
// the account (access, time zone), the settings (defaults applied) and its
// bookkeeping. The dates are the reseller's local days; zero when never.
type ReminderAccount struct {
	Reseller  Reseller
	Settings  ReminderSettings
	PlannedOn billing.Date // last day whose reminders were planned
	Replan    bool         // clients or settings changed since: plan today again
	SummaryOn billing.Date // last day the daily summary went out
	NoticeOn  billing.Date // last day "N lembretes aguardando" went out
}

// reminderJoin reads a reseller with its settings row, which may not exist.
// The reseller columns come from resellerCols, so a column added to
// resellers cannot desynchronise this query from scanReseller.
var reminderJoin = `SELECT ` + qualify("r", resellerCols) + `, s.send_time, s.latest_time, s.stages, COALESCE(s.paused, 0),
		COALESCE(s.planned_on, ''), COALESCE(s.replan, 0), COALESCE(s.summary_on, ''), COALESCE(s.waiting_notice_on, '')
	FROM resellers r LEFT JOIN reminder_settings s ON s.reseller_id = r.chat_id `

// extraScanner lets scanReseller read the leading columns of a wider row.
type extraScanner struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

func scanReminderAccount(row interface{ Scan(...any) error }, def ReminderDefaults) (ReminderAccount, error) {
	var a ReminderAccount
	var send, latest sql.NullInt64
	var stages sql.NullString
	var planned, summary, notice string
	r, err := scanReseller(extraScanner{row, []any{&send, &latest, &stages, &a.Settings.Paused, &planned, &a.Replan, &summary, &notice}})
	if err != nil {
		return ReminderAccount{}, err
	}
	a.Reseller = r
	a.Settings.SendTime, a.Settings.LatestTime, a.Settings.Stages = def.SendTime, def.LatestTime, def.Stages
	if send.Valid {
		a.Settings.SendTime = int(send.Int64)
	}
	if latest.Valid {
		a.Settings.LatestTime = int(latest.Int64)
	}
	if stages.Valid {
		if a.Settings.Stages, err = decodeStages(stages.String); err != nil {
			return ReminderAccount{}, err
		}
	}
	a.PlannedOn, a.SummaryOn, a.NoticeOn = optDate(planned), optDate(summary), optDate(notice)
	return a, nil
}

// optDate parses a stored day, "" (never) as the zero Date.
func optDate(s string) billing.Date {
	d, _ := billing.ParseISO(s)
	return d
}

// Reminders is the tenant's automatic reminder settings and outbox.
type Reminders struct{ t Tenant }

// Reminders returns the tenant's automatic reminders.
func (t Tenant) Reminders() Reminders { return Reminders{t} }

// Account returns the tenant's reseller row, settings (def where never
// set) and scheduler bookkeeping. ErrNotFound for an unknown chat.
func (r Reminders) Account(ctx context.Context, def ReminderDefaults) (ReminderAccount, error) {
	return scanReminderAccount(r.t.s.read.QueryRowContext(ctx, reminderJoin+`WHERE r.chat_id = ?`, r.t.chatID), def)
}

// Settings returns the tenant's settings, def where never set.
func (r Reminders) Settings(ctx context.Context, def ReminderDefaults) (ReminderSettings, error) {
	a, err := r.Account(ctx, def)
	return a.Settings, err
}

// update runs fn in a write transaction after making sure the tenant has a
// settings row. ErrNotFound if the reseller does not exist.
func (r Reminders) update(ctx context.Context, fn func(tx *sql.Tx, now int64) error) error {
	return r.t.s.tx(ctx, func(tx *sql.Tx) error {
		now := unix(r.t.s.now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO reminder_settings (reseller_id, updated_at) VALUES (?, ?)
			ON CONFLICT (reseller_id) DO NOTHING`, r.t.chatID, now); err != nil {
			return fkErr(err, "reminder settings")
		}
		return fn(tx, now)
	})
}

func (r Reminders) setColumn(ctx context.Context, col string, v any) error {
	return r.update(ctx, func(tx *sql.Tx, now int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET `+col+` = ?, updated_at = ? WHERE reseller_id = ?`, v, now, r.t.chatID)
		return err
	})
}

// SetSendTime sets when (minutes after local midnight) reminders go out.
// The caller checks it is before the latest time.
func (r Reminders) SetSendTime(ctx context.Context, minutes int) error {
	return r.setColumn(ctx, "send_time", minutes)
}

// SetLatestTime sets the minute from which nothing is sent that day.
func (r Reminders) SetLatestTime(ctx context.Context, minutes int) error {
	return r.setColumn(ctx, "latest_time", minutes)
}

// SetStages replaces the stages. Pending reminders of a stage that is gone
// are cancelled and those of a kept stage take its (maybe new) kind, in the
// same transaction; the next tick plans what the new stages add for today.
func (r Reminders) SetStages(ctx context.Context, stages []ReminderStage) error {
	if len(stages) == 0 {
		return fmt.Errorf("store: no reminder stages")
	}
	return r.update(ctx, func(tx *sql.Tx, now int64) error {
		if _, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET stages = ?, replan = 1, updated_at = ? WHERE reseller_id = ?`,
			encodeStages(stages), now, r.t.chatID); err != nil {
			return err
		}
		keep := make([]string, len(stages))
		for i, s := range stages {
			keep[i] = strconv.Itoa(s.Offset)
			if _, err := tx.ExecContext(ctx, `UPDATE messages SET kind = ?, updated_at = ?
				WHERE status = 'pending' AND reseller_id = ? AND origin = 'auto' AND stage = ?`, string(s.Kind), now, r.t.chatID, s.Offset); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'cancelled', error = ?, next_try_at = NULL, updated_at = ?
			WHERE status = 'pending' AND reseller_id = ? AND origin = 'auto' AND stage NOT IN (`+strings.Join(keep, ",")+`)`,
			CancelStageRemoved, now, r.t.chatID)
		return err
	})
}

// SetPaused pauses or resumes every automatic reminder of the tenant.
// Pausing cancels the pending ones in the same transaction; resuming lets
// the next tick plan today's again. once is the token of the screen whose
// button asked for it (empty: none), spent with it: ErrSpent if it
// already was.
func (r Reminders) SetPaused(ctx context.Context, paused bool, once string) error {
	return r.update(ctx, func(tx *sql.Tx, now int64) error {
		if err := spendOnce(ctx, tx, r.t.chatID, once, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET paused = ?, replan = 1, updated_at = ? WHERE reseller_id = ?`,
			paused, now, r.t.chatID); err != nil {
			return err
		}
		if !paused {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'cancelled', error = ?, next_try_at = NULL, updated_at = ?
			WHERE status = 'pending' AND reseller_id = ? AND origin = 'auto'`, CancelResellerPaused, now, r.t.chatID)
		return err
	})
}

// SetTimezone changes the reseller's time zone (an IANA name the caller
// validated). "Today" moves with it, so the next tick plans again.
func (a Accounts) SetTimezone(ctx context.Context, name string) error {
	return a.t.s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE resellers SET timezone = ? WHERE chat_id = ?`, name, a.t.chatID)
		if err != nil {
			return fmt.Errorf("store: set timezone: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return markReplan(ctx, tx, a.t.chatID)
	})
}

// Reasons written on reminders cancelled by a change (pt-BR: the client
// card's history shows them).
const (
	CancelRenewed        = "Cancelado: cliente renovado."
	CancelDueChanged     = "Cancelado: vencimento alterado."
	CancelClientPaused   = "Cancelado: lembretes do cliente pausados."
	CancelClientDeleted  = "Cancelado: cliente excluído."
	CancelRenewalUndone  = "Cancelado: renovação desfeita."
	CancelResellerPaused = "Cancelado: lembretes automáticos pausados."
	CancelStageRemoved   = "Cancelado: etapa removida das configurações."
	CancelPhoneChanged   = "Cancelado: WhatsApp do cliente alterado."
	CancelTextChanged    = "Cancelado: a mensagem mudou enquanto esperava o envio (cliente, modelo ou dados da empresa)."
)

// markReplan asks the next tick to plan the reseller's today again (a
// client or a setting changed). No settings row: never planned, so the
// tick plans anyway.
func markReplan(ctx context.Context, tx *sql.Tx, chatID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET replan = 1 WHERE reseller_id = ? AND replan = 0`, chatID)
	if err != nil {
		return fmt.Errorf("store: mark replan: %w", err)
	}
	return nil
}

// clientChanged runs inside the transaction of a client change: the
// client's pending reminders are cancelled with reason (when reason is
// not empty) and today is planned again on the next tick.
func clientChanged(ctx context.Context, tx *sql.Tx, chatID, clientID int64, reason string, now int64) error {
	if reason != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'cancelled', error = ?, next_try_at = NULL, updated_at = ?
			WHERE reseller_id = ? AND client_id = ? AND origin = 'auto' AND status = 'pending'`, reason, now, chatID, clientID); err != nil {
			return fmt.Errorf("store: cancel reminders: %w", err)
		}
	}
	return markReplan(ctx, tx, chatID)
}

// ---- planning ----

// PlanDay is one day of reminders to write into the outbox.
type PlanDay struct {
	Day    billing.Date
	Status MessageStatus // pending; skipped for a day that can no longer be sent
	Error  string        // the reason, for skipped
}

// Plan writes, in one transaction, one reminder per (client, stage, due
// date) for every day in days: for each stage s, the tenant's clients with
// reminders on (not paused) whose due date is day - s. The UNIQUE key makes
// it idempotent; a reminder cancelled earlier (a client paused and resumed,
// a renewal undone) comes back with the new status. The tenant is then
// marked as planned for today. It returns how many rows were written.
//
// The work is done by SQLite, one indexed INSERT ... SELECT per day and
// stage, so memory does not depend on the number of clients.
func (r Reminders) Plan(ctx context.Context, today billing.Date, stages []ReminderStage, days []PlanDay) (int64, error) {
	var total int64
	err := r.t.s.tx(ctx, func(tx *sql.Tx) error {
		total = 0
		now := unix(r.t.s.now())
		for _, d := range days {
			for _, st := range stages {
				res, err := tx.ExecContext(ctx, `INSERT INTO messages (reseller_id, client_id, client_name, phone, kind, origin,
						stage, due_date, send_on, status, error, created_at, updated_at)
					SELECT c.reseller_id, c.id, c.name, c.phone, ?1, 'auto', ?2, c.due_date, ?3, ?4, ?5, ?6, ?6
					FROM clients c WHERE c.reseller_id = ?7 AND c.due_date = ?8 AND c.paused = 0
					ON CONFLICT (client_id, stage, due_date) WHERE origin = 'auto' DO UPDATE SET
						status = excluded.status, error = excluded.error, kind = excluded.kind, client_name = excluded.client_name,
						phone = excluded.phone, next_try_at = NULL, updated_at = excluded.updated_at
					WHERE messages.status = 'cancelled'`,
					string(st.Kind), st.Offset, d.Day.ISO(), d.Status, d.Error, now, r.t.chatID, d.Day.AddDays(-st.Offset).ISO())
				if err != nil {
					return fmt.Errorf("store: plan reminders: %w", err)
				}
				n, _ := res.RowsAffected()
				total += n
			}
		}
		return r.markPlanned(ctx, tx, today, now)
	})
	return total, err
}

// MarkPlanned records today as planned without writing reminders (a
// paused reseller, or one without access: nothing is owed for the day).
func (r Reminders) MarkPlanned(ctx context.Context, today billing.Date) error {
	return r.t.s.tx(ctx, func(tx *sql.Tx) error { return r.markPlanned(ctx, tx, today, unix(r.t.s.now())) })
}

func (r Reminders) markPlanned(ctx context.Context, tx *sql.Tx, today billing.Date, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reminder_settings (reseller_id, planned_on, replan, updated_at) VALUES (?, ?, 0, ?)
		ON CONFLICT (reseller_id) DO UPDATE SET planned_on = excluded.planned_on, replan = 0`, r.t.chatID, today.ISO(), now)
	if err != nil {
		return fkErr(err, "mark planned")
	}
	return nil
}

// MarkSummarySent records that day's summary as delivered.
func (r Reminders) MarkSummarySent(ctx context.Context, day billing.Date) error {
	return r.update(ctx, func(tx *sql.Tx, _ int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET summary_on = ? WHERE reseller_id = ?`, day.ISO(), r.t.chatID)
		return err
	})
}

// MarkWaitingNotice records that day's "reminders waiting" notice.
func (r Reminders) MarkWaitingNotice(ctx context.Context, day billing.Date) error {
	return r.update(ctx, func(tx *sql.Tx, _ int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET waiting_notice_on = ? WHERE reseller_id = ?`, day.ISO(), r.t.chatID)
		return err
	})
}

// ---- outbox ----

// Expire closes reminders that can no longer go out: those of a day before
// today (reason dayPassed), and, when cutoff is set, today's too (reason
// cutoffReason). A reason is put before the error the row already had (why
// it was waiting). Rows being sent right now are not touched by a live
// dispatcher: the scheduler calls this only from the tenant's own job.
func (r Reminders) Expire(ctx context.Context, today billing.Date, dayPassed string, cutoff bool, cutoffReason string) (int64, error) {
	var total int64
	err := r.t.s.tx(ctx, func(tx *sql.Tx) error {
		total = 0
		now := unix(r.t.s.now())
		run := func(cond, reason string) error {
			res, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'skipped',
					error = CASE WHEN error = '' THEN ?1 ELSE ?1 || ' ' || error END, next_try_at = NULL, updated_at = ?2
				WHERE status IN ('pending', 'sending') AND reseller_id = ?3 AND origin = 'auto' AND send_on `+cond+` ?4`,
				reason, now, r.t.chatID, today.ISO())
			if err != nil {
				return fmt.Errorf("store: expire reminders: %w", err)
			}
			n, _ := res.RowsAffected()
			total += n
			return nil
		}
		if err := run("<", dayPassed); err != nil {
			return err
		}
		if cutoff {
			return run("=", cutoffReason)
		}
		return nil
	})
	return total, err
}

// NextOutbox returns the tenant's next reminder that is due at now:
// pending (and not waiting for a retry later) or left "sending" by a crash.
// ok is false when there is none.
//
// The outbox goes most urgent first: the largest stage first (overdue,
// then due today, then before the due date, the nearest first), in the
// order planned within a stage; so when the daily cap closes the day, what
// it holds back is what could best wait. afterID is the row returned last
// (0 to start): the next one comes after it in that order, so a row left
// in the outbox (another day's) is not returned again in one pass.
func (r Reminders) NextOutbox(ctx context.Context, now time.Time, afterID int64) (Message, bool, error) {
	// The messages_outbox_urgency index walks (reseller, -stage, id); the
	// bound on -stage is what lets SQLite seek instead of scanning the
	// outbox from its start on every call.
	query, args := `SELECT `+messageCols+` FROM messages
		WHERE status IN ('pending', 'sending') AND reseller_id = ?1 AND origin = 'auto'
			AND (next_try_at IS NULL OR next_try_at <= ?2)`, []any{r.t.chatID, unix(now)}
	if afterID != 0 {
		query += ` AND -stage >= (SELECT -stage FROM messages WHERE id = ?3)
			AND (-stage > (SELECT -stage FROM messages WHERE id = ?3) OR id > ?3)`
		args = append(args, afterID)
	}
	m, err := scanMessage(r.t.s.read.QueryRowContext(ctx, query+` ORDER BY -stage, id LIMIT 1`, args...))
	if err == ErrNotFound {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, fmt.Errorf("store: next reminder: %w", err)
	}
	return m, true, nil
}

// ReminderClaim is what a reminder goes out with, fixed before the send.
type ReminderClaim struct {
	WAID       string // the WhatsApp message id, chosen before sending
	Phone      string
	ClientName string
	Body       string
	// FollowWAID and FollowBody are the second message sent right after
	// Body (the Pix copia-e-cola on its own); "" for none.
	FollowWAID string
	FollowBody string
}

// Claim marks a pending reminder as being sent, with the WhatsApp message
// ids chosen before sending and the texts and number it goes out with. A
// crash after this resends the same ids. false when the row is no longer
// pending (cancelled meanwhile).
func (r Reminders) Claim(ctx context.Context, id int64, c ReminderClaim) (bool, error) {
	res, err := r.t.s.write.ExecContext(ctx, `UPDATE messages SET status = 'sending', wa_id = ?, phone = ?, client_name = ?, body = ?,
			follow_wa_id = ?, follow_body = ?, updated_at = ? WHERE reseller_id = ? AND id = ? AND status = 'pending'`,
		c.WAID, c.Phone, c.ClientName, c.Body, c.FollowWAID, c.FollowBody, unix(r.t.s.now()), r.t.chatID, id)
	if err != nil {
		return false, fmt.Errorf("store: claim reminder: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Recheck confirms, immediately before it leaves, a reminder claimed with
// waID: the send waits the pacing gap and the typing presence after Claim,
// and changes made meanwhile (which cancel only pending rows) must stop
// it. It is still to go when the row is still this send (status sending,
// this WhatsApp id), its client still exists with the due date and number
// it was claimed for and reminders on, and the reseller's reminders are not
// paused. Otherwise the row is cancelled with the reason, the next tick is
// asked to plan what the new state calls for (a changed number gets its
// reminder again), and ok is false. A row already closed by someone else
// is left as it is (ok false). The usual answer, nothing changed, is one
// read: no write lock is taken for it. What the text says is the caller's
// to compare (see CancelSending).
func (r Reminders) Recheck(ctx context.Context, id int64, waID string) (ok bool, err error) {
	var status MessageStatus
	var rowWA, rowDue, rowPhone, clientDue, clientPhone string
	var clientExists, clientPaused, resellerPaused, renewed bool
	err = r.t.s.read.QueryRowContext(ctx, `SELECT m.status, m.wa_id, COALESCE(m.due_date, ''), m.phone,
			c.id IS NOT NULL, COALESCE(c.paused, 0), COALESCE(c.due_date, ''), COALESCE(c.phone, ''),
			COALESCE(s.paused, 0),
			EXISTS (SELECT 1 FROM payments p WHERE p.reseller_id = m.reseller_id AND p.client_id = m.client_id
				AND p.prev_due = m.due_date AND p.undone_at IS NULL)
		FROM messages m
		LEFT JOIN clients c ON c.id = m.client_id AND c.reseller_id = m.reseller_id
		LEFT JOIN reminder_settings s ON s.reseller_id = m.reseller_id
		WHERE m.reseller_id = ? AND m.id = ? AND m.origin = 'auto'`, r.t.chatID, id).
		Scan(&status, &rowWA, &rowDue, &rowPhone, &clientExists, &clientPaused, &clientDue, &clientPhone, &resellerPaused, &renewed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // gone with its reseller
	}
	if err != nil {
		return false, fmt.Errorf("store: recheck reminder: %w", err)
	}
	if status != MsgSending || rowWA != waID {
		return false, nil
	}
	var reason string
	switch {
	case !clientExists:
		reason = CancelClientDeleted
	case clientDue != rowDue && renewed:
		reason = CancelRenewed
	case clientDue != rowDue:
		reason = CancelDueChanged
	case clientPaused:
		reason = CancelClientPaused
	case resellerPaused:
		reason = CancelResellerPaused
	case clientPhone != rowPhone:
		reason = CancelPhoneChanged
	default:
		return true, nil
	}
	return false, r.CancelSending(ctx, id, waID, reason)
}

// CancelSending cancels a reminder claimed with waID that must not leave
// (something changed while it waited), with the reason, and asks the next
// tick to plan what the new state calls for: a reminder still owed (its
// client's number or text changed) is planned again and goes with the new
// data. A row no longer "sending" with waID is not touched.
func (r Reminders) CancelSending(ctx context.Context, id int64, waID, reason string) error {
	return r.t.s.tx(ctx, func(tx *sql.Tx) error {
		now := unix(r.t.s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'cancelled', error = ?, next_try_at = NULL, updated_at = ?
			WHERE reseller_id = ? AND id = ? AND status = 'sending' AND wa_id = ?`, reason, now, r.t.chatID, id, waID); err != nil {
			return fmt.Errorf("store: cancel reminder: %w", err)
		}
		return markReplan(ctx, tx, r.t.chatID)
	})
}

// Sent records a successful send. A receipt may already have moved the
// row past "sent"; it keeps that status.
func (r Reminders) Sent(ctx context.Context, id int64) error {
	now := unix(r.t.s.now())
	return r.outcome(ctx, `status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END, attempts = attempts + 1,
		error = '', next_try_at = NULL, sent_at = ?, updated_at = ?`, []any{now, now}, id, `'sending', 'delivered', 'read'`)
}

// Failed closes a reminder that cannot be sent, with the reason.
func (r Reminders) Failed(ctx context.Context, id int64, reason string, attempted bool) error {
	return r.close(ctx, id, MsgFailed, reason, attempted)
}

// Skipped closes a reminder that is not sent on purpose, with the reason.
func (r Reminders) Skipped(ctx context.Context, id int64, reason string) error {
	return r.close(ctx, id, MsgSkipped, reason, false)
}

func (r Reminders) close(ctx context.Context, id int64, st MessageStatus, reason string, attempted bool) error {
	inc := 0
	if attempted {
		inc = 1
	}
	return r.outcome(ctx, `status = ?, error = ?, attempts = attempts + ?, next_try_at = NULL, updated_at = ?`,
		[]any{st, reason, inc, unix(r.t.s.now())}, id, `'pending', 'sending'`)
}

// Retry puts a reminder whose send failed for a passing reason back in the
// outbox until at, counting the attempt. The WhatsApp id stays, so if the
// failed attempt reached the client, the retry is the same message.
func (r Reminders) Retry(ctx context.Context, id int64, at time.Time, reason string) error {
	return r.outcome(ctx, `status = 'pending', error = ?, attempts = attempts + 1, next_try_at = ?, updated_at = ?`,
		[]any{reason, unix(at), unix(r.t.s.now())}, id, `'sending'`)
}

// Wait puts a reminder back in the outbox without counting an attempt: the
// reseller's WhatsApp cannot send now (not linked, suspended, offline).
func (r Reminders) Wait(ctx context.Context, id int64, reason string) error {
	return r.outcome(ctx, `status = 'pending', error = ?, updated_at = ?`, []any{reason, unix(r.t.s.now())}, id, `'sending'`)
}

func (r Reminders) outcome(ctx context.Context, set string, args []any, id int64, from string) error {
	args = append(args, r.t.chatID, id)
	if _, err := r.t.s.write.ExecContext(ctx, `UPDATE messages SET `+set+` WHERE reseller_id = ? AND id = ? AND status IN (`+from+`)`,
		args...); err != nil {
		return fmt.Errorf("store: reminder outcome: %w", err)
	}
	return nil
}

// NoteWaiting writes why the tenant's pending reminders of day wait (the
// reseller's WhatsApp cannot send), so their history and the reason they
// are closed with at the latest time say it.
func (r Reminders) NoteWaiting(ctx context.Context, day billing.Date, reason string) error {
	_, err := r.t.s.write.ExecContext(ctx, `UPDATE messages SET error = ?, updated_at = ?
		WHERE status = 'pending' AND reseller_id = ? AND origin = 'auto' AND send_on = ? AND error != ?`,
		reason, unix(r.t.s.now()), r.t.chatID, day.ISO(), reason)
	if err != nil {
		return fmt.Errorf("store: note waiting reminders: %w", err)
	}
	return nil
}

// SkipOpen closes every reminder of day still in the outbox, with reason
// (the daily cap of the reseller's WhatsApp was reached).
func (r Reminders) SkipOpen(ctx context.Context, day billing.Date, reason string) (int64, error) {
	res, err := r.t.s.write.ExecContext(ctx, `UPDATE messages SET status = 'skipped', error = ?, next_try_at = NULL, updated_at = ?
		WHERE status = 'pending' AND reseller_id = ? AND origin = 'auto' AND send_on = ?`,
		reason, unix(r.t.s.now()), r.t.chatID, day.ISO())
	if err != nil {
		return 0, fmt.Errorf("store: skip reminders: %w", err)
	}
	return res.RowsAffected()
}

// OpenOn counts the tenant's reminders of day still in the outbox.
func (r Reminders) OpenOn(ctx context.Context, day billing.Date) (int, error) {
	var n int
	err := r.t.s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages
		WHERE send_on = ? AND reseller_id = ? AND status IN ('pending', 'sending') AND origin = 'auto'`, day.ISO(), r.t.chatID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: open reminders: %w", err)
	}
	return n, nil
}

// ReminderCounts counts automatic reminders by outcome.
type ReminderCounts struct {
	Planned   int // every reminder, whatever its status
	Sent      int // sent, delivered or read
	Failed    int
	Skipped   int
	Cancelled int
	Open      int // still pending or sending
}

// countReminders reads (status, count) rows.
func countReminders(rows *sql.Rows) (ReminderCounts, error) {
	defer rows.Close()
	var c ReminderCounts
	for rows.Next() {
		var st MessageStatus
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return ReminderCounts{}, err
		}
		c.Planned += n
		switch st {
		case MsgSent, MsgDelivered, MsgRead:
			c.Sent += n
		case MsgFailed:
			c.Failed += n
		case MsgSkipped:
			c.Skipped += n
		case MsgCancelled:
			c.Cancelled += n
		default:
			c.Open += n
		}
	}
	return c, rows.Err()
}

// DayReport is what happened to a reseller's reminders of one day.
type DayReport struct {
	ReminderCounts
	// FailedList and SkippedList are the first reminders of each, by id.
	FailedList  []Message
	SkippedList []Message
	// SkippedWhy counts every skipped reminder by reason and stage, the
	// largest group first: what the daily cap held back, whatever the
	// number of clients.
	SkippedWhy []SkipGroup
}

// SkipGroup is a number of reminders skipped for one reason at one stage.
type SkipGroup struct {
	Reason string
	Stage  int
	Count  int
}

// Day reports the tenant's reminders of day, listing at most limit failed
// and limit skipped ones.
func (r Reminders) Day(ctx context.Context, day billing.Date, limit int) (DayReport, error) {
	rows, err := r.t.s.read.QueryContext(ctx, `SELECT status, COUNT(*) FROM messages
		WHERE send_on = ? AND reseller_id = ? AND origin = 'auto' GROUP BY status`, day.ISO(), r.t.chatID)
	if err != nil {
		return DayReport{}, fmt.Errorf("store: day report: %w", err)
	}
	var rep DayReport
	if rep.ReminderCounts, err = countReminders(rows); err != nil {
		return DayReport{}, fmt.Errorf("store: day report: %w", err)
	}
	list := func(st MessageStatus) ([]Message, error) {
		rows, err := r.t.s.read.QueryContext(ctx, `SELECT `+messageCols+` FROM messages
			WHERE send_on = ? AND reseller_id = ? AND status = ? AND origin = 'auto' ORDER BY id LIMIT ?`, day.ISO(), r.t.chatID, st, limit)
		if err != nil {
			return nil, fmt.Errorf("store: day report: %w", err)
		}
		return collectMessages(rows)
	}
	if rep.Failed > 0 {
		if rep.FailedList, err = list(MsgFailed); err != nil {
			return DayReport{}, err
		}
	}
	if rep.Skipped > 0 {
		if rep.SkippedList, err = list(MsgSkipped); err != nil {
			return DayReport{}, err
		}
		rows, err := r.t.s.read.QueryContext(ctx, `SELECT error, stage, COUNT(*) FROM messages
			WHERE send_on = ? AND reseller_id = ? AND status = 'skipped' AND origin = 'auto'
			GROUP BY error, stage ORDER BY COUNT(*) DESC, error, stage DESC`, day.ISO(), r.t.chatID)
		if err != nil {
			return DayReport{}, fmt.Errorf("store: day report: %w", err)
		}
		if rep.SkippedWhy, err = collect(rows, func(row scanner) (SkipGroup, error) {
			var g SkipGroup
			return g, row.Scan(&g.Reason, &g.Stage, &g.Count)
		}); err != nil {
			return DayReport{}, fmt.Errorf("store: day report: %w", err)
		}
	}
	return rep, nil
}
