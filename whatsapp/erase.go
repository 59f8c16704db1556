package whatsapp

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoAccount means the chat has no account in the product (erased, or
// never registered): a device linked for it belongs to nobody. The
// SessionStore's SaveSession returns it; a pairing that completes for such
// a chat logs the new device out and deletes its file.
var ErrNoAccount = errors.New("whatsapp: the chat has no account")

// chatForgetter is a Driver that keeps data of a chat outside its device
// file (the dry-run driver's send log).
type chatForgetter interface {
	Forget(chatID int64) error
}

// Erase removes chatID's WhatsApp when the reseller's account is erased,
// and runs eraseRows (the deletion of their rows) while no device can be
// linked for them: under the session's lifecycle lock, which every pairing
// takes, it cancels a pairing in progress, logs the device out, deletes its
// file and our record, has the driver forget the chat, and then calls
// eraseRows. A pairing that starts after that finds no account when it
// completes and undoes itself (see completePairing).
//
// An error wrapping ErrLogoutFailed means WhatsApp did not confirm the
// logout but everything else was done, the rows included; eraseRows' own
// error is returned as is; any other error means nothing was erased.
func (m *Manager) Erase(ctx context.Context, chatID int64, eraseRows func(context.Context) error) error {
	s, err := m.session(chatID)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	unlinkErr := s.unlinkLocked(ctx)
	if unlinkErr != nil && !errors.Is(unlinkErr, ErrLogoutFailed) {
		return unlinkErr
	}
	if f, ok := m.driver.(chatForgetter); ok {
		if err := f.Forget(chatID); err != nil {
			return fmt.Errorf("whatsapp: forget chat %d: %w", chatID, err)
		}
	}
	if err := eraseRows(ctx); err != nil {
		return err
	}
	return unlinkErr
}

// unlinkForNobody undoes a device just linked for a chat without an
// account: logout, file, client, as Unlink does. It runs apart because the
// pairing goroutine that found out does not hold op.
func (s *session) unlinkForNobody() {
	s.m.log.Warn("linked a device for a chat without an account; unlinking it", "chat", s.chatID)
	s.m.spawn(func() {
		if s.lock(s.m.ctx) != nil {
			return // closing: the file stays, and adopting it at the next start unlinks it the same way
		}
		defer s.unlock()
		if err := s.unlinkLocked(s.m.ctx); err != nil {
			s.m.log.Warn("unlinking the device of a chat without an account", "chat", s.chatID, "err", err)
		}
	})
}
