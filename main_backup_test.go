package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"

	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/whatsapp"
)

// backupSQLiteOnly is why the backups are tested on SQLite only.
const backupSQLiteOnly = "an archive holds data_dir's SQLite files; with database.url backup and restore refuse " +
	"(TestProgramBackupCommandsRefusePostgreSQL)"

// whatsmeowDevice writes a paired whatsmeow device store for chat at
// data/whatsapp/<chat>.db, in WAL mode, and keeps it open (as a running
// session would) until the test ends. It returns the device's JID.
func whatsmeowDevice(t *testing.T, data string, chat int64) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(data, "whatsapp", fmt.Sprintf("%d.db", chat))
	c, err := sqlstore.New(ctx, "sqlite3", "file:"+path+"?_foreign_keys=on&_journal_mode=WAL", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	dev := c.NewDevice()
	jid := types.NewADJID(whatsapp.DryRunPhone(chat), 0, 1)
	dev.ID = &jid
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64),
		AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := dev.Save(ctx); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o600)
	return jid.String()
}

// storedJID opens a device file as whatsmeow does and returns its JID.
func storedJID(t *testing.T, path string) string {
	t.Helper()
	ctx := context.Background()
	c, err := sqlstore.New(ctx, "sqlite3", "file:"+path+"?_foreign_keys=on", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dev, err := c.GetFirstDevice(ctx)
	if err != nil || dev.ID == nil {
		t.Fatalf("%s: no device (%v)", path, err)
	}
	return dev.ID.String()
}

// tableRows reads every row of every table of the database at path
// (read-only, also while a program runs on it), each row as text, sorted.
func tableRows(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, tb := range tables {
		r, err := db.Query(`SELECT * FROM "` + tb + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		list := []string{}
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			list = append(list, fmt.Sprintf("%q", vals))
		}
		r.Close()
		sort.Strings(list)
		out[tb] = list
	}
	return out
}

// summariesRecorded counts the resellers whose daily summary of the
// database's latest planned day is recorded as sent.
func summariesRecorded(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM reminder_settings WHERE summary_on != '' AND summary_on = planned_on`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tool runs `renovabot <args...>` (backup, restore) as main does.
func tool(t *testing.T, args ...string) string {
	t.Helper()
	logs := &syncBuffer{}
	code := run(context.Background(), runOptions{Args: args, Getenv: func(string) string { return "" }, Stderr: logs, Clock: clock.Real{}})
	if code != 0 {
		t.Fatalf("renovabot %s: exit %d\n%s", strings.Join(args, " "), code, logs)
	}
	return logs.String()
}

// Issue 16: the bot runs with the dry-run driver and sends reminders; a
// backup taken meanwhile, restored into a new data_dir, starts a second
// instance that sends what was still to send. A backup of the idle bot,
// restored, has every row of every table the running bot has, the same
// key and the same device files (opened as whatsmeow stores, same JIDs),
// and the instance started on it has each reseller linked as before.
func TestProgramBackupWhileSendingAndRestore(t *testing.T) {
	testdb.SQLiteOnly(t, backupSQLiteOnly)
	const reminders = 60
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	srv.SetUser(telegramtest.User{ID: 202, FirstName: "Bia"})
	dir := t.TempDir()
	config := func(data string) string {
		c := strings.Replace(testConfig(srv, data), "min_gap: 0s\n  max_gap: 0s", "min_gap: 40ms\n  max_gap: 40ms", 1)
		name := filepath.Join(dir, filepath.Base(data)+".yaml")
		if err := os.WriteFile(name, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	data1 := filepath.Join(dir, "data1")
	seedDueTodayIn(t, "", data1, 101, reminders)
	seedDueTodayIn(t, "", data1, 202, 3)
	jids := map[int64]string{101: whatsmeowDevice(t, data1, 101), 202: whatsmeowDevice(t, data1, 202)}
	cfg1 := config(data1)
	sent1 := filepath.Join(data1, "dryrun-sent.jsonl")

	p1 := startProgram(t, cfg1, srv.Token())
	if !srv.Until(waitLimit, func() bool { return len(readDryRun(t, sent1)) >= 5 }) {
		t.Fatal("no reminder went out")
	}
	midSend := filepath.Join(dir, "during.tar.gz")
	out := tool(t, "backup", "-config", cfg1, "-out", midSend)
	if !strings.Contains(out, "backup written: "+midSend) || !strings.Contains(out, "2 resellers, 4 WhatsApp devices") {
		t.Fatalf("backup said: %s", out)
	}
	waitBotText(t, srv, 101, "Lembretes de hoje")
	waitBotText(t, srv, 202, "Lembretes de hoje")
	// The summary reaches Telegram before the scheduler records it: the bot
	// is idle once both records are written.
	if !srv.Until(waitLimit, func() bool { return summariesRecorded(t, filepath.Join(data1, "bot.db")) == 2 }) {
		t.Fatal("the daily summaries were never recorded")
	}
	idle := filepath.Join(dir, "idle.tar.gz")
	tool(t, "backup", "-config", cfg1, "-out", idle)
	want := tableRows(t, filepath.Join(data1, "bot.db"))
	if code := p1.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}

	// The idle backup, restored: identical rows, key and devices.
	data3 := filepath.Join(dir, "data3")
	cfg3 := config(data3)
	tool(t, "restore", "-config", cfg3, "-from", idle)
	if got := tableRows(t, filepath.Join(data3, "bot.db")); !reflect.DeepEqual(got, want) {
		for table := range want {
			if !reflect.DeepEqual(got[table], want[table]) {
				t.Errorf("table %s differs after restore:\n got %v\nwant %v", table, got[table], want[table])
			}
		}
		t.FailNow()
	}
	if len(want["messages"]) != reminders+3 {
		t.Fatalf("the running bot had %d message rows", len(want["messages"]))
	}
	for chat, jid := range jids {
		if got := storedJID(t, filepath.Join(data3, "whatsapp", fmt.Sprintf("%d.db", chat))); got != jid {
			t.Errorf("device of %d = %s, want %s", chat, got, jid)
		}
	}
	k1, _ := os.ReadFile(filepath.Join(data1, "erased-chats.key"))
	k3, _ := os.ReadFile(filepath.Join(data3, "erased-chats.key"))
	if len(k1) == 0 || string(k1) != string(k3) {
		t.Fatal("the erased chats' key was not restored")
	}
	p3 := startProgram(t, cfg3, srv.Token())
	before := len(srv.BotMessages(101))
	srv.SendText(101, "/whatsapp")
	waitNewBotText(t, srv, 101, before, "WhatsApp conectado")
	p3.stop()
	if lines := readDryRun(t, filepath.Join(data3, "dryrun-sent.jsonl")); len(lines) != 0 {
		t.Fatalf("the restored instance sent again what was sent: %v", lines)
	}

	// The backup taken while sending: a second instance on it sends what
	// was still to send then, under the ids it had.
	data2 := filepath.Join(dir, "data2")
	cfg2 := config(data2)
	tool(t, "restore", "-config", cfg2, "-from", midSend)
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data2, "bot.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var sentThen, open int
	db.QueryRow(`SELECT COUNT(*) FILTER (WHERE status = 'sent'), COUNT(*) FILTER (WHERE status IN ('pending', 'sending'))
		FROM messages WHERE reseller_id = 101`).Scan(&sentThen, &open)
	db.Close()
	if sentThen == 0 || open == 0 || sentThen+open != reminders {
		t.Fatalf("the backup during the sends holds %d sent and %d to send of %d", sentThen, open, reminders)
	}
	before = len(srv.BotMessages(101))
	startProgram(t, cfg2, srv.Token())
	waitNewBotText(t, srv, 101, before, "Lembretes de hoje")
	if lines := readDryRun(t, filepath.Join(data2, "dryrun-sent.jsonl")); len(lines) != open {
		t.Fatalf("the second instance sent %d reminders, want the %d still to send", len(lines), open)
	}
	t.Logf("backup during the sends: %d of %d sent", sentThen, reminders)
}

// The subcommands' refusals: one line, exit 2 for the command line, 1 for
// what cannot be done, and nothing changed.
func TestProgramBackupCommandRefusals(t *testing.T) {
	testdb.SQLiteOnly(t, backupSQLiteOnly)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o700)
	os.WriteFile(filepath.Join(data, "mine.txt"), []byte("x"), 0o600)
	cfg := writeConfig(t, dir, "data_dir: "+data+"\n")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"backup", "-config", cfg}, exitConfig, "-out FILE.tar.gz is required"},
		{[]string{"restore", "-config", cfg}, exitConfig, "-from FILE.tar.gz is required"},
		{[]string{"backup", "-config", cfg, "-out", filepath.Join(dir, "b.tar.gz")}, exitFail, "no database in data_dir"},
		{[]string{"restore", "-config", cfg, "-from", filepath.Join(dir, "none.tar.gz")}, exitFail, "is not empty (mine.txt"},
		{[]string{"restore", "-config", cfg, "-from", filepath.Join(dir, "none.tar.gz"), "-chat", "5"}, exitFail, "no bot.db in data_dir"},
		{[]string{"backup", "-config", cfg, "-out", "x", "extra"}, exitConfig, `unexpected argument "extra"`},
	} {
		logs := &syncBuffer{}
		code := run(context.Background(), runOptions{Args: tc.args, Getenv: func(string) string { return "" }, Stderr: logs, Clock: clock.Real{}})
		if out := strings.TrimSpace(logs.String()); code != tc.code || !strings.Contains(out, tc.want) || strings.Count(out, "\n") != 0 {
			t.Errorf("%v: exit %d, %q; want %d and one line with %q", tc.args, code, out, tc.code, tc.want)
		}
	}
	if entries, _ := os.ReadDir(data); len(entries) != 1 {
		t.Fatalf("data_dir changed: %v", entries)
	}
}

// With database.url (from the file or DATABASE_URL) the data is on the
// PostgreSQL server: backup and restore refuse in one line naming the
// server's own backups, exit 2, and touch nothing (no connection either:
// the URL here answers nowhere).
func TestProgramBackupCommandsRefusePostgreSQL(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o700)
	const url = "postgres://renovabot:secret@127.0.0.1:1/renovabot"
	inFile := writeConfig(t, dir, "data_dir: "+data+"\ndatabase:\n  url: "+url+"\n")
	plain := filepath.Join(dir, "plain.yaml")
	os.WriteFile(plain, []byte("data_dir: "+data+"\n"), 0o600)
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"backup", "-config", inFile, "-out", filepath.Join(dir, "b.tar.gz")}, nil},
		{[]string{"restore", "-config", inFile, "-from", filepath.Join(dir, "b.tar.gz")}, nil},
		{[]string{"restore", "-config", inFile, "-from", filepath.Join(dir, "b.tar.gz"), "-chat", "5"}, nil},
		{[]string{"backup", "-config", plain, "-out", filepath.Join(dir, "b.tar.gz")}, map[string]string{"DATABASE_URL": url}},
		{[]string{"restore", "-config", plain, "-from", filepath.Join(dir, "b.tar.gz")}, map[string]string{"DATABASE_URL": url}},
	} {
		logs := &syncBuffer{}
		code := run(context.Background(), runOptions{Args: tc.args, Getenv: func(k string) string { return tc.env[k] }, Stderr: logs, Clock: clock.Real{}})
		want := "renovabot " + tc.args[0] + ": database.url is set: the data is on the PostgreSQL server; use the server's own backups (pg_dump / pg_restore, replicas)"
		if out := strings.TrimSpace(logs.String()); code != exitConfig || out != want {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, out, exitConfig, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 { // data, config.yaml, plain.yaml
		t.Errorf("files made: %v", entries)
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("data_dir changed: %v", entries)
	}
}
