package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// How long WhatsApp Web shows each QR code of a pair-device batch: the first
// for 60 s, the others for 20 s (whatsmeow's qrchan.go does the same). The
// server closes the socket when the batch runs out (~160 s).
const (
	firstQRCodeTTL = 60 * time.Second
	nextQRCodeTTL  = 20 * time.Second
)

// pairing is one pairing attempt. Its goroutine owns the unpaired client:
// anyone else who needs the session's client (a new pairing, Unlink, Close)
// cancels the attempt and waits for done first.
type pairing struct {
	phone     string // "" for QR pairing
	gen       uint64
	prev      State // restored when the attempt fails
	client    Client
	in        chan ClientEvent
	out       chan PairEvent
	answers   chan passkeyAnswer // ConfirmPasskeyCode -> runPairing
	ctx       context.Context
	cancel    context.CancelFunc
	callerCtx context.Context
	done      chan struct{}
	doneOnce  sync.Once
}

// release signals that the attempt no longer owns the session's client.
// Notifications are sent only after it, so a Notifier that calls back into
// the Manager cannot deadlock with a caller waiting in stopPairingLocked.
func (p *pairing) release() { p.doneOnce.Do(func() { close(p.done) }) }

func (s *session) startPairing(ctx context.Context, phone string) (<-chan PairEvent, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.unlock()
	if s.m.ctx.Err() != nil {
		return nil, ErrClosed
	}
	if err := s.loadLocked(ctx); err != nil {
		return nil, err
	}
	s.stopPairingLocked() // "pairing in progress": the newest request wins

	s.lockMu()
	linked := s.hasRec && s.state != StateLoggedOut
	prev := s.state
	s.unlockMu()
	if linked {
		return nil, ErrAlreadyLinked
	}
	// A logged-out client may still be open, and an unpaired leftover file
	// would only hold stale keys: start from a fresh device.
	s.closeClientLocked(0, true)
	if err := s.m.driver.Remove(s.chatID); err != nil {
		return nil, fmt.Errorf("whatsapp: remove stale device file: %w", err)
	}

	gen, genCtx := s.newGen()
	pctx, cancel := context.WithCancel(genCtx)
	p := &pairing{
		phone:     phone,
		gen:       gen,
		prev:      prev,
		in:        make(chan ClientEvent, 32),
		out:       make(chan PairEvent, 4),
		answers:   make(chan passkeyAnswer),
		ctx:       pctx,
		cancel:    cancel,
		callerCtx: ctx,
		done:      make(chan struct{}),
	}
	s.lockMu()
	s.pairing = p
	s.setStateLocked(StatePairing)
	s.unlockMu()

	client, err := s.m.driver.Open(ctx, s.chatID, s.sink(gen))
	if err != nil {
		s.abortPairing(p)
		return nil, &TransientError{Err: fmt.Errorf("open device store: %w", err)}
	}
	s.lockMu()
	s.client, p.client = client, client
	s.unlockMu()
	if err := client.Connect(genCtx); err != nil {
		s.abortPairing(p)
		return nil, &TransientError{Err: fmt.Errorf("connect: %w", err)}
	}
	stop := context.AfterFunc(ctx, cancel) // the caller giving up ends the attempt
	if !s.m.spawn(func() { defer stop(); s.runPairing(p) }) {
		stop()
		s.abortPairing(p)
		return nil, ErrClosed
	}
	return p.out, nil
}

// abortPairing undoes a pairing that never got its goroutine.
func (s *session) abortPairing(p *pairing) {
	s.endPairing(p)
	p.cancel()
	close(p.out)
	p.release()
}

// endPairing closes the attempt's client, removes its file and restores the
// previous state.
func (s *session) endPairing(p *pairing) {
	if p.client != nil {
		if err := p.client.Close(); err != nil {
			s.m.log.Warn("closing pairing client", "chat", s.chatID, "err", err)
		}
	}
	if err := s.m.driver.Remove(s.chatID); err != nil {
		s.m.log.Warn("removing unpaired device file", "chat", s.chatID, "err", err)
	}
	s.lockMu()
	if s.pairing == p {
		s.pairing = nil
		if s.client == p.client {
			s.retireLocked()
		}
		s.setStateLocked(p.prev)
	}
	s.unlockMu()
}

// stopPairingLocked cancels the running attempt and waits for it to clean
// up. Caller holds op.
func (s *session) stopPairingLocked() {
	s.lockMu()
	p := s.pairing
	s.unlockMu()
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
}

