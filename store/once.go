package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrSpent is returned when an act-once button is pressed again: its
// screen's token was already spent by the action it started.
var ErrSpent = errors.New("store: button already used")

// spendOnce spends the token of an act-once button for chatID inside tx,
// the transaction of the action itself, so the action and the spending
// commit (or roll back) together. ErrSpent if it was spent before. An
// empty token spends nothing: the action has no act-once button.
func spendOnce(ctx context.Context, tx *sql.Tx, chatID int64, token string, now int64) error {
	if token == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO spent_tokens (chat_id, token, spent_at) VALUES (?, ?, ?)`, chatID, token, now)
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return ErrSpent
	case isForeignKeyViolation(err):
		return ErrNotFound
	}
	return fmt.Errorf("store: spend button token: %w", err)
}

// SpendOnce spends an act-once token by itself, for an action that is not
// a database write and so cannot share its transaction (a WhatsApp
// unlink): the caller spends the token first and acts only when that
// worked, and gives the token back (RefundOnce) when the action then
// fails, so the same button may try again. ErrSpent if it was spent.
func (t Tenant) SpendOnce(ctx context.Context, token string) error {
	if token == "" {
		return fmt.Errorf("store: empty act-once token")
	}
	return t.s.tx(ctx, func(tx *sql.Tx) error { return spendOnce(ctx, tx, t.chatID, token, unix(t.s.now())) })
}

// RefundOnce gives back a token spent by SpendOnce whose action failed.
func (t Tenant) RefundOnce(ctx context.Context, token string) error {
	if _, err := t.s.write.ExecContext(ctx, `DELETE FROM spent_tokens WHERE chat_id = ? AND token = ?`, t.chatID, token); err != nil {
		return fmt.Errorf("store: refund button token: %w", err)
	}
	return nil
}
