package whatsapp

// Test-only access to internals for the external test package (which can
// import whatsapptest without an import cycle).

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"sync"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"

	"renovabot/internal/testdb"
	"renovabot/internal/wake"
)

// Offline counts what the offline adapter would have sent to the network,
// with waits instead of sleeps.
type Offline struct {
	mu        sync.Mutex
	changed   wake.Signal
	dials     int64
	presences []string                  // the push name announced, per presence
	latest    *store.WAVersionContainer // what web.whatsapp.com "announces" (nil: the fetch fails)
	hold      chan struct{}             // while set, the version fetch waits for it to close
	media     func(ctx context.Context, msg whatsmeow.DownloadableMessage) ([]byte, error)
	downloads int
}

// ServeMedia makes received media downloads answer with fn (the stub behind
// the adapter's download interface).
func (o *Offline) ServeMedia(fn func(ctx context.Context, msg whatsmeow.DownloadableMessage) ([]byte, error)) {
	o.mu.Lock()
	o.media = fn
	o.mu.Unlock()
}

// Downloads is how many media downloads were asked.
func (o *Offline) Downloads() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.downloads
}

type offlineDownloader struct{ o *Offline }

func (d offlineDownloader) Download(ctx context.Context, msg whatsmeow.DownloadableMessage) ([]byte, error) {
	d.o.mu.Lock()
	fn := d.o.media
	d.o.downloads++
	d.o.mu.Unlock()
	if fn == nil {
		return nil, errors.New("offline: no media served")
	}
	return fn(ctx, msg)
}

// HoldVersionFetch makes version fetches wait until release is called.
func (o *Offline) HoldVersionFetch() (release func()) {
	ch := make(chan struct{})
	o.mu.Lock()
	o.hold = ch
	o.mu.Unlock()
	return func() { close(ch) }
}

// SetLatest makes the version fetch answer v.
func (o *Offline) SetLatest(v store.WAVersionContainer) {
	o.mu.Lock()
	o.latest = &v
	o.mu.Unlock()
}

func (o *Offline) touchLocked() { o.changed.Touch() }

// Load returns how many dials were made.
func (o *Offline) Load() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dials
}

// Presences returns the push names announced, in order.
func (o *Offline) Presences() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.presences...)
}

// WaitDials waits until at least n dials were made.
func (o *Offline) WaitDials(ctx context.Context, n int64) error {
	return o.changed.Wait(ctx, func() bool { return o.Load() >= n })
}

// NewOfflineWhatsmeowDriver is the real adapter with its network calls
// (dial, presence, version fetch) replaced by the returned recorder:
// nothing touches the network. Its devices are files in dataDir, or, in
// the PostgreSQL pass, rows in a fresh schema of the test database.
func NewOfflineWhatsmeowDriver(t testing.TB, dataDir string) (*WhatsmeowDriver, *Offline, error) {
	t.Helper()
	url := ""
	if testdb.Postgres() {
		url = testdb.NewPostgres(t)
	}
	return newOfflineWhatsmeowDriver(t, dataDir, url)
}

// offlineURLs is the database of each offline driver on PostgreSQL.
var offlineURLs sync.Map // *WhatsmeowDriver -> string

// ReopenOfflineWhatsmeowDriver is a new offline driver on d's devices (its
// files in dataDir, or its PostgreSQL schema), as after a restart.
func ReopenOfflineWhatsmeowDriver(t testing.TB, d *WhatsmeowDriver, dataDir string) (*WhatsmeowDriver, *Offline, error) {
	t.Helper()
	url, _ := offlineURLs.Load(d)
	s, _ := url.(string)
	return newOfflineWhatsmeowDriver(t, dataDir, s)
}

