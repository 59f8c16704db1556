package store

import (
	"context"
	"database/sql"
	"fmt"

	"renovabot/msgtemplate"
)

// Template is a reseller's text for one message kind.
type Template struct {
	Kind    msgtemplate.Kind
	Body    string
	Enabled bool
	// Default reports whether Body is still the default text of the kind.
	Default bool
}

// Templates is the tenant's message texts.
type Templates struct{ t Tenant }

// Templates returns the tenant's message texts.
func (t Tenant) Templates() Templates { return Templates{t} }

// ensure creates the tenant's copy of every kind that has none yet: each
// reseller starts with their own rows, never shared ones.
func (tp Templates) ensure(ctx context.Context, tx *sql.Tx) error {
	now := unix(tp.t.s.now())
	for _, k := range msgtemplate.Kinds {
		if _, err := tx.ExecContext(ctx, `INSERT INTO templates (reseller_id, kind, body, enabled, updated_at)
			VALUES (?, ?, ?, 1, ?) ON CONFLICT (reseller_id, kind) DO NOTHING`,
			tp.t.chatID, string(k), msgtemplate.DefaultText(k), now); err != nil {
			return fmt.Errorf("store: create templates: %w", err)
		}
	}
	return nil
}

// List returns every kind's template, in msgtemplate.Kinds order.
func (tp Templates) List(ctx context.Context) ([]Template, error) {
	var out []Template
	err := tp.t.s.tx(ctx, func(tx *sql.Tx) error {
		if err := tp.ensure(ctx, tx); err != nil {
			return err
		}
		byKind := map[msgtemplate.Kind]Template{}
		rows, err := tx.QueryContext(ctx, `SELECT kind, body, enabled FROM templates WHERE reseller_id = ?`, tp.t.chatID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Template
			if err := rows.Scan(&t.Kind, &t.Body, &t.Enabled); err != nil {
				return err
			}
			t.Default = t.Body == msgtemplate.DefaultText(t.Kind)
			byKind[t.Kind] = t
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range msgtemplate.Kinds {
			out = append(out, byKind[k])
		}
		return nil
	})
	return out, err
}

// Get returns the template of one kind (ErrNotFound for an unknown kind).
func (tp Templates) Get(ctx context.Context, kind msgtemplate.Kind) (Template, error) {
	if !kind.Valid() {
		return Template{}, ErrNotFound
	}
	list, err := tp.List(ctx)
	if err != nil {
		return Template{}, err
	}
	for _, t := range list {
		if t.Kind == kind {
			return t, nil
		}
	}
	return Template{}, ErrNotFound
}

// Current returns the template of one kind as it stands, without creating
// the tenant's copies (a read the scheduler makes for every reminder): a
// kind never saved is its default text, enabled.
func (tp Templates) Current(ctx context.Context, kind msgtemplate.Kind) (Template, error) {
	if !kind.Valid() {
		return Template{}, ErrNotFound
	}
	var body sql.NullString
	enabled := true
	err := tp.t.s.read.QueryRowContext(ctx, `SELECT body, enabled FROM templates WHERE reseller_id = ? AND kind = ?`,
		tp.t.chatID, string(kind)).Scan(&body, &enabled)
	if err != nil && err != sql.ErrNoRows {
		return Template{}, fmt.Errorf("store: template: %w", err)
	}
	return currentTemplate(kind, body, enabled), nil
}

// currentTemplate is the template of kind as stored (body valid), or its
// default text, enabled, when the tenant never saved one.
func currentTemplate(kind msgtemplate.Kind, body sql.NullString, enabled bool) Template {
	t := Template{Kind: kind, Body: body.String, Enabled: enabled}
	if !body.Valid {
		t.Body, t.Enabled = msgtemplate.DefaultText(kind), true
	}
	t.Default = t.Body == msgtemplate.DefaultText(kind)
	return t
}

// Save replaces the text of a kind. The caller validates it with
// msgtemplate.Parse first.
func (tp Templates) Save(ctx context.Context, kind msgtemplate.Kind, body string) error {
	return tp.update(ctx, kind, "", `UPDATE templates SET body = ?, updated_at = ? WHERE reseller_id = ? AND kind = ?`,
		body, unix(tp.t.s.now()), tp.t.chatID, string(kind))
}

// Restore puts the default text of a kind back. once is the token of the
// confirmation whose button asked for it (empty: none), spent with it:
// ErrSpent if it already was.
func (tp Templates) Restore(ctx context.Context, kind msgtemplate.Kind, once string) error {
	return tp.update(ctx, kind, once, `UPDATE templates SET body = ?, updated_at = ? WHERE reseller_id = ? AND kind = ?`,
		msgtemplate.DefaultText(kind), unix(tp.t.s.now()), tp.t.chatID, string(kind))
}

// SetEnabled switches a kind on or off.
func (tp Templates) SetEnabled(ctx context.Context, kind msgtemplate.Kind, on bool) error {
	return tp.update(ctx, kind, "", `UPDATE templates SET enabled = ?, updated_at = ? WHERE reseller_id = ? AND kind = ?`,
		on, unix(tp.t.s.now()), tp.t.chatID, string(kind))
}

// update runs query on the tenant's templates (created first), spending the
// act-once token once (empty: none) in the same transaction.
func (tp Templates) update(ctx context.Context, kind msgtemplate.Kind, once, query string, args ...any) error {
	if !kind.Valid() {
		return ErrNotFound
	}
	return tp.t.s.tx(ctx, func(tx *sql.Tx) error {
		if err := spendOnce(ctx, tx, tp.t.chatID, once, unix(tp.t.s.now())); err != nil {
			return err
		}
		if err := tp.ensure(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("store: update template: %w", err)
		}
		return nil
	})
}

// Company is a reseller's own business data used in messages.
type Company struct {
	Name        string
	Phone       string // canonical digits or ""
	PixKey      string // normalised pix key or ""
	PixHolder   string
	City        string
	WelcomeAuto bool // send the welcome message automatically to new clients
}

// Companies is the tenant's company data.
type Companies struct{ t Tenant }

// Company returns the tenant's company data.
func (t Tenant) Company() Companies { return Companies{t} }

// Get returns the company data (empty fields when never set).
func (c Companies) Get(ctx context.Context) (Company, error) {
	var co Company
	err := c.t.s.read.QueryRowContext(ctx, `SELECT name, phone, pix_key, pix_holder, city, welcome_auto FROM companies WHERE reseller_id = ?`,
		c.t.chatID).Scan(&co.Name, &co.Phone, &co.PixKey, &co.PixHolder, &co.City, &co.WelcomeAuto)
	if err == sql.ErrNoRows {
		return Company{}, nil
	}
	if err != nil {
		return Company{}, fmt.Errorf("store: company: %w", err)
	}
	return co, nil
}

// Save stores the company data.
func (c Companies) Save(ctx context.Context, co Company) error {
	_, err := c.t.s.write.ExecContext(ctx, `INSERT INTO companies (reseller_id, name, phone, pix_key, pix_holder, city, welcome_auto, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (reseller_id) DO UPDATE SET name = excluded.name, phone = excluded.phone, pix_key = excluded.pix_key,
			pix_holder = excluded.pix_holder, city = excluded.city, welcome_auto = excluded.welcome_auto, updated_at = excluded.updated_at`,
		c.t.chatID, co.Name, co.Phone, co.PixKey, co.PixHolder, co.City, co.WelcomeAuto, unix(c.t.s.now()))
	if err != nil {
		return fmt.Errorf("store: save company: %w", err)
	}
	return nil
}
