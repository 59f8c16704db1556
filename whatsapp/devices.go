package whatsapp

// Where the whatsmeow driver keeps the resellers' devices: one SQLite file
// per reseller (fileDevices, the embedded default), or every device in one
// whatsmeow container in the PostgreSQL database of database.url
// (sharedDevices), so that an instance keeps no WhatsApp state on disk.
// The driver's code is the same for both; only this storage differs.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	waLog "go.mau.fi/whatsmeow/util/log"

	"renovabot/internal/pglock"
	appstore "renovabot/store"
)

// deviceStore keeps the devices of the whatsmeow driver, one per chat id.
type deviceStore interface {
	// open loads chatID's device, or a fresh unpaired one (saved by
	// whatsmeow when a pairing succeeds), and returns what releases it.
	open(ctx context.Context, chatID int64, log waLog.Logger) (*store.Device, func() error, error)
	// exists reports whether chatID has a stored device.
	exists(ctx context.Context, chatID int64) (bool, error)
	// remove deletes every row of chatID's device; none is not an error.
	remove(ctx context.Context, chatID int64) error
	close() error
}

// fileDevices keeps one SQLite device store per reseller in
// dir/<chat_id>.db: no lock contention between sessions, and deleting a
// reseller deletes one file.
type fileDevices struct{ dir string }

func (f fileDevices) path(chatID int64) string {
	return filepath.Join(f.dir, strconv.FormatInt(chatID, 10)+".db")
}

// dsn: foreign keys are required by whatsmeow's schema (its Upgrade refuses
// to run without them); WAL lets reads proceed during writes; busy_timeout
// waits instead of failing when whatsmeow's goroutines write at once.
// _txlock=immediate: whatsmeow reads then writes in one transaction
// (decrypting a message loads the signal session and stores it advanced);
// in WAL a deferred transaction whose snapshot another connection's commit
// made stale cannot write (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not
// retry), so transactions take the write lock when they begin and wait
// their turn instead. A device store is small, so a 512 KiB page cache per
// connection (SQLite's default is 2 MiB) is plenty and keeps 1,000
// sessions' C memory in check.
func (f fileDevices) dsn(chatID int64) string {
	return "file:" + f.path(chatID) + "?_foreign_keys=on&_journal_mode=WAL&_busy_timeout=10000&_synchronous=NORMAL&_cache_size=-512&_txlock=immediate"
}

func (f fileDevices) open(ctx context.Context, chatID int64, log waLog.Logger) (*store.Device, func() error, error) {
	// The device's keys are for this user's eyes only (0600), whatever the
	// directory's mode: see store.PrepareSQLiteFile.
	if err := appstore.PrepareSQLiteFile(f.path(chatID)); err != nil {
		return nil, nil, err
	}
	db, err := sql.Open("sqlite3", f.dsn(chatID))
	if err != nil {
		return nil, nil, err
	}
	// Most sessions are idle most of the day: one pooled connection (and
	// its page cache) is enough between bursts. No ConnMaxIdleTime: it costs
	// a cleaner goroutine per database.
	db.SetMaxIdleConns(1)
	container := sqlstore.NewWithDB(db, "sqlite3", log.Sub("Database"))
	if err := container.Upgrade(ctx); err != nil {
		_ = container.Close()
		return nil, nil, fmt.Errorf("upgrade: %w", err)
	}
	// One device per file, the file named by the chat: GetFirstDevice
	// returns it, or a fresh unpaired one.
	device, err := container.GetFirstDevice(ctx)
	if err != nil {
		_ = container.Close()
		return nil, nil, err
	}
	return device, container.Close, nil
}

