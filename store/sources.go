package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"renovabot/msgtemplate"
)

// MessageSources is what a message to a client is rendered from: the
// client, the reseller's template of the message's kind as it stands (as
// Templates.Current reads it) and the reseller's company data (as
// Companies.Get reads it).
type MessageSources struct {
	Client   Client
	Template Template
	Company  Company
}

// MessageSources reads a client of the tenant (ErrNotFound for any other
// id), the tenant's template of kind and their company data in one query.
// The scheduler renders each reminder from them twice (before the claim,
// and right before it leaves): one query instead of three, which on
// PostgreSQL is two network round trips fewer per render. kind is not
// checked: an unknown kind reads as its (empty) default text, and the
// caller tells it apart with kind.Valid, as after Templates.Current.
func (c Clients) MessageSources(ctx context.Context, id int64, kind msgtemplate.Kind) (MessageSources, error) {
	var src MessageSources
	var body sql.NullString
	var enabled bool
	co := &src.Company
	cl, err := scanClient(extraScan{c.t.s.read.QueryRowContext(ctx, `SELECT `+clientCols+`, t.body, COALESCE(t.enabled, 1),
			COALESCE(co.name, ''), COALESCE(co.phone, ''), COALESCE(co.pix_key, ''), COALESCE(co.pix_holder, ''),
			COALESCE(co.city, ''), COALESCE(co.welcome_auto, 0)`+clientFrom+`
		LEFT JOIN templates t ON t.reseller_id = c.reseller_id AND t.kind = ?
		LEFT JOIN companies co ON co.reseller_id = c.reseller_id
		WHERE c.reseller_id = ? AND c.id = ?`, string(kind), c.t.chatID, id),
		[]any{&body, &enabled, &co.Name, &co.Phone, &co.PixKey, &co.PixHolder, &co.City, &co.WelcomeAuto}})
	if errors.Is(err, ErrNotFound) {
		return MessageSources{}, err
	}
	if err != nil {
		return MessageSources{}, fmt.Errorf("store: message sources: %w", err)
	}
	src.Client, src.Template = cl, currentTemplate(kind, body, enabled)
	return src, nil
}
