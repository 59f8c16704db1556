package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// session is one reseller's WhatsApp. Locks, always taken in this order:
//
//	sendSem  one Send at a time (pacing is per session)
//	op       lifecycle: load, start, pair, unlink, closing a client
//	mu       the fields below; never held across I/O or a callback
//
// A Client is opened only under op and only while s.client is nil, and a
// client is closed before s.client is cleared: so at most one client (one
// connection with this device's keys) exists per chat at any time.
type session struct {
	m      *Manager
	chatID int64

	sendSem chan struct{}
	op      chan struct{}

	// Guarded by sendSem (only the sending goroutine touches them).
	nextAt   time.Time // earliest start of the next message
	capDay   time.Time // reseller day the count belongs to (midnight, CapLocation)
	capCount int

	mu             sync.Mutex
	loaded         bool
	orphanChecked  bool
	hasRec         bool
	rec            SessionRecord
	state          State
	client         Client
	gen            uint64 // bumped whenever a client is opened or retired; stale events are dropped
	genCtx         context.Context
	genCancel      context.CancelFunc
	connectedSince time.Time
	banUntil       time.Time
	replacedAt     time.Time
	outdated       bool
	lostEpoch      uint64
	lostCancel     context.CancelFunc
	lostReported   bool
	timelockUntil  time.Time
	timelockNoted  time.Time
	verGen         uint64 // the manager's version generation the client last dialled with
	outdatedTold   bool   // the reseller heard that the version was refused
	pairing        *pairing
	changed        chan struct{} // closed and replaced on every state change

	// Received messages waiting for the InboundHandler (inbound.go).
	inMu      sync.Mutex
	inQueue   []*Inbound
	inRunning bool // a goroutine drains inQueue
}

func newSession(m *Manager, chatID int64) *session {
	return &session{
		m:       m,
		chatID:  chatID,
		sendSem: make(chan struct{}, 1),
		op:      make(chan struct{}, 1),
		state:   StateUnlinked,
		changed: make(chan struct{}),
	}
}

func (s *session) lockMu()   { s.mu.Lock() }
func (s *session) unlockMu() { s.mu.Unlock() }

// lock takes the lifecycle lock, giving up when ctx ends.
func (s *session) lock(ctx context.Context) error {
	select {
	case s.op <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *session) unlock() { <-s.op }

func (s *session) setStateLocked(st State) {
	if s.state == st {
		return
	}
	s.state = st
	s.broadcastLocked()
}

// broadcastLocked wakes waitConnected callers to look again.
func (s *session) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *session) isLoaded() bool {
	s.lockMu()
	defer s.unlockMu()
	return s.loaded
}

// loadLocked reads our record once. Caller holds op.
func (s *session) loadLocked(ctx context.Context) error {
	if s.isLoaded() {
		return nil
	}
	rec, ok, err := s.m.store.Session(ctx, s.chatID)
	if err != nil {
		return fmt.Errorf("whatsapp: load session %d: %w", s.chatID, err)
	}
	if ok {
		s.loadRecordLocked(rec)
		return nil
	}
	s.lockMu()
	s.loaded = true
	s.unlockMu()
	return nil
}

// loadRecordLocked installs rec as the session's record unless one is
// already loaded (memory is newer than a start-up listing). Caller holds op.
func (s *session) loadRecordLocked(rec SessionRecord) {
	s.lockMu()
	defer s.unlockMu()
	if s.loaded {
		return
	}
	s.loaded = true
	rec.ChatID = s.chatID // the record of this chat, whatever the store said
	s.hasRec = true
	s.rec = rec
	switch rec.State {
	case StateLoggedOut:
		s.setStateLocked(StateLoggedOut)
	case StateBanned:
		s.banUntil = rec.BanUntil
		s.setStateLocked(StateBanned)
	default:
		s.setStateLocked(StateDisconnected)
	}
}

