package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"renovabot/billing"
)

// Reports answers the reseller's report questions from the payment ledger,
// the clients and the message log, always for this tenant only.
type Reports struct{ t Tenant }

// Reports returns the tenant's report queries.
func (t Tenant) Reports() Reports { return Reports{t} }

// NamedAmount is a sum (and count) under a name: a plan, a server, an error.
type NamedAmount struct {
	Name   string
	Amount int64
	Count  int
}

// Paused clients are out of collections, in every figure: they are not
// expected (ExpectedOpen, the chart, the admin totals, the lists' "ainda a
// receber no mês"), not overdue, not lapsed and not lost. What they pay is
// received like any payment. openClients is that rule as SQL.
const openClients = `paused = 0`

// Finance is the money of a window of civil days.
type Finance struct {
	Received int64 // payments recorded in the window (undone ones excluded)
	Payments int
	// Expected is what fell due in the window: renewals whose previous due
	// date is in it (due and paid) plus clients not paused whose current
	// due date is in it (due, not renewed yet: "ainda a receber").
	ExpectedPaid int64
	ExpectedOpen int64
	ByPlan       []NamedAmount // received per plan of the payment
	ByServer     []NamedAmount // received per server of the payment ("" when none)
}

// Expected is ExpectedPaid + ExpectedOpen.
func (f Finance) Expected() int64 { return f.ExpectedPaid + f.ExpectedOpen }

