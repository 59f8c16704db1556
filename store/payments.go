package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renovabot/billing"
)

// Payment is one row of the ledger: a renewal paid by a client.
type Payment struct {
	ID         int64
	ClientID   int64 // 0 when the client was deleted since
	ClientName string
	PlanName   string
	Server     string // the client's server when it paid ("" for none)
	Amount     int64
	PaidOn     billing.Date
	PrevDue    billing.Date
	NewDue     billing.Date
	CreatedAt  time.Time
	Undone     bool
}

// ErrBackwards is returned for a renewal whose new due date is not after
// the current one: a renewal never shortens (or leaves unchanged) the time
// a client has paid for.
var ErrBackwards = errors.New("store: a renewal must move the due date forward")

// Renewal moves a client's due date forward and records the payment.
type Renewal struct {
	ExpectDue billing.Date // the due date the reseller saw; a different one means the screen is stale
	NewDue    billing.Date
	Anchor    int          // day of month future renewals land on
	PaidOn    billing.Date // the reseller's today
	// Once is the token of the screen whose button asked for this renewal
	// (empty: none). It is spent with the renewal; ErrSpent if it already
	// was, so each renewal button renews once even when the due date it
	// expects is back there (the renewal was undone meanwhile).
	Once string
}

// Payments is the tenant's ledger.
type Payments struct{ t Tenant }

// Payments returns the tenant's ledger.
func (t Tenant) Payments() Payments { return Payments{t} }

const paymentCols = `id, COALESCE(client_id, 0), client_name, plan_name, server, amount, paid_on, prev_due, new_due, created_at, undone_at IS NOT NULL`

func scanPayment(row interface{ Scan(...any) error }) (Payment, error) {
	var p Payment
	var paid, prev, next string
	var created int64
	if err := row.Scan(&p.ID, &p.ClientID, &p.ClientName, &p.PlanName, &p.Server, &p.Amount, &paid, &prev, &next, &created, &p.Undone); err != nil {
		return Payment{}, notFound(err)
	}
	var err error
	if p.PaidOn, err = billing.ParseISO(paid); err != nil {
		return Payment{}, err
	}
	if p.PrevDue, err = billing.ParseISO(prev); err != nil {
		return Payment{}, err
	}
	if p.NewDue, err = billing.ParseISO(next); err != nil {
		return Payment{}, err
	}
	p.CreatedAt = fromUnix(created)
	return p, nil
}

// Get returns one payment of the tenant.
func (p Payments) Get(ctx context.Context, id int64) (Payment, error) {
	return scanPayment(p.t.s.read.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE reseller_id = ? AND id = ?`,
		p.t.chatID, id))
}

// ForClient returns the client's payments, newest first (undone included).
func (p Payments) ForClient(ctx context.Context, clientID int64, limit int) ([]Payment, error) {
	rows, err := p.t.s.read.QueryContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE reseller_id = ? AND client_id = ?
		ORDER BY id DESC LIMIT ?`, p.t.chatID, clientID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: client payments: %w", err)
	}
	return collect(rows, scanPayment)
}

// Renew applies a renewal and writes its payment in one transaction.
// ErrSpent when r.Once was spent already (the same button pressed twice);
// ErrConflict when the client's due date is no longer r.ExpectDue (a
// screen drawn before another change); ErrBackwards when r.NewDue is not
// after it.
func (c Clients) Renew(ctx context.Context, id int64, r Renewal) (Payment, Client, error) {
	var pay Payment
	var out Client
	err := c.t.s.tx(ctx, func(tx *sql.Tx) error {
		cl, err := getClientTx(ctx, tx, c.t.chatID, id)
		if err != nil {
			return err
		}
		now := unix(c.t.s.now())
		if err := spendOnce(ctx, tx, c.t.chatID, r.Once, now); err != nil {
			return err
		}
		if cl.Due != r.ExpectDue {
			return ErrConflict
		}
		if !r.NewDue.After(cl.Due) {
			return ErrBackwards
		}
		if _, err := tx.ExecContext(ctx, `UPDATE clients SET due_date = ?, anchor_day = ?, updated_at = ? WHERE reseller_id = ? AND id = ?`,
			r.NewDue.ISO(), r.Anchor, now, c.t.chatID, id); err != nil {
			return fmt.Errorf("store: renew: %w", err)
		}
		if err := clientChanged(ctx, tx, c.t.chatID, id, CancelRenewed, now); err != nil {
			return err
		}
		// The plan, server and client are recorded as they are now, so the
		// reports' history does not move when the client changes or is
		// deleted later (client_ref outlives client_id).
		var pid int64
		err = tx.QueryRowContext(ctx, `INSERT INTO payments (reseller_id, client_id, client_ref, client_name, plan_name, server,
				amount, paid_on, prev_due, prev_anchor, new_due, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.t.chatID, id, id, cl.Name, cl.PlanName, cl.Server, cl.Price, r.PaidOn.ISO(), cl.Due.ISO(), cl.AnchorDay, r.NewDue.ISO(), now).Scan(&pid)
		if err != nil {
			return fmt.Errorf("store: record payment: %w", err)
		}
		if pay, err = scanPayment(tx.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE id = ?`, pid)); err != nil {
			return err
		}
		out, err = getClientTx(ctx, tx, c.t.chatID, id)
		return err
	})
	return pay, out, err
}

// UndoRenewal reverts a renewal: the client gets its previous due date and
// anchor back and the payment is marked undone. ErrConflict if the client's
// due date changed after that renewal; ErrNotFound if the payment is not
// the tenant's, already undone, or its client was deleted.
func (c Clients) UndoRenewal(ctx context.Context, paymentID int64) (Client, error) {
	var out Client
	err := c.t.s.tx(ctx, func(tx *sql.Tx) error {
		var clientID sql.NullInt64
		var prevDue, newDue string
		var prevAnchor int
		err := tx.QueryRowContext(ctx, `SELECT client_id, prev_due, prev_anchor, new_due FROM payments
			WHERE reseller_id = ? AND id = ? AND undone_at IS NULL`, c.t.chatID, paymentID).Scan(&clientID, &prevDue, &prevAnchor, &newDue)
		if err != nil {
			return notFound(err)
		}
		if !clientID.Valid {
			return ErrNotFound
		}
		cl, err := getClientTx(ctx, tx, c.t.chatID, clientID.Int64)
		if err != nil {
			return err
		}
		if cl.Due.ISO() != newDue {
			return ErrConflict
		}
		now := unix(c.t.s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE clients SET due_date = ?, anchor_day = ?, updated_at = ? WHERE reseller_id = ? AND id = ?`,
			prevDue, prevAnchor, now, c.t.chatID, cl.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET undone_at = ? WHERE reseller_id = ? AND id = ?`, now, c.t.chatID, paymentID); err != nil {
			return err
		}
		if err := clientChanged(ctx, tx, c.t.chatID, cl.ID, CancelRenewalUndone, now); err != nil {
			return err
		}
		out, err = getClientTx(ctx, tx, c.t.chatID, cl.ID)
		return err
	})
	return out, err
}