func (s *session) runPairing(p *pairing) {
	m := s.m
	defer p.release()
	defer p.cancel()

	deadline, stopDeadline := m.after(p.ctx, m.cfg.PairTimeout)
	defer stopDeadline()
	var rotate <-chan struct{}
	stopRotate := func() {}
	defer func() { stopRotate() }()

	var codes []string
	codeSent, sawConnected := false, false
	// passkeyCode is the confirmation code shown to the reseller and not
	// answered yet; passkeyStep is set once WhatsApp moved to the passkey
	// confirmation, after which QR codes are stale.
	passkeyCode, passkeyStep := "", false
	fail := func(ev PairEvent) {
		s.endPairing(p)
		s.finishPairing(p, ev)
	}
	for {
		select {
		case <-p.ctx.Done():
			fail(PairEvent{Kind: PairError, Err: s.pairCancelCause(p)})
			return
		case <-deadline:
			fail(PairEvent{Kind: PairTimeout})
			return
		case a := <-p.answers:
			if passkeyCode == "" || a.code != passkeyCode {
				a.reply <- ErrNoPasskeyCode
				continue
			}
			passkeyCode = ""
			a.reply <- nil // answered once; what follows shows in the stream
			if !a.same {
				fail(PairEvent{Kind: PairError, Err: ErrPasskeyCodeRejected})
				return
			}
			if err := s.confirmPasskey(p); err != nil {
				fail(PairEvent{Kind: PairError, Err: err})
				return
			}
		case <-rotate:
			rotate = nil
			if len(codes) > 0 {
				p.offer(PairEvent{Kind: PairQR, Code: codes[0]})
				codes = codes[1:]
				stopRotate()
				rotate, stopRotate = m.after(p.ctx, nextQRCodeTTL)
			}
		case ev := <-p.in:
			switch ev.Kind {
			case ClientQR:
				if passkeyStep {
					continue
				}
				if p.phone != "" {
					// The first QR batch means the socket is up: ask for a
					// code once; later batches are irrelevant to code pairing.
					if codeSent {
						continue
					}
					code, err := p.client.PairCode(p.ctx, p.phone)
					if err != nil {
						if p.ctx.Err() != nil {
							err = s.pairCancelCause(p)
						}
						fail(PairEvent{Kind: PairError, Err: err})
						return
					}
					codeSent = true
					p.offer(PairEvent{Kind: PairCode, Code: code})
					continue
				}
				if len(ev.Codes) == 0 {
					continue
				}
				p.offer(PairEvent{Kind: PairQR, Code: ev.Codes[0]})
				codes = append([]string(nil), ev.Codes[1:]...)
				stopRotate()
				rotate, stopRotate = m.after(p.ctx, firstQRCodeTTL)
			case ClientPaired:
				s.completePairing(p, ev.JID, sawConnected)
				return
			case ClientConnected:
				sawConnected = true
			case ClientPairFailed:
				fail(PairEvent{Kind: PairError, Err: fmt.Errorf("whatsapp: pairing failed: %w", ev.Err)})
				return
			case ClientPasskeyRequired:
				fail(PairEvent{Kind: PairError, Err: passkeyRequired(ev.Detail, ev.Err)})
				return
			case ClientPasskeyConfirm:
				// A newer code replaces an unanswered one; QR codes stop.
				passkeyStep, passkeyCode = true, ""
				codes = nil
				stopRotate()
				rotate = nil
				if ev.Trusted {
					// The library proved continuity with the phone: no code
					// to compare (whatsmeow's own QR channel does the same).
					if err := s.confirmPasskey(p); err != nil {
						fail(PairEvent{Kind: PairError, Err: err})
						return
					}
					continue
				}
				if ev.Code == "" {
					fail(PairEvent{Kind: PairError, Err: errors.New("whatsapp: passkey confirmation without a code")})
					return
				}
				passkeyCode = ev.Code
				p.offer(PairEvent{Kind: PairPasskeyCode, Code: ev.Code})
			case ClientDisconnected:
				// The server closes the pairing socket when its codes run out.
				fail(PairEvent{Kind: PairTimeout})
				return
			case ClientOutdated:
				fail(PairEvent{Kind: PairError, Err: ErrClientOutdated})
				p.release()
				m.spawn(func() { m.versionRefused(nil, 0) })
				return
			case ClientLoggedOut, ClientReplaced, ClientTempBanned:
				fail(PairEvent{Kind: PairError, Err: fmt.Errorf("whatsapp: unexpected %s while pairing", ev.Kind)})
				return
			}
		}
	}
}