func (f fileDevices) exists(_ context.Context, chatID int64) (bool, error) {
	_, err := os.Stat(f.path(chatID))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// remove deletes the device file and its WAL and shared-memory files.
func (f fileDevices) remove(_ context.Context, chatID int64) error {
	var errs []error
	base := f.path(chatID)
	for _, p := range []string{base, base + "-wal", base + "-shm", base + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (fileDevices) close() error { return nil }

// sharedDevices keeps every reseller's device in one whatsmeow container
// on PostgreSQL. A container holds many devices, so nothing in it says
// whose a device is: the chat's session record (lookup) is the only way
// to a chat's device, never "the first" or "all" devices.
type sharedDevices struct {
	db        *sql.DB
	container *sqlstore.Container
	// lookup finds the device JID of a chat's session record ("" when
	// there is none); set by WhatsmeowDriver.useSessions before any open.
	// nil (renovabot migrate's use): no chat has a device.
	lookup func(ctx context.Context, chatID int64) (string, error)

	mu sync.Mutex
	// opened is the device last opened for each chat, kept after its
	// client closed: a pairing's device is saved by whatsmeow before we
	// record it, and must be found to be removed if that record never
	// comes (a pairing undone, a chat erased meanwhile).
	opened map[int64]*store.Device
}

// openSharedDevices opens the whatsmeow container in the PostgreSQL
// database at url (in the URL's search_path schema, as the store's tables)
// and brings its schema up to date.
//
// The pool is a plain pgx one, apart from the store's: whatsmeow writes
// PostgreSQL's SQL itself ($n placeholders, real booleans), which the
// store's connections would rewrite. whatsmeow's upgrades (go.mau.fi/util
// dbutil) take no lock of their own, so two instances starting together
// would both create its tables: the upgrade runs under a session advisory
// lock, and the later instance finds nothing left to do.
func openSharedDevices(ctx context.Context, url string, log waLog.Logger) (*sharedDevices, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: database URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "renovabot-whatsapp"
	}
	db := stdlib.OpenDB(*cfg)
	// Sessions write their keys in short bursts (a message decrypted, a
	// pre-key used): a bounded pool shared by all of them.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	container := sqlstore.NewWithDB(db, "pgx", log.Sub("Database"))
	if err := upgradeLocked(ctx, db, container); err != nil {
		db.Close()
		return nil, err
	}
	return &sharedDevices{db: db, container: container, opened: map[int64]*store.Device{}}, nil
}

func upgradeLocked(ctx context.Context, db *sql.DB, container *sqlstore.Container) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("whatsapp: connect to PostgreSQL: %w", err)
	}
	defer conn.Close()
	// pglock.DeviceUpgrade: not the active instance's lock, which this
	// instance holds while it opens the store.
	const lock = `SELECT %s($1, hashtext(current_schema()))`
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(lock, "pg_advisory_lock"), pglock.DeviceUpgrade); err != nil {
		return fmt.Errorf("whatsapp: lock the device store upgrade: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(lock, "pg_advisory_unlock"), pglock.DeviceUpgrade); err != nil {
			// Dropping the connection releases the lock.
			_ = conn.Raw(func(any) error { return errBadConn })
		}
	}()
	// whatsmeow's upgrade (go.mau.fi/util dbutil) asks information_schema
	// whether its version table and that table's compat column exist
	// without naming the schema: another installation's (another schema
	// of this database) would make it skip creating this schema's own and
	// then fail to read it. Made here, in this schema (the search_path's
	// first), the checks find what they look for and the upgrade goes on
	// from the version recorded in it (none: from the start). The
	// definition is dbutil's own.
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS whatsmeow_version (version INTEGER, compat INTEGER)`,
		`ALTER TABLE whatsmeow_version ADD COLUMN IF NOT EXISTS compat INTEGER`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("whatsapp: prepare the device store's version table: %w", err)
		}
	}
	if err := container.Upgrade(ctx); err != nil {
		return fmt.Errorf("whatsapp: upgrade the device store: %w", err)
	}
	return nil
}

var errBadConn = errors.New("whatsapp: drop this connection")

// recorded returns the device JID of chatID's session record.
func (s *sharedDevices) recorded(ctx context.Context, chatID int64) (types.JID, bool, error) {
	if s.lookup == nil {
		return types.JID{}, false, nil
	}
	raw, err := s.lookup(ctx, chatID)
	if err != nil || raw == "" {
		return types.JID{}, false, err
	}
	jid, err := types.ParseJID(raw)
	if err != nil {
		return types.JID{}, false, fmt.Errorf("recorded device %q: %w", raw, err)
	}
	return jid, true, nil
}

func (s *sharedDevices) open(ctx context.Context, chatID int64, log waLog.Logger) (*store.Device, func() error, error) {
	jid, ok, err := s.recorded(ctx, chatID)
	if err != nil {
		return nil, nil, err
	}
	var device *store.Device
	if ok {
		if device, err = s.container.GetDevice(ctx, jid); err != nil {
			return nil, nil, err
		}
	}
	if device == nil {
		// No record, or whatsmeow deleted the device (logged out): a
		// fresh one, which the session sees as unpaired.
		device = s.container.NewDevice()
	}
	device.Log = log.Sub("Device")
	s.mu.Lock()
	s.opened[chatID] = device
	s.mu.Unlock()
	// The container is everyone's: closing a client releases nothing.
	return device, func() error { return nil }, nil
}

func (s *sharedDevices) exists(ctx context.Context, chatID int64) (bool, error) {
	jid, ok, err := s.recorded(ctx, chatID)
	if err != nil || !ok {
		return false, err
	}
	var found bool
	err = s.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM whatsmeow_device WHERE jid = $1)`, jid.String()).Scan(&found)
	return found, err
}

