package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/internal/testdb"
)

// On PostgreSQL an instance keeps no state on disk (issue 17): the erased
// chats' key is in the database, made once however many instances start
// at once on a new database, never written to data_dir, and the records
// follow it to an instance with another (or no) data_dir.
func TestPostgresKeepsTheErasedChatsKeyInTheDatabase(t *testing.T) {
	testdb.PostgresOnly(t)
	ctx := context.Background()
	url := testdb.NewPostgres(t)
	dirs := make([]string, 4)
	keys := make([][]byte, len(dirs))
	errs := make([]error, len(dirs))
	var wg sync.WaitGroup
	for i := range dirs {
		dirs[i] = filepath.Join(t.TempDir(), "data") // not created
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenPostgres(ctx, url, dirs[i], clock.NewFake(t0))
			if err != nil {
				errs[i] = err
				return
			}
			keys[i] = s.chatKey
			s.Close()
		}()
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		if len(keys[i]) != 32 || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("instance %d has key %x, instance 0 %x: one key per installation", i, keys[i], keys[0])
		}
		if _, err := os.Stat(dirs[i]); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("instance %d wrote to its data_dir: %v", i, err)
		}
	}

	s, err := OpenPostgres(ctx, url, "", clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Tenant(1).Account().RegisterAs(ctx, "R", "", "America/Sao_Paulo", Access{Status: StatusTrial, Until: t0.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A later start whose data_dir has a key file (another installation's)
	// keeps the database's key, and finds the record.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, KeyFile), []byte("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = OpenPostgres(ctx, url, other, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !bytes.Equal(s.chatKey, keys[0]) {
		t.Fatal("the key changed on restart")
	}
	if _, ok, err := s.Tenant(1).Account().ErasedBefore(ctx); err != nil || !ok {
		t.Fatalf("the erased record was not found after a restart: %v, %v", ok, err)
	}
	if _, ok, _ := s.Tenant(2).Account().ErasedBefore(ctx); ok {
		t.Fatal("a chat never erased has a record")
	}
}

// An installation moved from SQLite to PostgreSQL with its data_dir keeps
// its key: the first start on the database takes it from erased-chats.key,
// so the records of accounts erased before the move still match.
func TestPostgresTakesTheKeyFileOfAnSQLiteInstallation(t *testing.T) {
	testdb.PostgresOnly(t)
	ctx := context.Background()
	dir := t.TempDir()
	lite, err := Open(ctx, filepath.Join(dir, "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	fileKey := lite.chatKey
	lite.Close()
	s, err := OpenPostgres(ctx, testdb.NewPostgres(t), dir, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(fileKey) != 32 || !bytes.Equal(s.chatKey, fileKey) {
		t.Fatalf("key on PostgreSQL %x, the SQLite installation's %x", s.chatKey, fileKey)
	}
}
