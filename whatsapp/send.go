package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"renovabot/billing"
)

// send is the one sending path of a session (Send and SendTest). Sends of
// one session run one at a time so the pacing gap holds; sessions do not
// wait for each other.
func (s *session) send(ctx context.Context, phone string, self bool, text string, opts SendOptions) (string, error) {
	select {
	case s.sendSem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.sendSem }()
	m := s.m

	if err := s.lock(ctx); err != nil {
		return "", err
	}
	err := s.ensureRunningLocked(ctx)
	s.unlock()
	if err != nil {
		return "", err
	}
	client, genCtx, err := s.waitConnected(ctx)
	if err != nil {
		return "", err
	}
	if err := s.checkCap(ctx, m.clock.Now()); err != nil {
		return "", err
	}

	// sctx also ends when this client is retired (ban, logout, unlink, ...),
	// so a send never outlives the connection it started on.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(genCtx, cancel)
	defer stop()

	if wait := s.nextAt.Sub(m.clock.Now()); wait > 0 {
		if err := m.clock.Sleep(sctx, wait); err != nil {
			return "", s.interrupted(ctx)
		}
	}
	// From here on the server sees traffic: the slot is used whatever the
	// outcome, so failures cannot turn into a burst of retries.
	defer func() { s.nextAt = m.clock.Now().Add(m.gap()) }()

	s.lockMu()
	connected := s.state == StateConnected && s.client == client
	ownPhone := s.rec.Phone
	s.unlockMu()
	if !connected {
		return "", s.unavailableErr()
	}

	jid, cached := phoneJID(ownPhone), false
	if !self {
		if jid, cached, err = s.resolve(sctx, client, phone); err != nil {
			return "", s.sendErr(ctx, sctx, client, err)
		}
	}
	if m.cfg.TypingFor > 0 {
		if err := client.SendTyping(sctx, jid); err != nil {
			m.log.Debug("typing presence failed", "chat", s.chatID, "err", err)
		} else if err := m.clock.Sleep(sctx, m.cfg.TypingFor); err != nil {
			return "", s.interrupted(ctx)
		}
	}
	if opts.Check != nil {
		if err := opts.Check(sctx); err != nil {
			return "", err
		}
	}
	id := opts.MessageID
	if id == "" {
		id = newMessageID(m.clock.Now())
	}
	err = client.SendText(sctx, jid, text, id)
	if !self && errors.Is(err, ErrNotOnWhatsApp) {
		jid, err = s.notOnWhatsApp(sctx, client, phone, jid, cached, text, id, err)
	}
	if err != nil {
		return "", s.sendErr(ctx, sctx, client, err)
	}
	s.capCount++
	if strings.TrimSpace(opts.Follow) == "" {
		return id, nil
	}
	// The second part goes at once, to the JID the first one reached: one
	// send as far as pacing and the cap are concerned.
	fid := opts.FollowID
	if fid == "" {
		fid = newMessageID(m.clock.Now())
	}
	if err := client.SendText(sctx, jid, opts.Follow, fid); err != nil {
		return id, &FollowError{Err: s.sendErr(ctx, sctx, client, err)}
	}
	return id, nil
}

// jidCacheTTL is how long what a number resolved to is trusted: people
// leave WhatsApp and numbers change hands.
const jidCacheTTL = 30 * 24 * time.Hour

// resolve finds the JID of phone as this reseller's session sees it: the
// cache first (cached reports it came from there), then the server.
func (s *session) resolve(ctx context.Context, client Client, phone string) (jid string, cached bool, err error) {
	m := s.m
	if jid, ok, err := m.store.CachedJID(ctx, s.chatID, phone, m.clock.Now().Add(-jidCacheTTL)); err != nil {
		m.log.Warn("reading JID cache", "chat", s.chatID, "err", err)
	} else if ok && jid != "" {
		return jid, true, nil
	}
	if jid, err = s.lookup(ctx, client, phone); err != nil {
		return "", false, err
	}
	s.cacheJID(ctx, phone, jid)
	return jid, false, nil
}