// ensureRunningLocked makes a linked session have a client, unless its state
// forbids starting (logged out, banned, replaced recently, outdated). The
// returned error says why nothing runs. Caller holds op.
func (s *session) ensureRunningLocked(ctx context.Context) error {
	if err := s.m.ctx.Err(); err != nil {
		return ErrClosed
	}
	if err := s.loadLocked(ctx); err != nil {
		return err
	}
	now := s.m.clock.Now()
	s.lockMu()
	st, hasRec, client := s.state, s.hasRec, s.client
	banned := st == StateBanned && now.Before(s.banUntil)
	outdated := s.outdated
	replaced := !s.replacedAt.IsZero() && now.Before(s.replacedAt.Add(s.m.cfg.ReplacedCooldown))
	refused := now.Before(s.rec.Refused.RetryAt())
	orphanChecked := s.orphanChecked
	s.orphanChecked = true
	s.unlockMu()

	switch {
	case st == StatePairing:
		return fmt.Errorf("%w: pairing in progress", ErrNotLinked)
	case !hasRec:
		if orphanChecked {
			return ErrNotLinked
		}
		return s.adoptOrphanLocked(ctx)
	case st == StateLoggedOut:
		return fmt.Errorf("%w: logged out from the phone", ErrNotLinked)
	case banned:
		return s.unavailableErr()
	case outdated:
		return &TransientError{Err: ErrClientOutdated}
	case replaced:
		return &TransientError{Err: ErrStreamReplaced}
	case client != nil:
		return nil
	case refused:
		// Back off: WhatsApp refused the last dial for a reason we do not
		// know; dialling on every send would only repeat it.
		return s.unavailableErr()
	}
	return s.startLocked(ctx)
}

// adoptOrphanLocked handles a device file without a record: a crash between
// whatsmeow saving a fresh pairing and us saving the record. The file is
// this chat's by its path, so a paired device in it is adopted; an unpaired
// leftover is removed. Checked once per process and chat, so Status for a
// chat that never linked costs no file access after the first call.
func (s *session) adoptOrphanLocked(ctx context.Context) error {
	exists, err := s.m.driver.Exists(s.chatID)
	if err != nil || !exists {
		return ErrNotLinked
	}
	gen, genCtx, client, err := s.openDevice(ctx)
	if err != nil {
		return err
	}
	jid := client.DeviceJID()
	if jid == "" {
		s.closeOpened(client)
		return ErrNotLinked
	}
	rec := SessionRecord{ChatID: s.chatID, DeviceJID: jid, Phone: userOf(jid), LinkedAt: s.m.clock.Now(), State: StateConnected}
	err = s.m.store.SaveSession(ctx, rec)
	if errors.Is(err, ErrNoAccount) {
		// Linked for an account erased since: connect only to log it out.
		s.lockMu()
		s.hasRec, s.rec = true, rec
		s.unlockMu()
		if err := s.connectLocked(gen, genCtx, client); err != nil {
			s.m.log.Warn("connecting a device without an account to log it out", "chat", s.chatID, "err", err)
		}
		if err := s.unlinkLocked(ctx); err != nil {
			s.m.log.Warn("unlinking the device of a chat without an account", "chat", s.chatID, "err", err)
		}
		return ErrNotLinked
	}
	if err != nil {
		s.discard(client)
		return fmt.Errorf("whatsapp: save adopted session: %w", err)
	}
	// The device's JID holds the reseller's number: at debug only.
	s.m.log.Warn("adopted a paired device that had no record", "chat", s.chatID)
	s.m.log.Debug("adopted device", "chat", s.chatID, "jid", jid)
	s.lockMu()
	s.hasRec, s.rec = true, rec
	s.unlockMu()
	return s.connectLocked(gen, genCtx, client)
}

// openDevice opens the chat's device file under a new generation, whose
// events reach this session's sink. Caller holds op.
func (s *session) openDevice(ctx context.Context) (uint64, context.Context, Client, error) {
	gen, genCtx := s.newGen()
	client, err := s.m.driver.Open(ctx, s.chatID, s.sink(gen))
	if err != nil {
		return 0, nil, nil, &TransientError{Err: fmt.Errorf("open device store: %w", err)}
	}
	return gen, genCtx, client, nil
}

