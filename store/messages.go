package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"renovabot/billing"
)

// MessageStatus is where a WhatsApp message to a client stands.
type MessageStatus string

// Message statuses. pending and sending exist only for automatic reminders
// in the outbox; delivered and read come from WhatsApp receipts.
const (
	MsgPending   MessageStatus = "pending"
	MsgSending   MessageStatus = "sending"
	MsgSent      MessageStatus = "sent"
	MsgDelivered MessageStatus = "delivered"
	MsgRead      MessageStatus = "read"
	MsgFailed    MessageStatus = "failed"
	MsgSkipped   MessageStatus = "skipped"
	MsgCancelled MessageStatus = "cancelled"
)

// Message origins.
const (
	OriginAuto   = "auto"
	OriginManual = "manual"
	OriginTest   = "test"
)

// Message is one WhatsApp message to a client (sent, failed or planned).
type Message struct {
	ID         int64
	ClientID   int64 // 0 when the client was deleted since
	ClientName string
	Phone      string
	Kind       string
	Origin     string
	Stage      int // auto only
	DueDate    billing.Date
	SendOn     billing.Date
	Status     MessageStatus
	WAID       string
	Body       string
	// FollowWAID and FollowBody are the second WhatsApp message sent right
	// after Body (the Pix copia-e-cola on its own), "" when there is none.
	// Receipts and the status follow the first one.
	FollowWAID string
	FollowBody string
	Error      string
	Attempts   int
	CreatedAt  time.Time
	SentAt     time.Time
}

// FullText is what the message says in all: its text and, on a line of
// its own, the second part sent after it (the Pix code), if any.
func (m Message) FullText() string {
	if m.FollowBody == "" {
		return m.Body
	}
	return m.Body + "\n" + m.FollowBody
}

// NewMessage records a message sent (or refused) right away: manual sends
// and test messages.
type NewMessage struct {
	ClientID   int64 // 0 for a test message to the reseller's own number
	ClientName string
	Phone      string
	Kind       string
	Origin     string
	Status     MessageStatus // sent or failed
	WAID       string
	Body       string
	FollowWAID string // see Message.FollowWAID
	FollowBody string
	Error      string
}

// Messages is the tenant's message log.
type Messages struct{ t Tenant }

// Messages returns the tenant's message log.
func (t Tenant) Messages() Messages { return Messages{t} }

const messageCols = `id, COALESCE(client_id, 0), client_name, phone, kind, origin, COALESCE(stage, 0),
	COALESCE(due_date, ''), COALESCE(send_on, ''), status, wa_id, body, follow_wa_id, follow_body, error, attempts, created_at, sent_at`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var due, on string
	var created int64
	var sent sql.NullInt64
	if err := row.Scan(&m.ID, &m.ClientID, &m.ClientName, &m.Phone, &m.Kind, &m.Origin, &m.Stage, &due, &on,
		&m.Status, &m.WAID, &m.Body, &m.FollowWAID, &m.FollowBody, &m.Error, &m.Attempts, &created, &sent); err != nil {
		return Message{}, notFound(err)
	}
	if due != "" {
		m.DueDate, _ = billing.ParseISO(due)
	}
	if on != "" {
		m.SendOn, _ = billing.ParseISO(on)
	}
	m.CreatedAt, m.SentAt = fromUnix(created), nullUnix(sent)
	return m, nil
}

