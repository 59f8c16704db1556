package subscription

import (
	"context"
	"errors"

	"renovabot/store"
)

// Run polls the pending payments now and then every PollEvery until ctx
// ends. Pending payments are rows, so the first poll after a restart
// finds those created before it. It returns at once for a provider whose
// payments an admin confirms.
func (s *Service) Run(ctx context.Context) {
	if s.checker == nil {
		return
	}
	for {
		if err := s.Poll(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("polling payments", "err", err)
		}
		if s.clock.Sleep(ctx, s.cfg.PollEvery) != nil {
			return
		}
	}
}

// Poll asks the provider about every pending payment once. A payment the
// provider could not answer about stays pending for the next poll.
func (s *Service) Poll(ctx context.Context) error {
	if s.checker == nil {
		return nil
	}
	list, err := s.store.SubscriptionsToPoll(ctx, s.provider.Name())
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range list {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := s.check(ctx, p); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		s.log.Warn("some payments could not be checked; they are checked again at the next poll", "count", len(errs))
	}
	return errors.Join(errs...)
}

// Check asks the provider about one of the reseller's payments now (the
// reseller's "Já paguei"), through the same path as the poller, and
// returns the payment as it stands after. A payment no longer pending is
// returned as it is, without asking.
func (s *Service) Check(ctx context.Context, chatID, id int64) (store.SubscriptionPayment, error) {
	p, err := s.store.Tenant(chatID).Subscriptions().Get(ctx, id)
	if err != nil || s.checker == nil || p.Status != store.SubPending || p.ProviderRef == "" {
		return p, err
	}
	return s.check(ctx, p)
}

// check asks about one pending payment and records what changed: a
// payment paid in full is credited (once: the store's ledger key), one paid
// another amount is not (admins alerted), one rejected, cancelled or
// expired is closed. Only the caller that made the change tells people, so
// a payment seen approved by two polls, a press and a restart is announced
// once. The reseller's lock keeps an erasure from overlapping the work.
func (s *Service) check(ctx context.Context, p store.SubscriptionPayment) (store.SubscriptionPayment, error) {
	t := s.store.Tenant(p.ResellerID)
	ctx, release, err := t.Lock(ctx)
	if errors.Is(err, store.ErrErasing) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	defer release()
	res, err := s.checker.Check(ctx, p.ProviderRef)
	if err != nil {
		s.log.Warn("checking a payment failed", "chat", p.ResellerID, "payment", p.ID, "err", err)
		return p, err
	}
	subs := t.Subscriptions()
	switch res.Outcome {
	case Paid:
		if res.Paid != p.Amount {
			q, changed, err := subs.Settle(ctx, p.ID, store.SubMismatch, res.Paid, res.Detail)
			if err != nil || !changed {
				return q, err
			}
			s.log.Warn("payment approved with another amount: not credited", "chat", p.ResellerID, "payment", p.ID,
				"amount", p.Amount, "paid", res.Paid)
			s.tell(func(n Notifier) error { return n.SubscriptionMismatch(ctx, q) })
			return q, nil
		}
		c, err := subs.CreditPaid(ctx, p.ID, res.Paid)
		if errors.Is(err, store.ErrAlreadyCredited) || errors.Is(err, store.ErrAlreadyDecided) {
			q, gerr := subs.Get(ctx, p.ID)
			return q, gerr
		}
		if err != nil {
			return p, err
		}
		s.log.Info("payment credited", "chat", p.ResellerID, "payment", p.ID, "months", p.Months)
		s.tell(func(n Notifier) error { return n.SubscriptionPaid(ctx, c) })
		return c.Payment, nil
	case Rejected, Cancelled, Expired:
		to := map[Outcome]store.SubscriptionStatus{Rejected: store.SubRejected, Cancelled: store.SubCancelled, Expired: store.SubExpired}[res.Outcome]
		return s.close(ctx, subs, p, to, res.Detail)
	}
	if !p.ExpiresAt.IsZero() && s.clock.Now().After(p.ExpiresAt.Add(givenUp)) {
		// Long past its expiry and still "pending": stop asking.
		return s.close(ctx, subs, p, store.SubExpired, "sem confirmação do provedor")
	}
	return p, nil
}

// close settles a payment that credits nothing and tells the reseller, if
// this call is the one that settled it.
func (s *Service) close(ctx context.Context, subs store.Subscriptions, p store.SubscriptionPayment, to store.SubscriptionStatus, detail string) (store.SubscriptionPayment, error) {
	q, changed, err := subs.Settle(ctx, p.ID, to, 0, detail)
	if err != nil || !changed {
		return q, err
	}
	s.log.Info("payment closed", "chat", p.ResellerID, "payment", p.ID, "status", string(to))
	s.tell(func(n Notifier) error { return n.SubscriptionEnded(ctx, q) })
	return q, nil
}

func (s *Service) tell(f func(Notifier) error) {
	n := s.notifier()
	if n == nil {
		s.log.Warn("payment news with nobody to tell (no notifier set)")
		return
	}
	if err := f(n); err != nil {
		s.log.Warn("telling about a payment", "err", err)
	}
}