func newOfflineWhatsmeowDriver(t testing.TB, dataDir, url string) (*WhatsmeowDriver, *Offline, error) {
	var d *WhatsmeowDriver
	var err error
	if url != "" {
		d, err = NewWhatsmeowPostgresDriver(context.Background(), url, nil)
		if err == nil {
			offlineURLs.Store(d, url)
			t.Cleanup(func() { d.Close() }) // before the schema is dropped
		}
	} else {
		d, err = NewWhatsmeowDriver(dataDir, nil)
	}
	if err != nil {
		return nil, nil, err
	}
	o := &Offline{}
	d.connect = func(context.Context, *whatsmeow.Client) error {
		o.mu.Lock()
		o.dials++
		o.touchLocked()
		o.mu.Unlock()
		return nil
	}
	d.downloader = func(*whatsmeow.Client) mediaDownloader { return offlineDownloader{o} }
	d.presence = func(_ context.Context, c *whatsmeow.Client) error {
		o.mu.Lock()
		o.presences = append(o.presences, c.Store.PushName)
		o.touchLocked()
		o.mu.Unlock()
		return nil
	}
	d.latestVersion = func(ctx context.Context) (*store.WAVersionContainer, error) {
		o.mu.Lock()
		hold := o.hold
		o.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.latest == nil {
			return nil, errors.New("offline: no version announced")
		}
		v := *o.latest
		return &v, nil
	}
	return d, o, nil
}

// WhatsmeowClientOf returns the *whatsmeow.Client behind chatID's session
// (nil when none is open or the driver is not whatsmeow).
func (m *Manager) WhatsmeowClientOf(chatID int64) *whatsmeow.Client {
	m.mu.Lock()
	s := m.sessions[chatID]
	m.mu.Unlock()
	if s == nil {
		return nil
	}
	s.lockMu()
	defer s.unlockMu()
	return WhatsmeowClient(s.client)
}

// WaitClientGone waits until chatID's session has no client open.
func (m *Manager) WaitClientGone(ctx context.Context, chatID int64) error {
	s, err := m.session(chatID)
	if err != nil {
		return err
	}
	for {
		s.lockMu()
		gone, ch := s.client == nil, s.changed
		s.unlockMu()
		if gone {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WhatsmeowClient returns the *whatsmeow.Client behind a Client of the
// adapter (unwrapping test wrappers that have an Unwrap method).
func WhatsmeowClient(c Client) *whatsmeow.Client {
	for c != nil {
		switch v := c.(type) {
		case *waClient:
			return v.cli
		case interface{ Unwrap() Client }:
			c = v.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// CapMedia wraps base like the adapter's media HTTP client, and
// WithMediaCap gives a request context the cap a download carries.
func CapMedia(base http.RoundTripper) http.RoundTripper { return capTransport{base: base} }
func WithMediaCap(ctx context.Context, max int64) context.Context {
	return context.WithValue(ctx, maxBodyKey{}, max)
}

var (
	PairCodeDisplay = pairCodeDisplay
	PairCodeClient  = pairCodeClient
	LinkedOS        = linkedOS
	Classify        = classify
)

// StateOf reads chatID's state without the session's lifecycle lock (tests
// that look from inside an operation holding it).
func (m *Manager) StateOf(chatID int64) State {
	m.mu.Lock()
	s := m.sessions[chatID]
	m.mu.Unlock()
	if s == nil {
		return StateUnlinked
	}
	s.lockMu()
	defer s.unlockMu()
	return s.state
}

// NewStoredDevice returns a fresh device in chatID's device store (its
// file, or the shared container), to be saved as whatsmeow does when a
// pairing succeeds, and the function that releases the store.
func (d *WhatsmeowDriver) NewStoredDevice(ctx context.Context, chatID int64) (*store.Device, func() error, error) {
	switch s := d.devices.(type) {
	case fileDevices:
		c, err := sqlstore.New(ctx, "sqlite3", "file:"+s.path(chatID)+"?_foreign_keys=on", nil)
		if err != nil {
			return nil, nil, err
		}
		return c.NewDevice(), c.Close, nil
	case *sharedDevices:
		return s.container.NewDevice(), func() error { return nil }, nil
	}
	return nil, nil, errors.New("unknown device store")
}

// SharedDeviceDB is the pool of the shared container (nil with device
// files), for tests that count its rows.
func (d *WhatsmeowDriver) SharedDeviceDB() *sql.DB {
	if s, ok := d.devices.(*sharedDevices); ok {
		return s.db
	}
	return nil
}
