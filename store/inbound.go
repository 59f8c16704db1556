package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// What clients send to a reseller's WhatsApp (issue 14): the received
// messages, the reseller's setting for numbers that are not clients, and
// the clients who asked to stop automatic reminders. Everything is reached
// through the reseller's tenant handle, like the rest of their data.

// InboundRetention is how long a received message is kept: received texts
// are personal data, deleted by the minute tick after this (ExpireInbound).
const InboundRetention = 90 * 24 * time.Hour

// InboundMessage is one message the reseller's WhatsApp received.
type InboundMessage struct {
	ID          int64
	WAID        string
	Phone       string // digits; "" when WhatsApp hid the number
	SenderName  string
	ClientID    int64 // 0: not a client (or deleted since)
	ClientName  string
	Kind        string // "text" or a media kind (whatsapp.MediaKind)
	Body        string // text or caption
	Payment     bool
	ReceivedAt  time.Time
	ForwardedAt time.Time // zero: not shown to the reseller
}

// NewInbound is a received message to record.
type NewInbound struct {
	WAID       string
	Phone      string
	SenderName string
	ClientID   int64 // must be the tenant's own client (ErrNotFound otherwise); 0: none
	ClientName string
	Kind       string
	Body       string
	Payment    bool
	ReceivedAt time.Time // zero: now
}

// Inbox is the tenant's received messages.
type Inbox struct{ t Tenant }

// Inbox returns the tenant's received messages.
func (t Tenant) Inbox() Inbox { return Inbox{t} }

const inboundCols = `id, wa_id, phone, sender_name, COALESCE(client_id, 0), client_name, kind, body, payment, received_at, forwarded_at`

func scanInbound(row scanner) (InboundMessage, error) {
	var m InboundMessage
	var received int64
	var forwarded sql.NullInt64
	if err := row.Scan(&m.ID, &m.WAID, &m.Phone, &m.SenderName, &m.ClientID, &m.ClientName, &m.Kind, &m.Body, &m.Payment,
		&received, &forwarded); err != nil {
		return InboundMessage{}, notFound(err)
	}
	m.ReceivedAt, m.ForwardedAt = fromUnix(received), nullUnix(forwarded)
	return m, nil
}

