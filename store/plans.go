package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"renovabot/billing"
)

// ErrDuplicate is returned when a name is already used by the same
// reseller (plans and servers; compared ignoring case and accents).
var ErrDuplicate = errors.New("store: duplicate name")

// InUseError is returned when removing a plan that clients still use.
type InUseError struct{ Clients int }

func (e *InUseError) Error() string { return fmt.Sprintf("store: in use by %d clients", e.Clients) }

// Plan is a reseller's billing plan.
type Plan struct {
	ID      int64
	Name    string
	Months  int
	Price   int64 // default price in centavos; 0 = none
	Clients int   // clients on this plan (filled by List)
}

// DefaultPlans are created for every new reseller.
var DefaultPlans = []Plan{
	{Name: "Mensal", Months: 1},
	{Name: "Bimestral", Months: 2},
	{Name: "Trimestral", Months: 3},
	{Name: "Semestral", Months: 6},
	{Name: "Anual", Months: 12},
}

// Plans is the tenant's plan list.
type Plans struct{ t Tenant }

// Plans returns the tenant's plans.
func (t Tenant) Plans() Plans { return Plans{t} }

func insertDefaultPlans(ctx context.Context, tx *sql.Tx, chatID, now int64) error {
	for _, p := range DefaultPlans {
		if _, err := tx.ExecContext(ctx, `INSERT INTO plans (reseller_id, name, name_key, months, price, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, chatID, p.Name, billing.Fold(p.Name), p.Months, p.Price, now); err != nil {
			return fmt.Errorf("store: default plans: %w", err)
		}
	}
	return nil
}

// List returns the plans ordered by length, then name, with client counts.
func (p Plans) List(ctx context.Context) ([]Plan, error) {
	rows, err := p.t.s.read.QueryContext(ctx, `SELECT p.id, p.name, p.months, p.price,
			(SELECT COUNT(*) FROM clients c WHERE c.reseller_id = p.reseller_id AND c.plan_id = p.id)
		FROM plans p WHERE p.reseller_id = ? ORDER BY p.months, p.name_key`, p.t.chatID)
	if err != nil {
		return nil, fmt.Errorf("store: list plans: %w", err)
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		var pl Plan
		if err := rows.Scan(&pl.ID, &pl.Name, &pl.Months, &pl.Price, &pl.Clients); err != nil {
			return nil, err
		}
		out = append(out, pl)
	}
	return out, rows.Err()
}

// Get returns one plan of the tenant, with its client count.
func (p Plans) Get(ctx context.Context, id int64) (Plan, error) {
	var pl Plan
	err := p.t.s.read.QueryRowContext(ctx, `SELECT p.id, p.name, p.months, p.price,
			(SELECT COUNT(*) FROM clients c WHERE c.reseller_id = p.reseller_id AND c.plan_id = p.id)
		FROM plans p WHERE p.reseller_id = ? AND p.id = ?`,
		p.t.chatID, id).Scan(&pl.ID, &pl.Name, &pl.Months, &pl.Price, &pl.Clients)
	return pl, notFound(err)
}

// FindByName returns the plan whose name matches ignoring case and accents.
func (p Plans) FindByName(ctx context.Context, name string) (Plan, error) {
	var pl Plan
	err := p.t.s.read.QueryRowContext(ctx, `SELECT id, name, months, price FROM plans WHERE reseller_id = ? AND name_key = ?`,
		p.t.chatID, billing.Fold(name)).Scan(&pl.ID, &pl.Name, &pl.Months, &pl.Price)
	return pl, notFound(err)
}

// Add creates a plan. ErrDuplicate if the name is taken.
func (p Plans) Add(ctx context.Context, name string, months int, price int64) (Plan, error) {
	name = strings.TrimSpace(name)
	var id int64
	err := p.t.s.write.QueryRowContext(ctx, `INSERT INTO plans (reseller_id, name, name_key, months, price, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, p.t.chatID, name, billing.Fold(name), months, price, unix(p.t.s.now())).Scan(&id)
	if err != nil {
		return Plan{}, uniqueErr(err, "add plan")
	}
	return Plan{ID: id, Name: name, Months: months, Price: price}, nil
}

// Rename renames a plan. ErrDuplicate if the name is taken.
func (p Plans) Rename(ctx context.Context, id int64, name string) error {
	name = strings.TrimSpace(name)
	return p.update(ctx, id, `UPDATE plans SET name = ?, name_key = ? WHERE reseller_id = ? AND id = ?`,
		name, billing.Fold(name), p.t.chatID, id)
}

// SetPrice sets the default price (0 = none).
func (p Plans) SetPrice(ctx context.Context, id int64, price int64) error {
	return p.update(ctx, id, `UPDATE plans SET price = ? WHERE reseller_id = ? AND id = ?`, price, p.t.chatID, id)
}

// SetMonths sets the plan's length in months.
func (p Plans) SetMonths(ctx context.Context, id int64, months int) error {
	return p.update(ctx, id, `UPDATE plans SET months = ? WHERE reseller_id = ? AND id = ?`, months, p.t.chatID, id)
}

func (p Plans) update(ctx context.Context, id int64, query string, args ...any) error {
	res, err := p.t.s.write.ExecContext(ctx, query, args...)
	if err != nil {
		return uniqueErr(err, "update plan")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Remove deletes a plan no client uses; *InUseError otherwise.
func (p Plans) Remove(ctx context.Context, id int64) error {
	return p.t.s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients WHERE reseller_id = ? AND plan_id = ?`,
			p.t.chatID, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &InUseError{Clients: n}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM plans WHERE reseller_id = ? AND id = ?`, p.t.chatID, id)
		if err != nil {
			return fmt.Errorf("store: remove plan: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// uniqueErr maps a UNIQUE violation to ErrDuplicate.
func uniqueErr(err error, op string) error {
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