// lookup asks the server for the JID of phone, trying the 9th-digit variant
// of a Brazilian mobile only when the number as given is not on WhatsApp.
func (s *session) lookup(ctx context.Context, client Client, phone string) (string, error) {
	candidates := []string{phone}
	if v, ok := billing.NinthDigitVariant(phone); ok {
		candidates = append(candidates, v)
	}
	for _, c := range candidates {
		res, err := client.IsOnWhatsApp(ctx, []string{c})
		if err != nil {
			return "", err
		}
		for _, r := range res {
			if r.OnWhatsApp && r.JID != "" {
				return r.JID, nil
			}
		}
	}
	return "", ErrNotOnWhatsApp // the caller knows the number; errors end up in logs
}

func (s *session) cacheJID(ctx context.Context, phone, jid string) {
	if err := s.m.store.CacheJID(ctx, s.chatID, phone, jid); err != nil {
		s.m.log.Warn("writing JID cache", "chat", s.chatID, "err", err)
	}
}

// notOnWhatsApp handles WhatsApp finding no account behind jid when
// sending: the cached answer for phone is dropped, and when jid came from
// the cache (it may be stale: the number moved to its other 9th-digit
// form) the server is asked once more and a different answer is tried. It
// returns the JID the message went to.
func (s *session) notOnWhatsApp(ctx context.Context, client Client, phone, jid string, cached bool, text, id string, sendErr error) (string, error) {
	if err := s.m.store.ForgetJID(ctx, s.chatID, phone); err != nil {
		s.m.log.Warn("dropping JID cache entry", "chat", s.chatID, "err", err)
	}
	if !cached {
		return jid, sendErr
	}
	fresh, err := s.lookup(ctx, client, phone)
	if err != nil {
		return jid, err
	}
	if fresh == jid {
		return jid, sendErr
	}
	if err := client.SendText(ctx, fresh, text, id); err != nil {
		return jid, err
	}
	s.cacheJID(ctx, phone, fresh)
	return fresh, nil
}

// checkCap enforces DailyCap per reseller day (CapLocation). The count of
// a new day starts from what the store says was already sent that day, so
// a restart does not reset it. Called with sendSem held.
func (s *session) checkCap(ctx context.Context, now time.Time) error {
	limit := s.m.cfg.DailyCap
	if limit <= 0 {
		return nil
	}
	local := now.In(s.m.cfg.CapLocation)
	y, mo, d := local.Date()
	day := time.Date(y, mo, d, 0, 0, 0, 0, s.m.cfg.CapLocation)
	if !day.Equal(s.capDay) {
		sent, err := s.m.store.SentSince(ctx, s.chatID, day)
		if err != nil {
			return &TransientError{Err: fmt.Errorf("count today's messages: %w", err)}
		}
		s.capDay, s.capCount = day, sent
	}
	if s.capCount >= limit {
		return &DailyCapError{Limit: limit, ResetAt: day.AddDate(0, 0, 1)}
	}
	return nil
}

// interrupted explains a wait that ended early: the caller's ctx, or the
// client being retired under us (then the session state says why).
func (s *session) interrupted(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.unavailableErr()
}

// sendErr adds session knowledge to client's error: who cancelled, a
// socket found gone, and whether a 463 is the account's reach-out time-lock.
func (s *session) sendErr(ctx, sctx context.Context, client Client, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if sctx.Err() != nil {
		return s.unavailableErr()
	}
	switch {
	case errors.Is(err, ErrNotConnected):
		s.connectionGone(client)
	case errors.Is(err, ErrRecipientRestricted):
		// Only a time-lock notice makes a 463 account-wide; otherwise it
		// concerns this recipient alone and nobody is told about a lock.
		s.lockMu()
		active, until := s.timelockActiveLocked(s.m.clock.Now()), s.timelockUntil
		s.unlockMu()
		if active {
			return &RateLimitedError{Reachout: true, Until: until, Err: err}
		}
	}
	return err
}