// Record stores a received message once per WhatsApp id. fresh is true
// when the message still has to be shown to the reseller: a new row, or a
// row recorded before but never marked forwarded (the program stopped in
// between, and WhatsApp delivered it again). The same id delivered again
// after it was forwarded returns the stored row and fresh false.
func (i Inbox) Record(ctx context.Context, n NewInbound) (m InboundMessage, fresh bool, err error) {
	if n.WAID == "" {
		return InboundMessage{}, false, errors.New("store: inbound message without a WhatsApp id")
	}
	at := n.ReceivedAt
	if at.IsZero() {
		at = i.t.s.now()
	}
	err = i.t.s.tx(ctx, func(tx *sql.Tx) error {
		client, err := tenantClient(ctx, tx, i.t.chatID, n.ClientID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO inbound_messages (reseller_id, wa_id, phone, sender_name, client_id, client_name,
				kind, body, payment, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reseller_id, wa_id) DO NOTHING`,
			i.t.chatID, n.WAID, n.Phone, n.SenderName, client, n.ClientName, n.Kind, n.Body, n.Payment, unix(at))
		if err != nil {
			return fkErr(err, "record inbound message")
		}
		inserted, _ := res.RowsAffected()
		m, err = scanInbound(tx.QueryRowContext(ctx, `SELECT `+inboundCols+` FROM inbound_messages WHERE reseller_id = ? AND wa_id = ?`,
			i.t.chatID, n.WAID))
		fresh = inserted == 1 || m.ForwardedAt.IsZero()
		return err
	})
	return m, fresh, err
}

// MarkForwarded records that message id was shown to the reseller.
func (i Inbox) MarkForwarded(ctx context.Context, id int64) error {
	res, err := i.t.s.write.ExecContext(ctx, `UPDATE inbound_messages SET forwarded_at = ? WHERE reseller_id = ? AND id = ?`,
		unix(i.t.s.now()), i.t.chatID, id)
	if err != nil {
		return fmt.Errorf("store: mark inbound forwarded: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Get returns one received message of the tenant.
func (i Inbox) Get(ctx context.Context, id int64) (InboundMessage, error) {
	return scanInbound(i.t.s.read.QueryRowContext(ctx, `SELECT `+inboundCols+` FROM inbound_messages WHERE reseller_id = ? AND id = ?`,
		i.t.chatID, id))
}

// ForClient returns what a client sent, newest first.
func (i Inbox) ForClient(ctx context.Context, clientID int64, limit int) ([]InboundMessage, error) {
	rows, err := i.t.s.read.QueryContext(ctx, `SELECT `+inboundCols+` FROM inbound_messages WHERE reseller_id = ? AND client_id = ?
		ORDER BY id DESC LIMIT ?`, i.t.chatID, clientID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: client inbound messages: %w", err)
	}
	return collect(rows, scanInbound)
}

// ForwardUnknown reports whether the reseller wants messages from numbers
// that are not their clients (off unless they turned it on).
func (i Inbox) ForwardUnknown(ctx context.Context) (bool, error) {
	var on bool
	err := i.t.s.read.QueryRowContext(ctx, `SELECT forward_unknown FROM inbound_settings WHERE reseller_id = ?`, i.t.chatID).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: inbound settings: %w", err)
	}
	return on, nil
}

// SetForwardUnknown turns forwarding of unknown numbers on or off.
// ErrNotFound when the tenant has no account.
func (i Inbox) SetForwardUnknown(ctx context.Context, on bool) error {
	_, err := i.t.s.write.ExecContext(ctx, `INSERT INTO inbound_settings (reseller_id, forward_unknown, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (reseller_id) DO UPDATE SET forward_unknown = excluded.forward_unknown, updated_at = excluded.updated_at`,
		i.t.chatID, on, unix(i.t.s.now()))
	if err != nil {
		return fkErr(err, "save inbound settings")
	}
	return nil
}

// ExpireInbound deletes, for every reseller, the received messages older
// than InboundRetention. The minute tick runs it (a chore): one indexed
// DELETE, usually of nothing.
func (s *Store) ExpireInbound(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM inbound_messages WHERE received_at < ?`,
		unix(s.now().Add(-InboundRetention))); err != nil {
		return fmt.Errorf("store: expire inbound messages: %w", err)
	}
	return nil
}

// ByPhone returns the tenant's clients whose number is one of phones (a
// number and its 9th-digit variant), the soonest due first.
func (c Clients) ByPhone(ctx context.Context, phones ...string) ([]Client, error) {
	if len(phones) == 0 {
		return nil, nil
	}
	args := []any{c.t.chatID}
	for _, p := range phones {
		args = append(args, p)
	}
	rows, err := c.t.s.read.QueryContext(ctx, `SELECT `+clientCols+clientFrom+`WHERE c.reseller_id = ? AND c.phone IN (`+
		placeholders(len(phones))+`) ORDER BY c.due_date, c.id LIMIT 20`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: clients by phone: %w", err)
	}
	return collectClients(rows)
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// ChargedSince reports whether the client was sent a reminder or a charge
// ("cobrança") that left WhatsApp at or after since: a payment reply is
// expected then.
func (m Messages) ChargedSince(ctx context.Context, clientID int64, since time.Time) (bool, error) {
	var ok bool
	err := m.t.s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM messages
		WHERE reseller_id = ? AND client_id = ? AND (origin = 'auto' OR kind = 'cobranca')
		  AND status IN ('sent', 'delivered', 'read') AND sent_at >= ?)`, m.t.chatID, clientID, unix(since)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: charged since: %w", err)
	}
	return ok, nil
}

// ---- opt-out ----

// OptOutReason is why an opted-out client's reminders are paused, as the
// reseller reads it.
const OptOutReason = "o cliente pediu para parar"

// CancelOptedOut is the reason of the reminders cancelled by an opt-out.
const CancelOptedOut = "Cancelado: o cliente pediu para parar de receber lembretes."

// OptOut is a client's request to stop automatic reminders.
type OptOut struct {
	ClientID    int64
	RequestedBy string // "client"
	Reason      string
	Keyword     string // what they wrote: SAIR, PARAR...
	WAID        string
	WasPaused   bool // the reseller had paused them before
	RequestedAt time.Time
}

// OptOuts is the tenant's clients who asked to stop.
type OptOuts struct{ t Tenant }

// OptOuts returns the tenant's opt-outs.
func (t Tenant) OptOuts() OptOuts { return OptOuts{t} }

const optOutCols = `client_id, requested_by, reason, keyword, wa_id, was_paused, requested_at`

func scanOptOut(row scanner) (OptOut, error) {
	var o OptOut
	var at int64
	if err := row.Scan(&o.ClientID, &o.RequestedBy, &o.Reason, &o.Keyword, &o.WAID, &o.WasPaused, &at); err != nil {
		return OptOut{}, notFound(err)
	}
	o.RequestedAt = fromUnix(at)
	return o, nil
}

// Request records that the clients asked to stop automatic reminders (the
// message waID said keyword): each of them not opted out yet is paused,
// its pending reminders cancelled, in one transaction. It returns the
// clients whose state changed; ids that are not the tenant's are ignored.
func (o OptOuts) Request(ctx context.Context, clientIDs []int64, keyword, waID string) ([]int64, error) {
	var changed []int64
	err := o.t.s.tx(ctx, func(tx *sql.Tx) error {
		changed = nil
		now := unix(o.t.s.now())
		for _, id := range clientIDs {
			var paused bool
			err := tx.QueryRowContext(ctx, `SELECT paused FROM clients WHERE reseller_id = ? AND id = ?`, o.t.chatID, id).Scan(&paused)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: opt out: %w", err)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO client_optouts (client_id, reseller_id, requested_by, reason, keyword, wa_id,
					was_paused, requested_at) VALUES (?, ?, 'client', ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING`,
				id, o.t.chatID, OptOutReason, keyword, waID, paused, now)
			if err != nil {
				return fmt.Errorf("store: opt out: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // asked before: nothing changes
			}
			if _, err := tx.ExecContext(ctx, `UPDATE clients SET paused = 1, updated_at = ? WHERE reseller_id = ? AND id = ?`,
				now, o.t.chatID, id); err != nil {
				return fmt.Errorf("store: opt out: %w", err)
			}
			if err := clientChanged(ctx, tx, o.t.chatID, id, CancelOptedOut, now); err != nil {
				return err
			}
			changed = append(changed, id)
		}
		return nil
	})
	return changed, err
}