// startLocked opens and connects the recorded device. Caller holds op and
// s.client is nil.
func (s *session) startLocked(ctx context.Context) error {
	s.lockMu()
	rec := s.rec
	s.unlockMu()
	gen, genCtx, client, err := s.openDevice(ctx)
	if err != nil {
		return err
	}
	jid := client.DeviceJID()
	if jid == "" {
		// The device row is gone: whatsmeow deletes it when WhatsApp says
		// the device was logged out, possibly while we were not looking.
		s.closeOpened(client)
		s.markLoggedOut("device no longer in its store")
		return fmt.Errorf("%w: device no longer linked", ErrNotLinked)
	}
	if rec.DeviceJID != "" && jid != rec.DeviceJID {
		s.discard(client) // the file stays for inspection
		s.m.log.Error("device file holds another device; refusing to start", "chat", s.chatID)
		s.m.log.Debug("device mismatch", "chat", s.chatID, "recorded", rec.DeviceJID, "file", jid)
		return ErrDeviceMismatch
	}
	return s.connectLocked(gen, genCtx, client)
}

func (s *session) connectLocked(gen uint64, genCtx context.Context, client Client) error {
	verGen := s.m.versionGen()
	s.lockMu()
	s.client = client
	s.connectedSince = time.Time{}
	s.verGen = verGen
	s.setStateLocked(StateConnecting)
	s.unlockMu()
	if err := client.Connect(genCtx); err != nil {
		_ = client.Close()
		s.lockMu()
		if s.gen == gen {
			s.retireLocked()
			s.setStateLocked(StateDisconnected)
		}
		s.unlockMu()
		// Our connection is down: what waits on it waits (ErrNotConnected).
		return &TransientError{Err: fmt.Errorf("%w: connect: %w", ErrNotConnected, err)}
	}
	return nil
}

// connectionGone is told by a send that the client's socket is gone while
// the session looked connected: whatsmeow can drop a socket without an
// event (a keepalive failure, a lost reconnect). The session stops looking
// connected and redials the same client.
func (s *session) connectionGone(client Client) {
	s.lockMu()
	if s.client != client || s.state != StateConnected {
		s.unlockMu()
		return
	}
	s.setStateLocked(StateDisconnected)
	s.connectedSince = time.Time{}
	s.startLostTimerLocked()
	gen := s.gen
	s.unlockMu()
	s.m.log.Warn("socket gone while the session looked connected; redialling", "chat", s.chatID)
	s.m.spawn(func() { s.redial(gen) })
}

// redial connects gen's client again unless it reconnected meanwhile. When
// the dial fails the client is dropped, so the next need starts afresh.
func (s *session) redial(gen uint64) {
	if s.lock(s.m.ctx) != nil {
		return // closing
	}
	defer s.unlock()
	verGen := s.m.versionGen()
	s.lockMu()
	client, genCtx := s.client, s.genCtx
	ok := s.gen == gen && client != nil && s.state == StateDisconnected
	if ok {
		s.verGen = verGen
	}
	s.unlockMu()
	if !ok {
		return
	}
	if err := client.Connect(genCtx); err != nil {
		s.m.log.Warn("redial failed", "chat", s.chatID, "err", err)
		s.closeClientLocked(gen, false)
	}
}

// closeOpened closes a client that never became s.client and removes the
// file it was opened from (an unpaired leftover).
func (s *session) closeOpened(c Client) {
	_ = c.Close()
	if err := s.m.driver.Remove(s.chatID); err != nil {
		s.m.log.Warn("removing device file", "chat", s.chatID, "err", err)
	}
	s.lockMu()
	s.retireLocked()
	s.unlockMu()
}

// discard closes a client that never became s.client, keeping its file.
func (s *session) discard(c Client) {
	_ = c.Close()
	s.lockMu()
	s.retireLocked()
	s.unlockMu()
}

// newGen starts a client generation: events of older clients are dropped
// and their contexts cancelled.
func (s *session) newGen() (uint64, context.Context) {
	s.lockMu()
	defer s.unlockMu()
	if s.genCancel != nil {
		s.genCancel()
	}
	s.gen++
	s.genCtx, s.genCancel = context.WithCancel(s.m.ctx)
	return s.gen, s.genCtx
}

// retireLocked forgets the current client (already closed by the caller).
func (s *session) retireLocked() {
	if s.genCancel != nil {
		s.genCancel()
	}
	s.gen++
	s.genCtx, s.genCancel = nil, nil
	s.client = nil
	s.connectedSince = time.Time{}
	s.broadcastLocked()
}