// Finance computes the window [from, to].
func (r Reports) Finance(ctx context.Context, from, to billing.Date) (Finance, error) {
	db, id, f1, t1 := r.t.s.read, r.t.chatID, from.ISO(), to.ISO()
	var f Finance
	var err error
	if f.Received, f.Payments, err = r.Received(ctx, from, to); err != nil {
		return Finance{}, err
	}
	if err := db.QueryRowContext(ctx, `SELECT `+sumMoney("amount")+` FROM payments
		WHERE reseller_id = ? AND undone_at IS NULL AND prev_due BETWEEN ? AND ?`, id, f1, t1).Scan(&f.ExpectedPaid); err != nil {
		return Finance{}, fmt.Errorf("store: report expected paid: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT `+sumMoney("price")+` FROM clients
		WHERE reseller_id = ? AND `+openClients+` AND due_date BETWEEN ? AND ?`, id, f1, t1).Scan(&f.ExpectedOpen); err != nil {
		return Finance{}, fmt.Errorf("store: report expected open: %w", err)
	}
	if f.ByPlan, err = namedAmounts(ctx, db, `SELECT plan_name, `+sumMoney("amount")+`, COUNT(*) FROM payments
		WHERE reseller_id = ? AND undone_at IS NULL AND paid_on BETWEEN ? AND ?
		GROUP BY plan_name ORDER BY 2 DESC, plan_name`, id, f1, t1); err != nil {
		return Finance{}, err
	}
	if f.ByServer, err = namedAmounts(ctx, db, `SELECT server, `+sumMoney("amount")+`, COUNT(*) FROM payments
		WHERE reseller_id = ? AND undone_at IS NULL AND paid_on BETWEEN ? AND ?
		GROUP BY server ORDER BY 2 DESC, server`, id, f1, t1); err != nil {
		return Finance{}, err
	}
	return f, nil
}

// Received is the money of the payments recorded in [from, to] (undone
// ones excluded) and their count: Finance's Received, and what a period
// that is not over is compared with.
func (r Reports) Received(ctx context.Context, from, to billing.Date) (int64, int, error) {
	var sum int64
	var n int
	if err := r.t.s.read.QueryRowContext(ctx, `SELECT `+sumMoney("amount")+`, COUNT(*) FROM payments
		WHERE reseller_id = ? AND undone_at IS NULL AND paid_on BETWEEN ? AND ?`, r.t.chatID, from.ISO(), to.ISO()).Scan(&sum, &n); err != nil {
		return 0, 0, fmt.Errorf("store: report received: %w", err)
	}
	return sum, n, nil
}

func namedAmounts(ctx context.Context, db *sql.DB, q string, args ...any) ([]NamedAmount, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: report breakdown: %w", err)
	}
	defer rows.Close()
	var out []NamedAmount
	for rows.Next() {
		var n NamedAmount
		if err := rows.Scan(&n.Name, &n.Amount, &n.Count); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// MonthTotals is one month of the revenue chart.
type MonthTotals struct {
	Month    billing.Date // the 1st
	Expected int64
	Received int64
}

// Monthly returns received and expected for each month starting at the
// given 1sts (as report.LastMonths makes them), by the same rules as
// Finance.
func (r Reports) Monthly(ctx context.Context, months []billing.Date) ([]MonthTotals, error) {
	if len(months) == 0 {
		return nil, nil
	}
	first := months[0]
	lastMonth := months[len(months)-1]
	last := billing.Date{Year: lastMonth.Year, Month: lastMonth.Month, Day: billing.DaysIn(lastMonth.Year, lastMonth.Month)}
	sums := map[string]*MonthTotals{}
	out := make([]MonthTotals, len(months))
	for i, m := range months {
		out[i] = MonthTotals{Month: m}
		sums[m.ISO()[:7]] = &out[i]
	}
	add := func(q string, pick func(*MonthTotals) *int64) error {
		rows, err := r.t.s.read.QueryContext(ctx, q, r.t.chatID, first.ISO(), last.ISO())
		if err != nil {
			return fmt.Errorf("store: monthly report: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var month string
			var v int64
			if err := rows.Scan(&month, &v); err != nil {
				return err
			}
			if t := sums[month]; t != nil {
				*pick(t) += v
			}
		}
		return rows.Err()
	}
	received := func(t *MonthTotals) *int64 { return &t.Received }
	expected := func(t *MonthTotals) *int64 { return &t.Expected }
	if err := add(`SELECT substr(paid_on, 1, 7), `+sumMoney("amount")+` FROM payments
		WHERE reseller_id = ? AND undone_at IS NULL AND paid_on BETWEEN ? AND ? GROUP BY 1`, received); err != nil {
		return nil, err
	}
	if err := add(`SELECT substr(prev_due, 1, 7), `+sumMoney("amount")+` FROM payments
		WHERE reseller_id = ? AND undone_at IS NULL AND prev_due BETWEEN ? AND ? GROUP BY 1`, expected); err != nil {
		return nil, err
	}
	if err := add(`SELECT substr(due_date, 1, 7), `+sumMoney("price")+` FROM clients
		WHERE reseller_id = ? AND `+openClients+` AND due_date BETWEEN ? AND ? GROUP BY 1`, expected); err != nil {
		return nil, err
	}
	return out, nil
}

// ClientsReport counts the reseller's clients for a window.
type ClientsReport struct {
	Total  int // clients now
	Active int // not paused
	New    int // registered in the window
	// Renewed counts the clients who paid in the window (the payments
	// Finance.Received sums), a client deleted since included.
	Renewed int
	// Lapsed counts clients not paused whose due date fell in the window,
	// before today, and who have not renewed.
	Lapsed int
	// Churned counts clients not paused overdue for more than churnDays
	// today.
	Churned int
}

// Retention is renewed / (renewed + lapsed) in whole percent, rounded by
// billing.Percent; -1 when there is neither.
func (c ClientsReport) Retention() int64 {
	if c.Renewed+c.Lapsed == 0 {
		return -1
	}
	return billing.Percent(int64(c.Renewed), int64(c.Renewed+c.Lapsed))
}

// Clients computes the clients report. loc is the reseller's time zone
// (registration instants are compared with the window's local midnights).
func (r Reports) Clients(ctx context.Context, from, to, today billing.Date, loc *time.Location, churnDays int) (ClientsReport, error) {
	db, id := r.t.s.read, r.t.chatID
	var c ClientsReport
	start, end := unix(from.Time(loc)), unix(to.AddDays(1).Time(loc))
	lapsedTo := to
	if !lapsedTo.Before(today) {
		lapsedTo = today.AddDays(-1)
	}
	err := db.QueryRowContext(ctx, `SELECT COUNT(*),
			COUNT(CASE WHEN `+openClients+` THEN 1 END),
			COUNT(CASE WHEN created_at >= ? AND created_at < ? THEN 1 END),
			COUNT(CASE WHEN `+openClients+` AND due_date BETWEEN ? AND ? THEN 1 END),
			COUNT(CASE WHEN `+openClients+` AND due_date < ? THEN 1 END)
		FROM clients WHERE reseller_id = ?`,
		start, end, from.ISO(), lapsedTo.ISO(), today.AddDays(-churnDays).ISO(), id).
		Scan(&c.Total, &c.Active, &c.New, &c.Lapsed, &c.Churned)
	if err != nil {
		return ClientsReport{}, fmt.Errorf("store: clients report: %w", err)
	}
	// client_ref survives the client's deletion; a payment older than it
	// (NULL) stands for a client of its own.
	if err := db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT COALESCE(client_ref, -id)) FROM payments
		WHERE reseller_id = ? AND undone_at IS NULL AND paid_on BETWEEN ? AND ?`,
		id, from.ISO(), to.ISO()).Scan(&c.Renewed); err != nil {
		return ClientsReport{}, fmt.Errorf("store: renewed report: %w", err)
	}
	return c, nil
}

// StageCount is how the reminders of one stage went.
type StageCount struct {
	Stage                                  int
	Planned, Sent, Delivered, Read, Failed int
}

// MessagesReport is how the automatic reminders of a window went. Sent
// includes delivered and read; Delivered includes read.
type MessagesReport struct {
	Planned, Sent, Delivered, Read, Failed, Pending, Skipped, Cancelled int
	FailedBy                                                            []NamedAmount // Count per error reason
	ByStage                                                             []StageCount
}

// Messages computes the reminders report over reminders planned for days
// in [from, to].
func (r Reports) Messages(ctx context.Context, from, to billing.Date) (MessagesReport, error) {
	rows, err := r.t.s.read.QueryContext(ctx, `SELECT stage, status, COUNT(*) FROM messages
		WHERE reseller_id = ? AND origin = 'auto' AND send_on BETWEEN ? AND ? GROUP BY stage, status ORDER BY stage`,
		r.t.chatID, from.ISO(), to.ISO())
	if err != nil {
		return MessagesReport{}, fmt.Errorf("store: messages report: %w", err)
	}
	defer rows.Close()
	var m MessagesReport
	stages := map[int]*StageCount{}
	var order []int
	for rows.Next() {
		var stage, n int
		var st MessageStatus
		if err := rows.Scan(&stage, &st, &n); err != nil {
			return MessagesReport{}, err
		}
		sc := stages[stage]
		if sc == nil {
			sc = &StageCount{Stage: stage}
			stages[stage] = sc
			order = append(order, stage)
		}
		m.Planned += n
		sc.Planned += n
		switch st {
		case MsgRead:
			m.Read += n
			sc.Read += n
			fallthrough
		case MsgDelivered:
			m.Delivered += n
			sc.Delivered += n
			fallthrough
		case MsgSent:
			m.Sent += n
			sc.Sent += n
		case MsgFailed:
			m.Failed += n
			sc.Failed += n
		case MsgPending, MsgSending:
			m.Pending += n
		case MsgSkipped:
			m.Skipped += n
		case MsgCancelled:
			m.Cancelled += n
		}
	}
	if err := rows.Err(); err != nil {
		return MessagesReport{}, err
	}
	for _, s := range order {
		m.ByStage = append(m.ByStage, *stages[s])
	}
	if m.FailedBy, err = namedAmounts(ctx, r.t.s.read, `SELECT error, 0, COUNT(*) FROM messages
		WHERE reseller_id = ? AND origin = 'auto' AND status = 'failed' AND send_on BETWEEN ? AND ?
		GROUP BY error ORDER BY 3 DESC, 1`, r.t.chatID, from.ISO(), to.ISO()); err != nil {
		return MessagesReport{}, err
	}
	return m, nil
}

// EachPayment calls fn for the payments recorded in [from, to], oldest
// first (undone ones included, marked).
func (r Reports) EachPayment(ctx context.Context, from, to billing.Date, fn func(Payment) error) error {
	rows, err := r.t.s.read.QueryContext(ctx, `SELECT `+paymentCols+` FROM payments
		WHERE reseller_id = ? AND paid_on BETWEEN ? AND ? ORDER BY paid_on, id`, r.t.chatID, from.ISO(), to.ISO())
	if err != nil {
		return fmt.Errorf("store: export payments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachMessage calls fn for the messages of the window: reminders planned
// for days in [from, to] and other messages created in it (loc gives the
// window's local midnights), oldest first.
func (r Reports) EachMessage(ctx context.Context, from, to billing.Date, loc *time.Location, fn func(Message) error) error {
	rows, err := r.t.s.read.QueryContext(ctx, `SELECT `+messageCols+` FROM messages
		WHERE reseller_id = ? AND (
			(origin = 'auto' AND send_on BETWEEN ? AND ?) OR
			(origin != 'auto' AND created_at >= ? AND created_at < ?))
		ORDER BY created_at, id`,
		r.t.chatID, from.ISO(), to.ISO(), unix(from.Time(loc)), unix(to.AddDays(1).Time(loc)))
	if err != nil {
		return fmt.Errorf("store: export messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AdminTotals is the operator's view of a window across every reseller:
// counts and sums only, no reseller's rows.
type AdminTotals struct {
	Resellers    int
	Clients      int
	Received     int64
	Payments     int
	ExpectedOpen int64 // clients not paused due in the window
	RemindersOK  int   // sent, delivered or read
	RemindersBad int   // failed
}

// AdminReportTotals computes AdminTotals for civil days [from, to] (each
// reseller's own civil dates).
func (s *Store) AdminReportTotals(ctx context.Context, from, to billing.Date) (AdminTotals, error) {
	var a AdminTotals
	f, t := from.ISO(), to.ISO()
	err := s.read.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM resellers),
			(SELECT COUNT(*) FROM clients),
			(SELECT `+sumMoney("amount")+` FROM payments WHERE undone_at IS NULL AND paid_on BETWEEN ?1 AND ?2),
			(SELECT COUNT(*) FROM payments WHERE undone_at IS NULL AND paid_on BETWEEN ?1 AND ?2),
			(SELECT `+sumMoney("price")+` FROM clients WHERE `+openClients+` AND due_date BETWEEN ?1 AND ?2),
			(SELECT COUNT(*) FROM messages WHERE origin = 'auto' AND send_on BETWEEN ?1 AND ?2 AND status IN ('sent', 'delivered', 'read')),
			(SELECT COUNT(*) FROM messages WHERE origin = 'auto' AND send_on BETWEEN ?1 AND ?2 AND status = 'failed')`,
		f, t).Scan(&a.Resellers, &a.Clients, &a.Received, &a.Payments, &a.ExpectedOpen, &a.RemindersOK, &a.RemindersBad)
	if err != nil {
		return AdminTotals{}, fmt.Errorf("store: admin report: %w", err)
	}
	return a, nil
}
