package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"renovabot/clock"
)

// Deps are the collaborators of the Manager.
type Deps struct {
	Store    SessionStore   // required
	Notifier Notifier       // nil: events are only logged
	Receipts ReceiptSink    // nil: receipts are dropped
	Inbound  InboundHandler // nil: received messages are dropped
	Clock    clock.Clock    // nil: clock.Real
	Log      *slog.Logger   // nil: discarded
	// Driver nil: built from Config.Driver (and closed by Manager.Close);
	// tests pass whatsapptest's fake.
	Driver Driver
	// Metrics registers the manager's metrics (metrics.go); nil: not exported.
	Metrics prometheus.Registerer
}

// Manager owns every reseller's WhatsApp session. Safe for concurrent use.
type Manager struct {
	cfg        Config
	store      SessionStore
	notifier   Notifier
	receipts   ReceiptSink
	inbound    InboundHandler
	clock      clock.Clock
	log        *slog.Logger
	driver     Driver
	ownsDriver bool
	metrics    *metrics

	// ctx lives until Close; connections and background timers derive from it.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	sessions map[int64]*session // never shrinks: a session object is the chat's identity
	closed   bool

	closeOnce sync.Once
	closeDone chan struct{} // closed when Shutdown's work is over
	closing   atomic.Int64  // sessions still closing

	bgMu     sync.Mutex
	bgClosed bool
	bg       sync.WaitGroup

	// WhatsApp refusing the client version (see versionRefused).
	verMu      sync.Mutex
	verGen     uint64 // versions set at run time so far; a session remembers the one it dialled with
	verRunning bool   // an update is under way
	verFailed  bool   // the last update failed: refused sessions wait, retried hourly
}

// versionRetryEvery is how often a failed version update is tried again
// while sessions wait for it (web.whatsapp.com may announce a newer one).
const versionRetryEvery = time.Hour

