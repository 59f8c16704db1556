package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"renovabot/bot/telegramtest"
	"renovabot/store"
)

// Issue 16: /admin shows the last scheduled backup (when, size, ok or
// failed), and a failure reaches every admin.
func TestAdminPanelShowsTheLastBackup(t *testing.T) {
	h := newHarness(t)
	h.srv.SetUser(telegramtest.User{ID: 900, FirstName: "Operador"})
	h.start()
	h.say(900, "/start", "Menu principal")
	m := h.say(900, "/admin", "Painel do administrador")
	if !strings.Contains(m.Text, "💾 Backup automático: desligado (configure backup.dir)") {
		t.Fatalf("panel without backups:\n%s", m.Text)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC) // 03:00 in São Paulo
	if err := h.store.SetBackupRecord(ctx, store.BackupRun{At: at, OK: true, Size: 12_900_000, LastOK: at, LastOKSize: 12_900_000}); err != nil {
		t.Fatal(err)
	}
	m = h.say(900, "/admin", "Painel do administrador")
	if !strings.Contains(m.Text, "💾 Último backup: 28/11/2026 03:00, 12,3 MB ✅") {
		t.Fatalf("panel after a backup:\n%s", m.Text)
	}
	failed := at.Add(24 * time.Hour)
	if err := h.store.SetBackupRecord(ctx, store.BackupRun{At: failed, Error: "disk full", LastOK: at, LastOKSize: 800_000, Told: true}); err != nil {
		t.Fatal(err)
	}
	m = h.say(900, "/admin", "Painel do administrador")
	if !strings.Contains(m.Text, "💾 Último backup: ❌ falhou em 29/11/2026 03:00 (o motivo está no log); o último que deu certo: 28/11/2026 03:00, 781 KB") ||
		strings.Contains(m.Text, "disk full") {
		t.Fatalf("panel after a failure:\n%s", m.Text)
	}

	before := h.botMessageCount(900)
	if err := h.bot.BackupFailed(ctx, failed); err != nil {
		t.Fatal(err)
	}
	h.waitText(900, before, "⚠️ O backup automático falhou em 29/11/2026 03:00 (o motivo está no log).")
}

func TestSizeBR(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1 KB", 800_000: "781 KB",
		12_900_000: "12,3 MB", 3 << 30: "3,0 GB"} {
		if got := sizeBR(n); got != want {
			t.Errorf("sizeBR(%d) = %q, want %q", n, got, want)
		}
	}
}

// With database.url the data is backed up by the PostgreSQL server: the
// panel says so, and a record of backups copied from an SQLite
// installation (its files are not this installation's) shows nowhere.
func TestAdminPanelBackupLineOnPostgreSQL(t *testing.T) {
	h := newHarness(t)
	h.cfg.PostgreSQL = true
	h.srv.SetUser(telegramtest.User{ID: 900, FirstName: "Operador"})
	at := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	if err := h.store.SetBackupRecord(context.Background(), store.BackupRun{At: at, OK: true, Size: 12_900_000, LastOK: at, LastOKSize: 12_900_000}); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.say(900, "/start", "Menu principal")
	m := h.say(900, "/admin", "Painel do administrador")
	if !strings.Contains(m.Text, "💾 Backup: pelo servidor PostgreSQL (pg_dump, réplicas); o bot não faz backup com database.url") ||
		strings.Contains(m.Text, "Último backup") || strings.Contains(m.Text, "desligado") {
		t.Fatalf("panel on PostgreSQL:\n%s", m.Text)
	}
}