// closeClientLocked closes the current client if it still belongs to gen
// (0: whatever client is current), removing the device file when asked.
// Caller holds op.
func (s *session) closeClientLocked(gen uint64, removeFile bool) {
	s.lockMu()
	c := s.client
	if c == nil || (gen != 0 && s.gen != gen) {
		s.unlockMu()
		return
	}
	s.unlockMu()
	// Close before forgetting the client: while s.client is set nobody
	// opens another one for this chat.
	if err := c.Close(); err != nil {
		s.m.log.Warn("closing client", "chat", s.chatID, "err", err)
	}
	if removeFile {
		if err := s.m.driver.Remove(s.chatID); err != nil {
			s.m.log.Warn("removing device file", "chat", s.chatID, "err", err)
		}
	}
	s.lockMu()
	if s.client == c {
		s.retireLocked()
	}
	s.unlockMu()
}

// spawnCleanup closes gen's client from an event goroutine: it must take op
// (a library callback must not block on it) so it runs apart.
func (s *session) spawnCleanup(gen uint64, removeFile bool) {
	s.m.spawn(func() {
		if s.lock(s.m.ctx) != nil {
			return // closing: Close handles the client
		}
		defer s.unlock()
		s.closeClientLocked(gen, removeFile)
	})
}

func (s *session) markLoggedOut(detail string) {
	s.lockMu()
	s.setStateLocked(StateLoggedOut)
	s.stopLostTimerLocked()
	s.lostReported = false
	s.rec.State = StateLoggedOut
	rec, hasRec := s.rec, s.hasRec
	s.unlockMu()
	if hasRec {
		s.m.saveRecord(rec)
	}
	s.m.log.Info("session logged out", "chat", s.chatID, "detail", detail)
}

func (s *session) sink(gen uint64) func(ClientEvent) {
	return func(ev ClientEvent) { s.onEvent(gen, ev) }
}

// onEvent receives a client's events (on library goroutines).
func (s *session) onEvent(gen uint64, ev ClientEvent) {
	s.lockMu()
	if gen != s.gen {
		s.unlockMu()
		s.m.log.Debug("dropping event of a retired client", "chat", s.chatID, "kind", ev.Kind)
		return
	}
	if ev.Kind == ClientMessage {
		// Not the pairing's business: a message queues for the handler
		// whatever the session is doing.
		s.unlockMu()
		s.receive(ev.Inbound)
		return
	}
	if p := s.pairing; p != nil {
		select {
		case p.in <- ev:
		default:
			s.m.log.Warn("pairing event queue full, dropping", "chat", s.chatID, "kind", ev.Kind)
		}
		s.unlockMu()
		return
	}
	s.unlockMu()
	s.handle(gen, ev)
}

