package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqlite3 "github.com/mattn/go-sqlite3"
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
	var se sqlite3.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey || se.ExtendedCode == sqlite3.ErrConstraintUnique):
		return ErrSpent
	case errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey:
		return ErrNotFound
	}
	return fmt.Errorf("store: spend button token: %w", err)
}