// remove deletes the device recorded for chatID and the one last opened
// for it, with every row that hangs on them: the device row's foreign keys
// cascade to its keys, sessions, contacts and app state; privacy tokens
// have no foreign key and are deleted by hand. whatsmeow_lid_map is shared
// by every device (which LID is which phone number, WhatsApp's public
// directory) and stays.
func (s *sharedDevices) remove(ctx context.Context, chatID int64) error {
	jids := map[string]bool{}
	if jid, ok, err := s.recorded(ctx, chatID); err != nil {
		return err
	} else if ok {
		jids[jid.String()] = true
	}
	s.mu.Lock()
	if d := s.opened[chatID]; d != nil && d.ID != nil {
		jids[d.ID.String()] = true
	}
	s.mu.Unlock()
	if err := s.deleteDevices(ctx, jids); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.opened, chatID)
	s.mu.Unlock()
	return nil
}

// deleteDevices deletes the devices jids with every row that hangs on
// them (see remove), in one transaction.
func (s *sharedDevices) deleteDevices(ctx context.Context, jids map[string]bool) error {
	if len(jids) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for jid := range jids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM whatsmeow_device WHERE jid = $1`, jid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM whatsmeow_privacy_tokens WHERE our_jid = $1`, jid); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// removeAllBut deletes every stored device whose JID keep lacks, and
// returns how many it deleted.
func (s *sharedDevices) removeAllBut(ctx context.Context, keep map[string]bool) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT jid FROM whatsmeow_device`)
	if err != nil {
		return 0, err
	}
	gone := map[string]bool{}
	for rows.Next() {
		var jid string
		if err := rows.Scan(&jid); err != nil {
			rows.Close()
			return 0, err
		}
		if !keep[jid] {
			gone[jid] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return len(gone), s.deleteDevices(ctx, gone)
}

func (s *sharedDevices) close() error { return s.container.Close() }

// PrepareDeviceDatabase creates (or brings up to date) whatsmeow's tables
// in the PostgreSQL database at url, as the driver does when it starts:
// for `renovabot migrate`, which fills them from the device files.
func PrepareDeviceDatabase(ctx context.Context, url string) error {
	s, err := openSharedDevices(ctx, url, waLog.Noop)
	if err != nil {
		return err
	}
	return s.close()
}

// DeviceFiles lists the device files of dataDir/whatsapp by chat id, each
// brought up to this program's whatsmeow schema (as opening it for a
// session would), for `renovabot migrate`. Nothing else in the directory
// counts (the dry-run driver's files, WAL and shared-memory files).
func DeviceFiles(ctx context.Context, dataDir string) (map[int64]string, error) {
	f := fileDevices{dir: filepath.Join(dataDir, "whatsapp")}
	entries, err := os.ReadDir(f.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[int64]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("whatsapp: %w", err)
	}
	out := map[int64]string{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".db")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		chatID, err := strconv.ParseInt(name, 10, 64)
		if err != nil || strconv.FormatInt(chatID, 10) != name {
			continue
		}
		_, release, err := f.open(ctx, chatID, waLog.Noop)
		if err != nil {
			return nil, fmt.Errorf("whatsapp: device file %s: %w", e.Name(), err)
		}
		if err := release(); err != nil {
			return nil, fmt.Errorf("whatsapp: device file %s: %w", e.Name(), err)
		}
		out[chatID] = f.path(chatID)
	}
	return out, nil
}