// handle turns a client event into state, records and notifications.
func (s *session) handle(gen uint64, ev ClientEvent) {
	m := s.m
	now := m.clock.Now()
	s.lockMu()
	if gen != s.gen {
		s.unlockMu()
		return
	}
	phone := s.rec.Phone
	switch ev.Kind {
	case ClientConnected, ClientRestored:
		if s.state == StateLoggedOut || !s.hasRec {
			s.unlockMu() // a late login of a device that is gone
			return
		}
		s.setStateLocked(StateConnected)
		s.connectedSince = now
		s.replacedAt = time.Time{}
		s.stopLostTimerLocked()
		restored := s.lostReported
		s.lostReported = false
		var save *SessionRecord
		if s.hasRec && (s.rec.State != StateConnected || !s.rec.BanUntil.IsZero() || s.rec.Refused != (ConnectRefusal{})) {
			s.rec.State, s.rec.BanUntil, s.banUntil = StateConnected, time.Time{}, time.Time{}
			s.rec.Refused = ConnectRefusal{}
			r := s.rec
			save = &r
		}
		s.unlockMu()
		if save != nil {
			m.saveRecord(*save)
		}
		if restored {
			m.notify(Event{ChatID: s.chatID, Kind: EventConnectionRestored, Phone: phone})
		}

	case ClientDisconnected, ClientUnstable:
		// Unstable: the socket may be dead; nothing is sent through it
		// and, past the same grace as a disconnect, the reseller hears of it.
		if s.state == StateConnected || s.state == StateConnecting {
			s.setStateLocked(StateDisconnected)
			s.connectedSince = time.Time{}
			s.startLostTimerLocked()
		}
		var save *SessionRecord
		if ev.Final && ev.Refusal != 0 && s.hasRec {
			// Refused for a reason we do not know: remember it (shown with
			// its code) and back off before dialling again.
			s.rec.Refused = ConnectRefusal{Code: ev.Refusal, Message: ev.Detail, At: now, Count: s.rec.Refused.Count + 1}
			r := s.rec
			save = &r
		}
		s.unlockMu()
		if save != nil {
			m.saveRecord(*save)
		}
		if ev.Final { // the library gave up: drop the client so a later need restarts it
			m.log.Warn("connection failed for good", "chat", s.chatID, "code", ev.Refusal, "detail", ev.Detail)
			s.spawnCleanup(gen, false)
		}

	case ClientLoggedOut:
		s.unlockMu()
		s.markLoggedOut(ev.Detail)
		m.notify(Event{ChatID: s.chatID, Kind: EventLoggedOut, Phone: phone, Detail: ev.Detail})
		s.spawnCleanup(gen, true)

	case ClientReplaced:
		s.setStateLocked(StateDisconnected)
		s.connectedSince = time.Time{}
		s.replacedAt = now
		s.stopLostTimerLocked() // StreamReplaced is the report; no "lost" on top
		s.unlockMu()
		m.notify(Event{ChatID: s.chatID, Kind: EventStreamReplaced, Phone: phone})
		s.spawnCleanup(gen, false)

	case ClientTempBanned:
		expire := ev.Expire
		if expire <= 0 {
			expire = m.cfg.UnknownBanPause
		}
		until := now.Add(expire)
		s.banUntil = until
		s.setStateLocked(StateBanned)
		s.connectedSince = time.Time{}
		s.stopLostTimerLocked()
		s.lostReported = false
		s.rec.State, s.rec.BanUntil = StateBanned, until
		rec, hasRec := s.rec, s.hasRec
		s.unlockMu()
		if hasRec {
			m.saveRecord(rec)
		}
		m.notify(Event{ChatID: s.chatID, Kind: EventTempBan, Phone: phone, Until: until, Detail: ev.Detail})
		s.spawnCleanup(gen, false)

	case ClientOutdated:
		s.outdated, s.outdatedTold = true, false
		s.setStateLocked(StateDisconnected)
		s.connectedSince = time.Time{}
		s.stopLostTimerLocked()
		dialled := s.verGen
		s.unlockMu()
		// The version is the process's, not this session's: the manager
		// updates it once and reconnects every session it refused; the
		// reseller hears of it only if that fails.
		m.spawn(func() {
			if s.lock(m.ctx) != nil {
				return // closing: Close handles the client
			}
			s.closeClientLocked(gen, false)
			s.unlock()
			m.versionRefused(s, dialled)
		})

	case ClientTimelock:
		s.unlockMu()
		if ev.Active {
			s.noteTimelock(ev.Until, ev.Detail)
		} else {
			s.lockMu()
			s.timelockUntil, s.timelockNoted = time.Time{}, time.Time{}
			s.unlockMu()
		}

	case ClientReceipt:
		s.unlockMu()
		for _, id := range ev.MessageIDs {
			m.receipts.MessageReceipt(m.ctx, s.chatID, id, ev.Receipt)
		}

	default:
		s.unlockMu()
		m.log.Debug("ignoring client event", "chat", s.chatID, "kind", ev.Kind)
	}
}

// reconnectOutdated starts a session the refused version had stopped,
// now that version generation gen is set. It reports whether it started.
func (s *session) reconnectOutdated(gen uint64) bool {
	if s.lock(s.m.ctx) != nil {
		return false
	}
	defer s.unlock()
	s.lockMu()
	ok := s.outdated && s.verGen < gen
	if ok {
		s.outdated = false
	}
	s.unlockMu()
	if !ok {
		return false
	}
	// While outdated no client is opened, so a client still here is the
	// refused one, whose cleanup may not have run yet.
	s.closeClientLocked(0, false)
	if err := s.ensureRunningLocked(s.m.ctx); err != nil {
		s.m.log.Warn("reconnect after the version update", "chat", s.chatID, "err", err)
		return false
	}
	return true
}

