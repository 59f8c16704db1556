package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"renovabot/clock"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func openTest(t testing.TB) (*Store, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(t0)
	s, err := testDatabase(t)(clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clk
}

func TestOpenAppliesMigrationsAndPragmas(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	all, err := migrationsIn(s.d.migrationDir())
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != all[len(all)-1].version {
		t.Fatalf("schema version = %d, %v; want %d", v, err, all[len(all)-1].version)
	}
	// The read pool cannot write.
	if _, err := s.read.ExecContext(ctx, "DELETE FROM resellers"); err == nil {
		t.Fatal("read pool accepted a write")
	}
	if s.d.name() != "sqlite" {
		return // what follows is SQLite's configuration
	}
	var mode string
	if err := s.read.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var fk, busy int
	if err := s.write.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
	if err := s.write.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil || busy < 1000 {
		t.Fatalf("busy_timeout = %d, %v", busy, err)
	}
}

func TestReopenIsIdempotentAndNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	open := testDatabase(t)
	s, err := open(clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Tenant(1).Account().Register(ctx, "Ana", "", "America/Sao_Paulo"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = open(clock.NewFake(t0))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := s.Tenant(1).Account().Get(ctx); err != nil {
		t.Fatalf("data lost on reopen: %v", err)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := open(clock.NewFake(t0)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("newer schema accepted: %v", err)
	}
}

func TestMigrationFilesAreWellFormed(t *testing.T) {
	for _, d := range []dialect{sqliteDialect{}, postgresDialect{}} {
		all, err := migrationsIn(d.migrationDir())
		if err != nil {
			t.Fatal(err)
		}
		// Versions run 1..n without gaps (the runner applies whatever the
		// database has not recorded, so a late-merged number still runs, but a
		// gap in a release is a migration lost in a merge). The foreign_keys
		// marker only counts on the first line.
		want := 1
		for _, m := range all {
			if !m.foreignKeysOff && strings.Contains(m.sql, fkOffMarker) {
				t.Fatalf("%s migration %q has %q on a line other than the first, where it has no effect", d.name(), m.name, fkOffMarker)
			}
			if m.version != want {
				t.Fatalf("%s migration %q has version %d, want %d: versions must be 1..n without gaps", d.name(), m.name, m.version, want)
			}
			want++
		}
	}
}

func TestAccountRegisterSeenUnreachable(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	acc := s.Tenant(10).Account()

	if _, err := acc.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before register = %v", err)
	}
	if _, err := acc.Seen(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Seen before register = %v", err)
	}
	r, created, err := acc.Register(ctx, "Ana", "ana", "America/Manaus")
	if err != nil || !created || r.ChatID != 10 || r.Name != "Ana" || r.Status != StatusActive || !r.CreatedAt.Equal(t0) {
		t.Fatalf("register = %+v %v %v", r, created, err)
	}
	if r.Location().String() != "America/Manaus" {
		t.Fatalf("location = %v", r.Location())
	}

	clk.Advance(time.Hour)
	if err := acc.MarkUnreachable(ctx); err != nil {
		t.Fatal(err)
	}
	r, _ = acc.Get(ctx)
	if !r.UnreachableAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("unreachable_at = %v", r.UnreachableAt)
	}
	clk.Advance(time.Hour)
	r, err = acc.Seen(ctx)
	if err != nil || !r.UnreachableAt.IsZero() || !r.LastSeenAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("seen = %+v, %v", r, err)
	}
	// Registering again refreshes the name, keeps the creation time and zone.
	r, created, err = acc.Register(ctx, "Ana Maria", "anam", "America/Sao_Paulo")
	if err != nil || created || r.Name != "Ana Maria" || !r.CreatedAt.Equal(t0) || r.Timezone != "America/Manaus" {
		t.Fatalf("re-register = %+v %v %v", r, created, err)
	}
}

func TestAccountsAreTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := s.Tenant(1), s.Tenant(2)
	if _, _, err := a.Account().Register(ctx, "A", "", "UTC"); err != nil {
		t.Fatal(err)
	}
	// B is not registered: none of B's calls see or touch A's row.
	if _, err := b.Account().Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B sees a row: %v", err)
	}
	if _, err := b.Account().Seen(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B's Seen touched a row: %v", err)
	}
	if err := b.Account().MarkUnreachable(ctx); err != nil {
		t.Fatal(err)
	}
	ra, _ := a.Account().Get(ctx)
	if !ra.UnreachableAt.IsZero() {
		t.Fatal("B's MarkUnreachable changed A")
	}
}

func TestConversationsAreTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := s.Tenant(1), s.Tenant(2)
	for _, tn := range []Tenant{a, b} {
		if _, _, err := tn.Account().Register(ctx, "x", "", "UTC"); err != nil {
			t.Fatal(err)
		}
	}
	conv := Conversation{Flow: "novo", Step: "nome", Token: "T1", Data: map[string]string{"nome": "Zé"}, MessageID: 7}
	if err := a.Conversations().Save(ctx, conv); err != nil {
		t.Fatal(err)
	}
	got, err := a.Conversations().Get(ctx)
	if err != nil || got.Flow != "novo" || got.Step != "nome" || got.Token != "T1" || got.Data["nome"] != "Zé" || got.MessageID != 7 {
		t.Fatalf("A's conversation = %+v, %v", got, err)
	}
	if _, err := b.Conversations().Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B sees A's conversation: %v", err)
	}
	if err := b.Conversations().Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Conversations().Get(ctx); err != nil {
		t.Fatalf("B's Clear removed A's conversation: %v", err)
	}
	conv.Step = "telefone"
	if err := a.Conversations().Save(ctx, conv); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Conversations().Get(ctx); got.Step != "telefone" {
		t.Fatalf("save did not replace: %+v", got)
	}
	if err := a.Conversations().Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Conversations().Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after clear: %v", err)
	}
}

func TestConversationNeedsReseller(t *testing.T) {
	// Foreign keys are enforced: no conversation row without its reseller.
	s, _ := openTest(t)
	err := s.Tenant(404).Conversations().Save(context.Background(), Conversation{Flow: "f", Step: "s", Token: "t"})
	if err == nil {
		t.Fatal("conversation saved for a chat that is not a reseller")
	}
}

func TestHasAccess(t *testing.T) {
	now := t0
	for _, tc := range []struct {
		r    Reseller
		want bool
	}{
		{Reseller{Status: StatusActive}, true},
		{Reseller{Status: StatusTrial, AccessUntil: now.Add(time.Hour)}, true},
		{Reseller{Status: StatusTrial, AccessUntil: now}, false},
		{Reseller{Status: StatusActive, AccessUntil: now.Add(-time.Second)}, false},
		{Reseller{Status: StatusBlocked}, false},
		{Reseller{Status: StatusExpired, AccessUntil: now.Add(time.Hour)}, false},
	} {
		if got := tc.r.HasAccess(now); got != tc.want {
			t.Errorf("%+v.HasAccess = %v", tc.r, got)
		}
	}
}
