package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"renovabot/bot/telegramtest"
	"renovabot/internal/testdb"
)

// linkAndTest links chat's dry-run WhatsApp and sends the test message.
func linkAndTest(t *testing.T, srv *telegramtest.Server, chat int64) {
	t.Helper()
	srv.SendText(chat, "/start")
	waitBotText(t, srv, chat, "Boas-vindas")
	srv.SendText(chat, "/whatsapp")
	waitBotText(t, srv, chat, "Seu WhatsApp não está conectado")
	click(t, srv, chat, "🔗 Conectar com QR code")
	waitBotText(t, srv, chat, "Conectado como")
	click(t, srv, chat, "🧪 Testar envio")
	waitBotText(t, srv, chat, "Mensagem de teste enviada")
}

// Issue 12, item 4: in a data directory that already exists with 0755 (and
// under umask 022), every file holding resellers' data is 0600: bot.db and
// its WAL and shared-memory files, the erased chats' key, the dry-run log
// and device file; the start warns that the directory itself is readable.
func TestProgramKeepsDataFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	p := startProgram(t, writeConfig(t, dir, testConfig(srv, data)), srv.Token())
	linkAndTest(t, srv, 101)
	files := []string{"dryrun-sent.jsonl", filepath.Join("whatsapp", "101.dryrun")}
	if !testdb.Postgres() {
		files = append(files, "bot.db", "bot.db-wal", "bot.db-shm", "erased-chats.key")
	} else if _, err := os.Stat(filepath.Join(data, "erased-chats.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("erased-chats.key in data_dir on PostgreSQL (the key is in the database): %v", err)
	}
	for _, name := range files {
		fi, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(filepath.Join(data, "whatsapp")); fi.Mode().Perm() != 0o700 {
		t.Errorf("whatsapp/ mode = %v, want 0700", fi.Mode().Perm())
	}
	logs := p.logs.String()
	if !strings.Contains(logs, "data_dir can be read by other users") || !strings.Contains(logs, "chmod 700") {
		t.Errorf("no warning about the readable data_dir:\n%s", logs)
	}

	// A data directory the program creates is 0700, and nothing is said.
	srv2 := telegramtest.NewServer()
	defer srv2.Close()
	srv2.CheckMarkup(t)
	fresh := filepath.Join(dir, "new", "data")
	p2 := startProgram(t, writeConfig(t, t.TempDir(), testConfig(srv2, fresh)), srv2.Token())
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("created data_dir: %v", err)
	}
	if strings.Contains(p2.logs.String(), "can be read by other users") {
		t.Errorf("warning about a private data_dir:\n%s", p2.logs)
	}
}

// Issue 12, item 1: /apagarconta also takes the reseller's lines out of the
// dry-run log (their clients' numbers and texts); others' lines stay.
func TestProgramEraseRewritesTheDryRunLog(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	startProgram(t, writeConfig(t, dir, testConfig(srv, data)), srv.Token())
	linkAndTest(t, srv, 101)
	linkAndTest(t, srv, 202)
	tenants := func() []int64 {
		var out []int64
		for _, l := range readDryRun(t, filepath.Join(data, "dryrun-sent.jsonl")) {
			out = append(out, l.Tenant)
		}
		return out
	}
	if got := tenants(); len(got) != 2 {
		t.Fatalf("dry-run log before = %v", got)
	}
	srv.SendText(101, "/apagarconta")
	waitBotText(t, srv, 101, "digite APAGAR")
	srv.SendText(101, "APAGAR")
	waitBotText(t, srv, 101, "foram apagados")
	if got := tenants(); len(got) != 1 || got[0] != 202 {
		t.Fatalf("dry-run log after 101's erasure = %v", got)
	}
	// 202 still sends, to the rewritten log.
	before := len(srv.BotMessages(202))
	click(t, srv, 202, "🧪 Testar envio")
	waitNewBotText(t, srv, 202, before, "Mensagem de teste enviada")
	if got := tenants(); len(got) != 2 || got[1] != 202 {
		t.Fatalf("dry-run log after 202's second test = %v", got)
	}
}