// tellOutdated tells the reseller, once per refusal, that their WhatsApp
// waits for a version update.
func (s *session) tellOutdated() {
	s.lockMu()
	tell := s.outdated && !s.outdatedTold
	if tell {
		s.outdatedTold = true
	}
	phone := s.rec.Phone
	s.unlockMu()
	if tell {
		s.m.notify(Event{ChatID: s.chatID, Kind: EventClientOutdated, Phone: phone})
	}
}

// timelockActiveLocked: a reach-out time-lock notice is in force (until its
// end, or for a day when it gave none). Caller holds mu.
func (s *session) timelockActiveLocked(now time.Time) bool {
	switch {
	case s.timelockNoted.IsZero():
		return false
	case s.timelockUntil.IsZero():
		return now.Before(s.timelockNoted.Add(24 * time.Hour))
	}
	return now.Before(s.timelockUntil)
}

// noteTimelock records a reach-out time-lock and tells the reseller once per
// lock (again only if its end changes, or a day after an open-ended one).
func (s *session) noteTimelock(until time.Time, detail string) {
	now := s.m.clock.Now()
	s.lockMu()
	active := s.timelockActiveLocked(now)
	changed := !until.IsZero() && !until.Equal(s.timelockUntil)
	if !until.IsZero() {
		s.timelockUntil = until
	}
	tell := !active || changed
	if tell {
		s.timelockNoted = now
	}
	until = s.timelockUntil
	phone := s.rec.Phone
	s.unlockMu()
	if tell {
		s.m.notify(Event{ChatID: s.chatID, Kind: EventReachoutTimelock, Phone: phone, Until: until, Detail: detail})
	}
}

// startLostTimerLocked reports EventConnectionLost if the session is still
// disconnected after ConnectionLostAfter on the injected clock. The timer
// hangs off the manager, not the client, so it survives a client being
// dropped after a final disconnect.
func (s *session) startLostTimerLocked() {
	if s.lostCancel != nil || s.lostReported {
		return
	}
	s.lostEpoch++
	epoch := s.lostEpoch
	ctx, cancel := context.WithCancel(s.m.ctx)
	s.lostCancel = cancel
	s.m.spawn(func() {
		if s.m.clock.Sleep(ctx, s.m.cfg.ConnectionLostAfter) != nil {
			return
		}
		s.lockMu()
		current := s.lostEpoch == epoch && s.lostCancel != nil
		// A redial under way (connecting) is no connection either.
		fire := current && (s.state == StateDisconnected || s.state == StateConnecting)
		if current {
			s.lostCancel = nil // over, fired or not: a later disconnect starts another
		}
		if fire {
			s.lostReported = true
		}
		phone, code := s.rec.Phone, s.rec.Refused.Code
		s.unlockMu()
		cancel()
		if fire {
			s.m.notify(Event{ChatID: s.chatID, Kind: EventConnectionLost, Phone: phone, Refusal: code,
				Detail: fmt.Sprintf("disconnected for more than %s", s.m.cfg.ConnectionLostAfter)})
		}
	})
}

func (s *session) stopLostTimerLocked() {
	if s.lostCancel != nil {
		s.lostCancel()
		s.lostCancel = nil
	}
	s.lostEpoch++
}

// unavailableErr explains, as a typed error, why the session cannot send.
func (s *session) unavailableErr() error {
	s.lockMu()
	defer s.unlockMu()
	switch {
	case s.state == StateBanned:
		return &TempBanError{Until: s.banUntil}
	case s.state == StateLoggedOut:
		return fmt.Errorf("%w: logged out from the phone", ErrNotLinked)
	case !s.hasRec || s.state == StateUnlinked || s.state == StatePairing:
		return ErrNotLinked
	case s.outdated:
		return &TransientError{Err: ErrClientOutdated}
	case !s.replacedAt.IsZero():
		return &TransientError{Err: ErrStreamReplaced}
	case s.client == nil && s.rec.Refused.Code != 0:
		r := s.rec.Refused
		return &TransientError{Err: &ConnectFailedError{Code: r.Code, Message: r.Message, RetryAt: r.RetryAt()}}
	}
	return &TransientError{Err: ErrNotConnected}
}

