package bot

import (
	"context"
	"errors"

	"renovabot/store"
)

// Act-once buttons: a screen whose buttons must act at most once (a
// renewal, an admin card's "+1 mês", a confirmation such as "Sim,
// desconectar" or "Sim, restaurar") carries the screen's token in each of
// them, as a wizard's buttons carry the wizard's token. The store spends
// the token in the transaction of the action itself (store.Renewal.Once,
// store.AccessChange.Once, Templates.Restore, Reminders.SetPaused), so a
// second press of any button of that screen, queued behind the first or
// replayed later, finds it spent (store.ErrSpent) and is told what was
// already done. A check on the data alone is not enough: an undone
// renewal puts the due date back where the button expects it, "+1 mês"
// always finds an access to extend, and an old "Sim, desconectar" would unlink a
// number linked again since. An action outside the database goes through
// actOnce.

// onceToken returns a new screen token for act-once buttons.
func onceToken() string { return newToken() }

// onceArg reads the act-once token of a button (argument i). A button
// without one (drawn before act-once buttons existed) is stale.
func onceArg(r *Request, i int) (string, error) {
	tok, err := r.Data.Arg(i)
	if err != nil || tok == "" {
		return "", ErrStale
	}
	return tok, nil
}

// spent answers an action refused with store.ErrSpent with done (pt-BR:
// what the first press did) and reports true; any other err is left to
// the caller. Nothing on the screen changes: it already shows the result
// of the first press.
func spent(r *Request, err error, done string) (bool, error) {
	if !errors.Is(err, store.ErrSpent) {
		return false, nil
	}
	return true, r.Refuse(done)
}

// actOnce runs act, an action outside the database (a WhatsApp unlink),
// at most once for the act-once token: the token is spent first and act
// runs only if that worked; a press whose token was spent is answered
// with done. When act fails the token is given back, so the same button
// can try again.
func actOnce(r *Request, token, done string, act func() error) error {
	err := r.Tenant.SpendOnce(r.Ctx, token)
	if wasSpent, err := spent(r, err, done); wasSpent {
		return err
	}
	if err != nil {
		return err
	}
	if err := act(); err != nil {
		if rerr := r.Tenant.RefundOnce(context.WithoutCancel(r.Ctx), token); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return nil
}