// completePairing records the new device and hands the client over to the
// session's normal event handling.
func (s *session) completePairing(p *pairing, jid string, sawConnected bool) {
	m := s.m
	if jid == "" {
		jid = p.client.DeviceJID()
	}
	rec := SessionRecord{ChatID: s.chatID, DeviceJID: jid, Phone: userOf(jid), LinkedAt: m.clock.Now(), State: StateConnected}
	saveErr := m.store.SaveSession(m.ctx, rec)

	s.lockMu()
	s.pairing = nil
	s.loaded, s.orphanChecked, s.hasRec, s.rec = true, true, true, rec
	s.banUntil, s.replacedAt, s.outdated = time.Time{}, time.Time{}, false
	s.setStateLocked(StateConnecting)
	if sawConnected {
		s.setStateLocked(StateConnected)
		s.connectedSince = m.clock.Now()
	}
	s.unlockMu()
	// Events that arrived while we were finishing (whatsmeow reconnects
	// right after pair-success) belong to the normal handler now.
	var late []ClientEvent
	for {
		select {
		case ev := <-p.in:
			late = append(late, ev)
			continue
		default:
		}
		break
	}
	// A login that already happened shows in the state before the caller
	// hears "success" (the dry-run driver logs in at once).
	for _, ev := range late {
		if ev.Kind == ClientConnected {
			s.lockMu()
			if s.gen == p.gen && s.state == StateConnecting {
				s.setStateLocked(StateConnected)
				s.connectedSince = m.clock.Now()
			}
			s.unlockMu()
		}
	}
	if saveErr != nil {
		// The device is linked and running; a restart adopts it from its
		// file (adoptOrphanLocked). Tell the caller the truth meanwhile.
		m.log.Error("linked but the record was not saved", "chat", s.chatID, "err", saveErr)
		s.finishPairing(p, PairEvent{Kind: PairError, Err: fmt.Errorf("whatsapp: linked but not saved: %w", saveErr)})
	} else {
		m.log.Info("linked", "chat", s.chatID)
		m.log.Debug("linked device", "chat", s.chatID, "jid", jid)
		s.finishPairing(p, PairEvent{Kind: PairSuccess, Phone: rec.Phone})
	}
	p.release()
	for _, ev := range late {
		s.handle(p.gen, ev)
	}
	if saveErr == nil {
		m.notify(Event{ChatID: s.chatID, Kind: EventLinked, Phone: rec.Phone})
	}
	if errors.Is(saveErr, ErrNoAccount) { // erased while pairing: the device is nobody's
		s.unlinkForNobody()
	}
}

// confirmPasskey sends the passkey confirmation on the attempt's client.
func (s *session) confirmPasskey(p *pairing) error {
	err := p.client.ConfirmPasskey(p.ctx)
	if err == nil {
		return nil
	}
	if p.ctx.Err() != nil {
		return s.pairCancelCause(p)
	}
	return fmt.Errorf("whatsapp: passkey confirmation: %w", err)
}

// passkeyAnswer is the reseller's answer to a passkey confirmation code.
type passkeyAnswer struct {
	code  string
	same  bool
	reply chan error // buffered: runPairing never waits on it
}

// ConfirmPasskeyCode answers the passkey step of chatID's running pairing:
// same tells whether code (shown by PairPasskeyCode) is the one on the
// reseller's phone. Same confirms it to WhatsApp; not same ends the
// pairing with ErrPasskeyCodeRejected. It acts once: when no pairing of
// chatID waits for an answer to code (never shown, answered already,
// ended, or another pairing's), it returns ErrNoPasskeyCode and changes
// nothing. It returns as soon as the answer is taken, before WhatsApp
// replies: the outcome arrives on the pairing stream.
func (m *Manager) ConfirmPasskeyCode(ctx context.Context, chatID int64, code string, same bool) error {
	s, err := m.session(chatID)
	if err != nil {
		return err
	}
	s.lockMu()
	p := s.pairing
	s.unlockMu()
	if p == nil {
		return ErrNoPasskeyCode
	}
	a := passkeyAnswer{code: code, same: same, reply: make(chan error, 1)}
	select {
	case p.answers <- a:
	case <-p.done:
		return ErrNoPasskeyCode
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-a.reply // runPairing replies right after taking the answer
}

// finishPairing records how the attempt ended, then ends its stream with
// ev: whoever reads the stream's end finds the outcome already stored.
func (s *session) finishPairing(p *pairing, ev PairEvent) {
	m := s.m
	if outcome, ok := pairOutcome(ev); ok && m.ctx.Err() == nil {
		if err := m.store.SavePairingOutcome(m.ctx, s.chatID, outcome, m.clock.Now()); err != nil {
			m.log.Warn("saving pairing outcome", "chat", s.chatID, "outcome", outcome, "err", err)
		}
	}
	p.finish(ev)
}

// pairOutcome classifies a final pairing event; ok is false for a pairing
// ended by our own shutdown, which says nothing about the reseller.
func pairOutcome(ev PairEvent) (PairOutcome, bool) {
	switch {
	case ev.Kind == PairSuccess:
		return OutcomeLinked, true
	case ev.Kind == PairTimeout:
		return OutcomeTimeout, true
	case errors.Is(ev.Err, ErrClosed):
		return "", false
	case errors.Is(ev.Err, ErrPasskeyRequired):
		return OutcomePasskeyRequired, true
	case errors.Is(ev.Err, ErrPasskeyCodeRejected):
		return OutcomeCodeRejected, true
	case errors.Is(ev.Err, ErrPairingCancelled), errors.Is(ev.Err, context.Canceled):
		return OutcomeCancelled, true
	}
	return OutcomeFailed, true
}

func (s *session) pairCancelCause(p *pairing) error {
	switch {
	case s.m.ctx.Err() != nil:
		return ErrClosed
	case p.callerCtx.Err() != nil:
		return p.callerCtx.Err()
	}
	return ErrPairingCancelled
}

// offer never blocks: when the reader is behind, the oldest unread item (a
// QR code that has expired anyway) makes room.
func (p *pairing) offer(ev PairEvent) {
	for {
		select {
		case p.out <- ev:
			return
		default:
		}
		select {
		case <-p.out:
		default:
		}
	}
}

func (p *pairing) finish(ev PairEvent) {
	p.offer(ev)
	close(p.out)
}