// waitConnected waits (at most ConnectWait on the injected clock) for the
// running client to log in and returns it with its generation context.
func (s *session) waitConnected(ctx context.Context) (Client, context.Context, error) {
	var expired <-chan struct{}
	for {
		s.lockMu()
		st, client, genCtx, changed := s.state, s.client, s.genCtx, s.changed
		s.unlockMu()
		switch {
		case st == StateConnected && client != nil:
			return client, genCtx, nil
		case (st == StateConnecting || st == StateDisconnected) && client != nil:
		default:
			return nil, nil, s.unavailableErr()
		}
		if expired == nil {
			ch, stop := s.m.after(ctx, s.m.cfg.ConnectWait)
			defer stop()
			expired = ch
		}
		select {
		case <-changed:
		case <-expired:
			return nil, nil, s.unavailableErr()
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-s.m.ctx.Done():
			return nil, nil, ErrClosed
		}
	}
}

func (s *session) status() Status {
	s.lockMu()
	defer s.unlockMu()
	st := Status{State: s.state}
	if s.hasRec {
		st.Phone, st.LinkedAt, st.Refused = s.rec.Phone, s.rec.LinkedAt, s.rec.Refused
	}
	if s.state == StateConnected {
		st.ConnectedSince = s.connectedSince
	}
	if s.state == StateBanned {
		st.BanUntil = s.banUntil
	}
	return st
}

// unlink: logout on the server, then local cleanup whatever happened.
func (s *session) unlink(ctx context.Context) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	return s.unlinkLocked(ctx)
}

// unlinkLocked is unlink for a caller that holds op.
func (s *session) unlinkLocked(ctx context.Context) error {
	if err := s.loadLocked(ctx); err != nil {
		return err
	}
	s.stopPairingLocked()

	s.lockMu()
	hasRec, st, client := s.hasRec, s.state, s.client
	s.unlockMu()

	var logoutErr error
	if hasRec && st != StateLoggedOut {
		logoutErr = s.logoutLocked(ctx, client)
	}

	s.closeClientLocked(0, true)
	if err := s.m.driver.Remove(s.chatID); err != nil { // no client was open: the file may still be there
		s.m.log.Warn("removing device file", "chat", s.chatID, "err", err)
	}
	delErr := s.m.store.DeleteSession(ctx, s.chatID)

	s.lockMu()
	s.hasRec, s.rec = false, SessionRecord{}
	s.banUntil, s.replacedAt, s.outdated = time.Time{}, time.Time{}, false
	s.timelockUntil, s.timelockNoted = time.Time{}, time.Time{}
	s.stopLostTimerLocked()
	s.lostReported = false
	s.setStateLocked(StateUnlinked)
	s.unlockMu()

	if logoutErr != nil {
		s.m.log.Warn("logout failed; cleaned locally", "chat", s.chatID, "err", logoutErr)
		return errors.Join(fmt.Errorf("%w: %w", ErrLogoutFailed, logoutErr), delErr)
	}
	if delErr != nil {
		return fmt.Errorf("whatsapp: delete session record: %w", delErr)
	}
	return nil
}

// logoutLocked unlinks the device on the server, connecting first if the
// session was not running (otherwise the phone keeps a ghost linked device).
func (s *session) logoutLocked(ctx context.Context, client Client) error {
	if client == nil {
		if err := s.ensureRunningLocked(ctx); err != nil {
			return err
		}
	}
	client, _, err := s.waitConnected(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.m.ctx, cancel)
	defer stop()
	return client.Logout(ctx)
}

// shutdown closes the client for Manager.Close.
func (s *session) shutdown() {
	_ = s.lock(context.Background())
	defer s.unlock()
	s.stopPairingLocked()
	s.closeClientLocked(0, false)
	s.lockMu()
	s.stopLostTimerLocked()
	s.unlockMu()
}
