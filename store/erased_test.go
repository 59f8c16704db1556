package store_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/store"
	"renovabot/store/storetest"
)

func erasedBefore(t *testing.T, s *store.Store, chat int64) (store.ErasedChat, bool) {
	t.Helper()
	e, ok, err := s.Tenant(chat).Account().ErasedBefore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e, ok
}

// An erasure keeps, per chat, only "trial used" or "blocked" and the day,
// under a keyed hash; a request still awaiting approval keeps nothing.
func TestErasureKeepsOnlyWhatPreventsANewTrial(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	reg := func(chat int64, a store.Access) {
		t.Helper()
		if _, _, err := s.Tenant(chat).Account().RegisterAs(ctx, "Nome", "user", "America/Sao_Paulo", a); err != nil {
			t.Fatal(err)
		}
	}
	trial := store.Access{Status: store.StatusTrial, Until: t0.Add(72 * time.Hour)}
	reg(1, trial)
	reg(2, store.Access{Status: store.StatusBlocked})
	reg(3, store.Access{Status: store.StatusBlocked, AwaitingApproval: true})
	reg(4, store.Access{Status: store.StatusExpired})
	for _, chat := range []int64{1, 2, 3} {
		if _, ok := erasedBefore(t, s, chat); ok {
			t.Fatalf("chat %d has a record before any erasure", chat)
		}
		if err := s.Tenant(chat).Account().Erase(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AdminDeleteReseller(ctx, 900, 4); err != nil {
		t.Fatal(err)
	}
	// 28/11/2026 12:00 UTC is 09:00 in São Paulo: the same day.
	day := billing.Date{Year: 2026, Month: time.November, Day: 28}
	if e, ok := erasedBefore(t, s, 1); !ok || e.Blocked || e.On != day {
		t.Errorf("trial erased: %+v %v", e, ok)
	}
	if e, ok := erasedBefore(t, s, 2); !ok || !e.Blocked || e.On != day {
		t.Errorf("blocked erased: %+v %v", e, ok)
	}
	if e, ok := erasedBefore(t, s, 3); ok {
		t.Errorf("a pending request left a record: %+v", e)
	}
	if e, ok := erasedBefore(t, s, 4); !ok || e.Blocked {
		t.Errorf("expired, deleted by an admin: %+v %v", e, ok)
	}
	if _, ok := erasedBefore(t, s, 5); ok {
		t.Error("a chat never seen has a record")
	}
	// Nothing in the table names a chat: no owner column, only hashes.
	if n := storetest.Rows(t, s, 1); len(n) != 0 {
		t.Errorf("rows of chat 1 after its erasure: %v", n)
	}

	// Back, blocked again by the record's say, then unblocked by an admin
	// and erased: the admin's decision is the one kept.
	reg(2, store.Access{Status: store.StatusActive})
	if err := s.Tenant(2).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if e, ok := erasedBefore(t, s, 2); !ok || e.Blocked {
		t.Errorf("unblocked, then erased: %+v %v", e, ok)
	}
	// Back again, pending, erased: the earlier record stays.
	reg(2, store.Access{Status: store.StatusBlocked, AwaitingApproval: true})
	if err := s.Tenant(2).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := erasedBefore(t, s, 2); !ok {
		t.Error("a pending erasure forgot the earlier record")
	}
}

// The key is made once per installation, 0600, next to the database and
// never inside it; the records follow it across restarts, and a damaged key
// stops the start with a message naming the file.
func TestSQLiteErasedChatsKey(t *testing.T) {
	testdb.SQLiteOnly(t, "the key's file in data_dir; on PostgreSQL the key is in the database (TestPostgresKeepsTheErasedChatsKeyInTheDatabase)")
	dir, url := t.TempDir(), storetest.DatabaseURL(t)
	ctx := context.Background()
	s, err := store.OpenDatabase(ctx, url, dir, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	path := s.Path() // "" on PostgreSQL: no database file to look into
	storetest.Seed(t, s, t0, 1, "ALFA", 900)
	if err := s.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	keyPath := filepath.Join(dir, store.KeyFile)
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(keyPath)
	key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != 32 {
		t.Fatalf("key file = %q", raw)
	}
	if path != "" {
		db, _ := os.ReadFile(path)
		if strings.Contains(string(db), string(key)) || strings.Contains(string(db), strings.TrimSpace(string(raw))) {
			t.Fatal("the key is inside the database")
		}
	}

	s, err = store.OpenDatabase(ctx, url, dir, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := erasedBefore(t, s, 1); !ok {
		t.Fatal("the record was not found after a restart")
	}
	s.Close()
	if raw2, _ := os.ReadFile(keyPath); string(raw2) != string(raw) {
		t.Fatal("the key changed on restart")
	}

	if err := os.WriteFile(keyPath, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenDatabase(ctx, url, dir, clock.NewFake(t0)); err == nil || !strings.Contains(err.Error(), keyPath) {
		t.Fatalf("damaged key: %v", err)
	}
}

// /meusdados of a chat that comes back shows what was kept of its erased
// account (state and day) and never the hash or the key.
func TestExportShowsTheErasedRecordWithoutKeyOrHash(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := storetest.OpenIn(t, dir, storetest.DatabaseURL(t), clock.NewFake(t0))
	storetest.Seed(t, s, t0, 1, "ALFA", 900)
	if _, _, err := s.AdminSetAccess(ctx, store.AccessChange{Admin: 900, Target: 1, Access: store.Access{Status: store.StatusBlocked},
		Action: store.AuditBlock}); err != nil {
		t.Fatal(err)
	}
	if err := s.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Tenant(1).Account().RegisterAs(ctx, "De volta", "", "America/Sao_Paulo", store.Access{Status: store.StatusBlocked}); err != nil {
		t.Fatal(err)
	}
	ex, err := s.Tenant(1).Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(ex)
	if !strings.Contains(string(doc), `"conta_apagada_antes":{"situacao":"bloqueada","apagada_em":"2026-11-28"}`) {
		t.Errorf("export lacks the erased record: %s", doc)
	}
	// The key: data_dir's file on SQLite, a row on PostgreSQL.
	var key []byte
	if s.Path() != "" {
		raw, _ := os.ReadFile(filepath.Join(dir, store.KeyFile))
		key, _ = hex.DecodeString(strings.TrimSpace(string(raw)))
	} else if err := storetest.DB(t, s).QueryRow(`SELECT key FROM installation_keys WHERE name = 'erased_chats'`).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if len(key) != 32 {
		t.Fatalf("key = %x", key)
	}
	for _, secret := range []string{hex.EncodeToString(key), string(key), "erased_chats", "chat_hash"} {
		if strings.Contains(string(doc), secret) {
			t.Errorf("export leaks %q: %s", secret, doc)
		}
	}
	// Another chat's export says nothing about it.
	ex2, _ := s.Tenant(2).Export(ctx)
	if ex2.ErasedBefore != nil {
		t.Errorf("chat 2 export: %+v", ex2.ErasedBefore)
	}
}

// bot.db, its WAL and shared-memory files and the key are 0600 even in a
// data directory that already exists with 0755 and under umask 022; a data
// directory the store creates is 0700; files left 0644 by an older version
// are narrowed.
func TestSQLiteDatabaseFilesArePrivate(t *testing.T) {
	testdb.SQLiteOnly(t, "modes of bot.db, its WAL and shared-memory files and the key's file; on PostgreSQL nothing is written to data_dir (TestPostgresKeepsTheErasedChatsKeyInTheDatabase)")
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	// An older version's leftovers.
	if err := os.WriteFile(filepath.Join(shared, "bot.db-wal"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, filepath.Join(shared, "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.Seed(t, s, t0, 1, "ALFA", 900) // writes: the WAL and -shm exist
	for _, name := range []string{"bot.db", "bot.db-wal", "bot.db-shm", store.KeyFile} {
		fi, err := os.Stat(filepath.Join(shared, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, fi.Mode().Perm())
		}
	}

	fresh := filepath.Join(t.TempDir(), "new", "data")
	s2, err := store.Open(ctx, filepath.Join(fresh, "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("created data dir: %v %v", fi.Mode().Perm(), err)
	}
}

// The erasure lock cancels the work running for the reseller (all of it),
// waits for it to end, and keeps new work out until the erasure is over;
// work for other resellers, and work sharing the lock, go on.
func TestEraseLockCancelsTheWorkAndKeepsNewWorkOut(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	tn := s.Tenant(1)
	job, releaseJob, err := tn.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	notice, releaseNotice, err := tn.Lock(ctx) // work shares the lock
	if err != nil {
		t.Fatal(err)
	}
	other, releaseOther, err := s.Tenant(2).Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	erased := make(chan func(), 1)
	go func() {
		release, err := tn.LockForErasure(ctx)
		if err != nil {
			t.Error(err)
		}
		erased <- release
	}()
	<-job.Done() // the erasure asked: the work's contexts end
	<-notice.Done()
	if other.Err() != nil {
		t.Fatal("another reseller's work was cancelled")
	}
	if _, _, err := tn.Lock(ctx); !errors.Is(err, store.ErrErasing) {
		t.Fatalf("new work while the erasure waits: %v", err)
	}
	releaseJob()
	select {
	case <-erased:
		t.Fatal("the erasure ran while work still held the lock")
	default:
	}
	releaseNotice()
	releaseNotice() // releasing twice is harmless
	release := <-erased
	if _, _, err := tn.Lock(ctx); !errors.Is(err, store.ErrErasing) {
		t.Fatalf("new work during the erasure: %v", err)
	}
	// A second erasure waits for the first; one that gives up leaves no trace.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := tn.LockForErasure(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("second erasure: %v", err)
	}
	release()
	work, releaseWork, err := tn.Lock(ctx)
	if err != nil || work.Err() != nil {
		t.Fatalf("work after the erasure: %v", err)
	}
	releaseWork()
	releaseOther()
}

// A device record for a chat without an account is refused with
// ErrNotFound (the WhatsApp side then unlinks the device).
func TestSaveSessionOfAChatWithoutAccount(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	rec := store.WhatsAppSession{DeviceJID: "5511987654321:3@s.whatsapp.net", Phone: "5511987654321", LinkedAt: t0, State: "connected"}
	if err := s.Tenant(1).WhatsApp().SaveSession(ctx, rec); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("save for a chat never registered: %v", err)
	}
	storetest.Seed(t, s, t0, 1, "ALFA", 900)
	if err := s.Tenant(1).WhatsApp().SaveSession(ctx, rec); err != nil { // an update of the seeded record
		t.Fatal(err)
	}
	if err := s.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Tenant(1).WhatsApp().SaveSession(ctx, rec); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("save after the erasure: %v", err)
	}
}
