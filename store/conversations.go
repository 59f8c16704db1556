package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Conversation is the wizard a reseller is in: which flow, which step, the
// answers so far. Token identifies this run of the wizard so buttons of an
// earlier run are recognised as stale.
type Conversation struct {
	Flow      string
	Step      string
	Token     string
	Data      map[string]string
	MessageID int // the last question message, to edit it when answered by a button
	UpdatedAt time.Time
}

// Conversations stores the tenant's wizard state.
type Conversations struct{ t Tenant }

// Get returns the tenant's current conversation or ErrNotFound.
func (c Conversations) Get(ctx context.Context) (Conversation, error) {
	var conv Conversation
	var data string
	var updated int64
	err := c.t.s.read.QueryRowContext(ctx, `SELECT flow, step, token, data, message_id, updated_at
		FROM conversations WHERE chat_id = ?`, c.t.chatID).
		Scan(&conv.Flow, &conv.Step, &conv.Token, &data, &conv.MessageID, &updated)
	if err != nil {
		return Conversation{}, notFound(err)
	}
	if err := json.Unmarshal([]byte(data), &conv.Data); err != nil {
		return Conversation{}, fmt.Errorf("store: conversation data: %w", err)
	}
	if conv.Data == nil {
		conv.Data = map[string]string{}
	}
	conv.UpdatedAt = fromUnix(updated)
	return conv, nil
}

// Save stores the conversation, replacing the previous one.
func (c Conversations) Save(ctx context.Context, conv Conversation) error {
	data, err := json.Marshal(conv.Data)
	if err != nil {
		return fmt.Errorf("store: conversation data: %w", err)
	}
	_, err = c.t.s.write.ExecContext(ctx, `INSERT INTO conversations (chat_id, flow, step, token, data, message_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (chat_id) DO UPDATE SET flow = excluded.flow, step = excluded.step, token = excluded.token,
			data = excluded.data, message_id = excluded.message_id, updated_at = excluded.updated_at`,
		c.t.chatID, conv.Flow, conv.Step, conv.Token, string(data), conv.MessageID, unix(c.t.s.now()))
	if err != nil {
		return fmt.Errorf("store: save conversation: %w", err)
	}
	return nil
}

// Clear ends the tenant's conversation, if any.
func (c Conversations) Clear(ctx context.Context) error {
	if _, err := c.t.s.write.ExecContext(ctx, `DELETE FROM conversations WHERE chat_id = ?`, c.t.chatID); err != nil {
		return fmt.Errorf("store: clear conversation: %w", err)
	}
	return nil
}