// Log records a message that was just sent or refused. A ClientID must be
// the tenant's own client (ErrNotFound otherwise).
func (m Messages) Log(ctx context.Context, n NewMessage) (Message, error) {
	var out Message
	err := m.t.s.tx(ctx, func(tx *sql.Tx) error {
		client, err := tenantClient(ctx, tx, m.t.chatID, n.ClientID)
		if err != nil {
			return err
		}
		now := unix(m.t.s.now())
		var sent any
		if n.Status == MsgSent {
			sent = now
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO messages (reseller_id, client_id, client_name, phone, kind, origin, status,
				wa_id, body, follow_wa_id, follow_body, error, attempts, created_at, sent_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			m.t.chatID, client, n.ClientName, n.Phone, n.Kind, n.Origin, n.Status, n.WAID, n.Body, n.FollowWAID, n.FollowBody, n.Error,
			now, sent, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: log message: %w", err)
		}
		out, err = scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE id = ?`, id))
		return err
	})
	return out, err
}

// tenantClient is the client_id argument of a row that names clientID:
// NULL for 0 (no client), else clientID if it is chatID's own client
// (ErrNotFound otherwise).
func tenantClient(ctx context.Context, tx *sql.Tx, chatID, clientID int64) (any, error) {
	if clientID == 0 {
		return nil, nil
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM clients WHERE reseller_id = ? AND id = ?)`,
		chatID, clientID).Scan(&ok); err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return clientID, nil
}

// Get returns one message of the tenant.
func (m Messages) Get(ctx context.Context, id int64) (Message, error) {
	return scanMessage(m.t.s.read.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE reseller_id = ? AND id = ?`,
		m.t.chatID, id))
}

// ForClient returns a client's messages, newest first.
func (m Messages) ForClient(ctx context.Context, clientID int64, limit int) ([]Message, error) {
	rows, err := m.t.s.read.QueryContext(ctx, `SELECT `+messageCols+` FROM messages WHERE reseller_id = ? AND client_id = ?
		ORDER BY id DESC LIMIT ?`, m.t.chatID, clientID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: client messages: %w", err)
	}
	return collectMessages(rows)
}

// Receipt records a WhatsApp receipt for the tenant's message with this
// WhatsApp id (see RecordReceipts).
func (m Messages) Receipt(ctx context.Context, waID string, st MessageStatus) error {
	return m.t.s.RecordReceipts(ctx, []ReceiptUpdate{{ChatID: m.t.chatID, WAID: waID, Status: st}})
}

// ReceiptUpdate is one WhatsApp receipt for the message ChatID's session
// sent with id WAID: MsgDelivered or MsgRead.
type ReceiptUpdate struct {
	ChatID int64
	WAID   string
	Status MessageStatus
}

// receiptFrom lists, per receipt, the statuses it may move a message from.
// Statuses only move forward (sent -> delivered -> read), since receipts
// may arrive out of order. 'sending': the receipt can arrive before the
// scheduler records the send it belongs to; the receipt proves it left.
var receiptFrom = map[MessageStatus]string{
	MsgDelivered: `'sending', 'sent'`,
	MsgRead:      `'sending', 'sent', 'delivered'`,
}

// RecordReceipts records the receipts of the WhatsApp receipt writer, of
// any resellers, in one transaction: a burst of thousands (a reconnect
// delivers what queued up meanwhile) costs one commit per batch, not one
// per receipt. Each update touches only its own reseller's message.
func (s *Store) RecordReceipts(ctx context.Context, batch []ReceiptUpdate) error {
	for _, u := range batch {
		if receiptFrom[u.Status] == "" {
			return fmt.Errorf("store: %q is not a receipt status", u.Status)
		}
	}
	now := unix(s.now())
	return s.tx(ctx, func(tx *sql.Tx) error {
		stmts := make(map[MessageStatus]*sql.Stmt, len(receiptFrom))
		for st, from := range receiptFrom {
			// wa_id != '' lets SQLite use the partial index messages_by_wa_id
			// instead of scanning all of the reseller's messages.
			stmt, err := tx.PrepareContext(ctx, `UPDATE messages SET status = ?, updated_at = ?
				WHERE reseller_id = ? AND wa_id = ? AND wa_id != '' AND status IN (`+from+`)`)
			if err != nil {
				return fmt.Errorf("store: receipt: %w", err)
			}
			defer stmt.Close()
			stmts[st] = stmt
		}
		for _, u := range batch {
			if _, err := stmts[u.Status].ExecContext(ctx, u.Status, now, u.ChatID, u.WAID); err != nil {
				return fmt.Errorf("store: receipt: %w", err)
			}
		}
		return nil
	})
}

// Recent returns the tenant's latest messages, newest first.
func (m Messages) Recent(ctx context.Context, limit int) ([]Message, error) {
	rows, err := m.t.s.read.QueryContext(ctx, `SELECT `+messageCols+` FROM messages WHERE reseller_id = ? ORDER BY id DESC LIMIT ?`,
		m.t.chatID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent messages: %w", err)
	}
	return collectMessages(rows)
}

// SentText returns the phone and text of the tenant's message with this
// WhatsApp id, whatever its status: a recipient asking for it again proves
// it left. The id may be a message's second part (FollowWAID). ok is false
// when the tenant has no such message.
func (m Messages) SentText(ctx context.Context, waID string) (phone, body string, ok bool, err error) {
	if waID == "" {
		return "", "", false, nil
	}
	// Two indexed lookups (messages_by_wa_id, messages_by_follow_wa_id).
	err = m.t.s.read.QueryRowContext(ctx, `SELECT phone, text FROM (
			SELECT id, phone, body AS text FROM messages WHERE reseller_id = ?1 AND wa_id = ?2 AND wa_id != '' AND body != ''
			UNION ALL
			SELECT id, phone, follow_body FROM messages WHERE reseller_id = ?1 AND follow_wa_id = ?2 AND follow_wa_id != '' AND follow_body != '') sent
		ORDER BY id DESC LIMIT 1`, m.t.chatID, waID).Scan(&phone, &body)
	if err == sql.ErrNoRows {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("store: sent text: %w", err)
	}
	return phone, body, true, nil
}

func collectMessages(rows *sql.Rows) ([]Message, error) { return collect(rows, scanMessage) }

// SentSince counts the tenant's messages that left WhatsApp since t
// (sent, delivered or read), for the daily cap.
func (m Messages) SentSince(ctx context.Context, t time.Time) (int, error) {
	var n int
	err := m.t.s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages
		WHERE reseller_id = ? AND sent_at >= ? AND status IN ('sent', 'delivered', 'read')`, m.t.chatID, unix(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: sent since: %w", err)
	}
	return n, nil
}