// NewManager validates cfg and builds the driver when deps.Driver is nil.
// Nothing connects until StartLinked or a first Send/Status/Pair.
func NewManager(cfg Config, deps Deps) (*Manager, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("whatsapp config: %w", err)
	}
	if deps.Store == nil {
		return nil, errors.New("whatsapp: Deps.Store is required")
	}
	m := &Manager{
		cfg:       cfg,
		store:     deps.Store,
		notifier:  deps.Notifier,
		receipts:  deps.Receipts,
		inbound:   deps.Inbound,
		clock:     deps.Clock,
		log:       deps.Log,
		driver:    deps.Driver,
		sessions:  make(map[int64]*session),
		closeDone: make(chan struct{}),
	}
	if m.notifier == nil {
		m.notifier = logNotifier{}
	}
	if m.receipts == nil {
		m.receipts = nopReceipts{}
	}
	if m.clock == nil {
		m.clock = clock.Real{}
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.log = m.log.With("component", "whatsapp")
	var err error
	if m.driver == nil {
		if cfg.DataDir == "" {
			return nil, errors.New("whatsapp: Config.DataDir is required")
		}
		switch cfg.Driver {
		case DriverDryRun:
			var d *DryRunDriver
			if d, err = NewDryRunDriver(cfg.DataDir, cfg.DryRunLog, m.clock); err == nil && cfg.DryRunInbox != "" {
				if err = d.WatchInbox(cfg.DryRunInbox, m.log); err != nil {
					d.Close()
				}
			}
			m.driver = d
		case DriverWhatsmeow:
			if cfg.DatabaseURL != "" {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				m.driver, err = NewWhatsmeowPostgresDriver(ctx, cfg.DatabaseURL, m.log)
				cancel()
			} else {
				m.driver, err = NewWhatsmeowDriver(cfg.DataDir, m.log)
			}
		}
		if err != nil {
			return nil, err
		}
		m.ownsDriver = true
	}
	if d, ok := m.driver.(interface{ useSessions(SessionStore) }); ok {
		d.useSessions(m.store)
	}
	// Before any session or pairing can start (the bot does not exist
	// yet), so no pairing in progress is taken for an abandoned one.
	if d, ok := m.driver.(interface {
		removeUnrecorded(context.Context, SessionStore) (int, error)
	}); ok {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		n, err := d.removeUnrecorded(ctx, m.store)
		cancel()
		switch {
		case err != nil:
			m.log.Warn("could not look for devices no reseller's record points to", "err", err)
		case n > 0:
			m.log.Info("removed devices no reseller's record points to (pairings cut short)", "devices", n)
		}
	}
	if m.metrics, err = newMetrics(m, deps.Metrics); err != nil {
		if m.ownsDriver {
			m.driver.Close()
		}
		return nil, fmt.Errorf("whatsapp: metrics: %w", err)
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// session returns the one session object of chatID, creating it on first use.
func (m *Manager) session(chatID int64) (*session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	s := m.sessions[chatID]
	if s == nil {
		s = newSession(m, chatID)
		m.sessions[chatID] = s
	}
	return s, nil
}

// Status reports chatID's session, starting it if it is linked and not
// running yet (so the answer reflects a live connection attempt).
func (m *Manager) Status(ctx context.Context, chatID int64) (Status, error) {
	s, err := m.session(chatID)
	if err != nil {
		return Status{}, err
	}
	if err := s.lock(ctx); err != nil {
		return Status{}, err
	}
	err = s.ensureRunningLocked(ctx)
	s.unlock()
	if err != nil {
		if !s.isLoaded() {
			return Status{}, err // the store failed: we know nothing
		}
		if !isStateError(err) {
			m.log.Warn("session did not start", "chat", chatID, "err", err)
		}
	}
	return s.status(), nil
}

// isStateError: errors that only restate the session's state, which Status
// reports on its own.
func isStateError(err error) bool {
	var tb *TempBanError
	var te *TransientError
	return errors.Is(err, ErrNotLinked) || errors.As(err, &tb) || errors.As(err, &te)
}

// NewMessageID returns a fresh ID in the format whatsmeow generates, so the
// scheduler can store it before sending and resend with the same ID.
func (m *Manager) NewMessageID() string { return newMessageID(m.clock.Now()) }

// Send sends text to phone (digits) from chatID's own session, and only
// from it: the session is looked up by chatID and no other path reaches a
// client. It waits for the session's pacing gap (injected clock), resolves
// the number (with the 9th-digit fallback, cached per chat for 30 days and
// dropped when WhatsApp finds no account behind it), shows "typing" for
// TypingFor and sends, then opts.Follow right after when set (a
// *FollowError, with the first ID, when only the first one left). It never
// blocks for long on a session that is not connected: it returns
// ErrNotLinked, *TempBanError or *TransientError and the caller keeps the
// message for later.
func (m *Manager) Send(ctx context.Context, chatID int64, phone, text string, opts SendOptions) (id string, err error) {
	defer func() { m.metrics.sent(err) }()
	if !validPhone(phone) {
		return "", ErrInvalidPhone // without the number: errors end up in logs
	}
	if strings.TrimSpace(text) == "" {
		return "", ErrEmptyText
	}
	s, err := m.session(chatID)
	if err != nil {
		return "", err
	}
	return s.send(ctx, phone, false, text, opts)
}

// SendTest sends text to the reseller's OWN linked number (their "message
// yourself" chat), never to a client. Same pacing as Send.
func (m *Manager) SendTest(ctx context.Context, chatID int64, text string) (id string, err error) {
	defer func() { m.metrics.sent(err) }()
	if strings.TrimSpace(text) == "" {
		return "", ErrEmptyText
	}
	s, err := m.session(chatID)
	if err != nil {
		return "", err
	}
	return s.send(ctx, "", true, text, SendOptions{})
}

// PairQR starts linking chatID's WhatsApp by QR code. A pairing already in
// progress for chatID is cancelled (its stream ends with
// ErrPairingCancelled). ctx bounds the whole pairing.
func (m *Manager) PairQR(ctx context.Context, chatID int64) (<-chan PairEvent, error) {
	s, err := m.session(chatID)
	if err != nil {
		return nil, err
	}
	return s.startPairing(ctx, "")
}

// PairPhone links by pairing code: the first item is PairCode with the
// 8-character code the reseller types on the phone (WhatsApp > Linked
// devices > Link with phone number), then success, timeout or error.
func (m *Manager) PairPhone(ctx context.Context, chatID int64, phone string) (<-chan PairEvent, error) {
	if !validPhone(phone) {
		return nil, ErrInvalidPhone
	}
	s, err := m.session(chatID)
	if err != nil {
		return nil, err
	}
	return s.startPairing(ctx, phone)
}

// Unlink logs chatID's device out on the server, deletes its device file
// and our record. When the logout cannot reach the server the local state
// is cleaned all the same and the error wraps ErrLogoutFailed, so the bot can
// tell the reseller to remove "Google Chrome (Linux)" from the phone.
// Unlinking a chat that is not linked is not an error.
func (m *Manager) Unlink(ctx context.Context, chatID int64) error {
	s, err := m.session(chatID)
	if err != nil {
		return err
	}
	return s.unlink(ctx)
}

// StartLinked starts every linked session (skipping logged-out ones and
// bans that have not ended) with at most StartupConcurrency starts at once
// and a random delay of up to StartupJitter before each, so a restart does
// not dial hundreds of accounts in the same instant. It returns when all
// were attempted (at once when ctx ends); sessions that failed to start are
// listed in the error (the others run) and start again on their next need.
// Run it in the background: a session needed meanwhile (a reseller's
// command, a reminder) starts on its own without waiting for its turn.
func (m *Manager) StartLinked(ctx context.Context) error {
	recs, err := m.store.LinkedSessions(ctx)
	if err != nil {
		return fmt.Errorf("whatsapp: list linked sessions: %w", err)
	}
	jobs := make(chan SessionRecord)
	var (
		errMu sync.Mutex
		errs  []error
		wg    sync.WaitGroup
	)
	workers := min(m.cfg.StartupConcurrency, len(recs))
	for range workers {
		wg.Go(func() {
			for rec := range jobs {
				if ctx.Err() != nil {
					continue // drain
				}
				if m.cfg.StartupJitter > 0 {
					if m.clock.Sleep(ctx, rand.N(m.cfg.StartupJitter)) != nil {
						continue
					}
				}
				if err := m.startRecord(ctx, rec); err != nil {
					errMu.Lock()
					errs = append(errs, fmt.Errorf("chat %d: %w", rec.ChatID, err))
					errMu.Unlock()
				}
			}
		})
	}
feed:
	for _, rec := range recs {
		select {
		case jobs <- rec:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	if len(errs) > 0 {
		m.log.Warn("some sessions did not start", "failed", len(errs), "total", len(recs))
	}
	return errors.Join(errs...)
}

func (m *Manager) startRecord(ctx context.Context, rec SessionRecord) error {
	if rec.State == StateLoggedOut || rec.State == StateUnlinked || rec.DeviceJID == "" {
		return nil
	}
	s, err := m.session(rec.ChatID)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	s.loadRecordLocked(rec)
	err = s.ensureRunningLocked(ctx)
	var tb *TempBanError
	if errors.Is(err, ErrNotLinked) || errors.As(err, &tb) {
		return nil // expected: not restarted while logged out or banned
	}
	return err
}

// Close disconnects every session and waits for them and the manager's
// goroutines. Device files stay: sessions resume on the next start.
func (m *Manager) Close() { _ = m.Shutdown(context.Background()) }

// Shutdown is Close bounded by ctx. Sessions close all at once: each close
// can wait up to 5 s for the server to answer the websocket's close, so one
// after the other 1,000 sessions would take minutes. When ctx ends first,
// Shutdown returns its error and the closes go on in the background (a
// later Close waits for them). Once Shutdown began, new work gets ErrClosed.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.closeOnce.Do(func() { go m.closeAll(m.markClosed()) })
	select {
	case <-m.closeDone:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("whatsapp: %d sessions still closing: %w", m.closing.Load(), ctx.Err())
	}
}

// markClosed refuses new work and ends pairings, timers and connection
// attempts; it returns the sessions to close.
func (m *Manager) markClosed() []*session {
	m.mu.Lock()
	m.closed = true
	sessions := make([]*session, 0, len(m.sessions))
	for _, s := range m.sessions {
		sessions = append(sessions, s)
	}
	m.mu.Unlock()
	m.closing.Store(int64(len(sessions)))
	m.cancel()
	return sessions
}

func (m *Manager) closeAll(sessions []*session) {
	defer close(m.closeDone)
	var wg sync.WaitGroup
	for _, s := range sessions {
		wg.Go(func() {
			defer m.closing.Add(-1)
			s.shutdown()
		})
	}
	wg.Wait()
	m.bgMu.Lock()
	m.bgClosed = true
	m.bgMu.Unlock()
	m.bg.Wait()
	if m.ownsDriver {
		if err := m.driver.Close(); err != nil {
			m.log.Warn("closing driver", "err", err)
		}
	}
}

// spawn runs f in a goroutine that Close waits for; false once closed.
func (m *Manager) spawn(f func()) bool {
	m.bgMu.Lock()
	defer m.bgMu.Unlock()
	if m.bgClosed {
		return false
	}
	m.bg.Go(f)
	return true
}

// after returns a channel closed once d has passed on the injected clock,
// and a stop function. The timer goroutine ends with stop or ctx.
func (m *Manager) after(ctx context.Context, d time.Duration) (<-chan struct{}, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan struct{})
	m.spawn(func() {
		if m.clock.Sleep(ctx, d) == nil {
			close(ch)
		}
	})
	return ch, cancel
}

// gap draws the pause before a session's next message.
func (m *Manager) gap() time.Duration {
	lo, hi := m.cfg.MinGap, m.cfg.MaxGap
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo+1)
}

// versionGen is the version generation a client dialled now uses.
func (m *Manager) versionGen() uint64 {
	m.verMu.Lock()
	defer m.verMu.Unlock()
	return m.verGen
}

// versionRefused handles WhatsApp refusing the client version (405) for s,
// whose client had dialled with version generation dialled (s nil: a
// pairing). The version is the same for every session, so one update
// serves all: a session that dialled before the last update just
// reconnects; otherwise one update runs (others refused meanwhile wait for
// it); after a failed update the reseller is told their WhatsApp waits.
func (m *Manager) versionRefused(s *session, dialled uint64) {
	m.verMu.Lock()
	gen := m.verGen
	stale := s != nil && dialled < gen
	failed := !stale && m.verFailed
	run := !stale && !failed && !m.verRunning
	if run {
		m.verRunning = true
	}
	m.verMu.Unlock()
	switch {
	case stale:
		s.reconnectOutdated(gen)
	case failed:
		if s != nil {
			s.tellOutdated()
		}
	case run:
		m.updateVersion(true)
	}
}

// updateVersion asks the driver for the newest version, then reconnects
// every session the old one had stopped. The admins hear of it once: that
// it was updated, or (first failure only) that it could not be; resellers
// hear only of a failure. A failure is retried every versionRetryEvery
// while sessions wait. Caller set verRunning.
func (m *Manager) updateVersion(first bool) {
	from, to, err := "", "", errors.New("this driver cannot change the WhatsApp version")
	if u, ok := m.driver.(VersionUpdater); ok {
		ctx, cancel := context.WithTimeout(m.ctx, time.Minute)
		from, to, err = u.UpdateVersion(ctx)
		cancel()
	}
	m.verMu.Lock()
	m.verRunning = false
	if err == nil {
		m.verGen++
	}
	m.verFailed = err != nil
	gen := m.verGen
	m.verMu.Unlock()
	if m.ctx.Err() != nil {
		return // closing: nothing to reconnect or tell
	}
	refused := m.outdatedSessions()
	if err != nil {
		m.log.Error("WhatsApp refused the client version and no newer one could be set", "err", err, "sessions", len(refused))
		if first {
			m.notify(Event{Kind: EventVersionFailed, Count: len(refused), Detail: err.Error()})
		}
		for _, s := range refused {
			s.tellOutdated()
		}
		m.retryVersionLater()
		return
	}
	m.notify(Event{Kind: EventVersionUpdated, Count: m.reconnectOutdated(refused, gen), Detail: from + " -> " + to})
}

// retryVersionLater tries a failed update again after versionRetryEvery
// if sessions still wait for it; with none waiting, the next refusal
// starts afresh (and tells the admins again).
func (m *Manager) retryVersionLater() {
	m.spawn(func() {
		if m.clock.Sleep(m.ctx, versionRetryEvery) != nil {
			return
		}
		waiting := len(m.outdatedSessions()) > 0
		m.verMu.Lock()
		run := m.verFailed && !m.verRunning && waiting
		if run {
			m.verRunning = true
		} else if !waiting {
			m.verFailed = false
		}
		m.verMu.Unlock()
		if run {
			m.updateVersion(false)
		}
	})
}

// outdatedSessions lists the sessions the refused version stopped.
func (m *Manager) outdatedSessions() []*session {
	m.mu.Lock()
	all := make([]*session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	var out []*session
	for _, s := range all {
		s.lockMu()
		if s.outdated {
			out = append(out, s)
		}
		s.unlockMu()
	}
	return out
}

// reconnectOutdated restarts sessions after a version update, at most
// StartupConcurrency at a time, and counts those that started.
func (m *Manager) reconnectOutdated(list []*session, gen uint64) int {
	var started atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, m.cfg.StartupConcurrency)
	for _, s := range list {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if s.reconnectOutdated(gen) {
				started.Add(1)
			}
		})
	}
	wg.Wait()
	return int(started.Load())
}

func (m *Manager) notify(ev Event) {
	m.log.Info("whatsapp event", "chat", ev.ChatID, "kind", ev.Kind, "until", ev.Until, "detail", ev.Detail)
	m.notifier.NotifyWhatsApp(m.ctx, ev)
}

func (m *Manager) saveRecord(rec SessionRecord) {
	if err := m.store.SaveSession(m.ctx, rec); err != nil {
		m.log.Error("saving session record", "chat", rec.ChatID, "err", err)
	}
}

type logNotifier struct{}

func (logNotifier) NotifyWhatsApp(context.Context, Event) {}

type nopReceipts struct{}

func (nopReceipts) MessageReceipt(context.Context, int64, string, Receipt) {}