// Withdraw undoes the clients' requests (they answered VOLTAR): each gets
// back the pause state it had before asking, and today is planned again.
// It returns the clients whose state changed.
func (o OptOuts) Withdraw(ctx context.Context, clientIDs []int64) ([]int64, error) {
	var changed []int64
	err := o.t.s.tx(ctx, func(tx *sql.Tx) error {
		changed = nil
		now := unix(o.t.s.now())
		for _, id := range clientIDs {
			var wasPaused bool
			err := tx.QueryRowContext(ctx, `DELETE FROM client_optouts WHERE reseller_id = ? AND client_id = ? RETURNING was_paused`,
				o.t.chatID, id).Scan(&wasPaused)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: withdraw opt-out: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE clients SET paused = ?, updated_at = ? WHERE reseller_id = ? AND id = ?`,
				wasPaused, now, o.t.chatID, id); err != nil {
				return fmt.Errorf("store: withdraw opt-out: %w", err)
			}
			if err := clientChanged(ctx, tx, o.t.chatID, id, "", now); err != nil {
				return err
			}
			changed = append(changed, id)
		}
		return nil
	})
	return changed, err
}

// Get returns a client's opt-out; ok is false when it has none.
func (o OptOuts) Get(ctx context.Context, clientID int64) (OptOut, bool, error) {
	out, err := scanOptOut(o.t.s.read.QueryRowContext(ctx, `SELECT `+optOutCols+` FROM client_optouts
		WHERE reseller_id = ? AND client_id = ?`, o.t.chatID, clientID))
	if errors.Is(err, ErrNotFound) {
		return OptOut{}, false, nil
	}
	if err != nil {
		return OptOut{}, false, fmt.Errorf("store: opt-out: %w", err)
	}
	return out, true, nil
}

// Of returns the opt-outs among clientIDs (one page of a list), by client.
func (o OptOuts) Of(ctx context.Context, clientIDs []int64) (map[int64]OptOut, error) {
	out := map[int64]OptOut{}
	if len(clientIDs) == 0 {
		return out, nil
	}
	args := []any{o.t.chatID}
	for _, id := range clientIDs {
		args = append(args, id)
	}
	rows, err := o.t.s.read.QueryContext(ctx, `SELECT `+optOutCols+` FROM client_optouts
		WHERE reseller_id = ? AND client_id IN (`+placeholders(len(clientIDs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: opt-outs: %w", err)
	}
	list, err := collect(rows, scanOptOut)
	for _, v := range list {
		out[v.ClientID] = v
	}
	return out, err
}
