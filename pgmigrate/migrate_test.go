package pgmigrate_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"go.mau.fi/whatsmeow/proto/waAdv"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"

	"renovabot/clock"
	"renovabot/internal/subcmd"
	"renovabot/internal/testdb"
	"renovabot/pgmigrate"
	"renovabot/store"
	"renovabot/store/storetest"
)

// TestPostgreSQL runs this package's tests on PostgreSQL when
// RENOVABOT_TEST_DATABASE_URL is set (package testdb), and says it skipped
// them otherwise: a migration needs a PostgreSQL server to copy into.
func TestPostgreSQL(t *testing.T) { testdb.Pass(t) }

var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// installation is a seeded SQLite data_dir.
type installation struct {
	dir     string
	devices map[int64]types.JID // chats with a paired device file
}

// erasedChat is the seeded installation's erased account.
const erasedChat = 404

// seedInstallation makes an SQLite installation with three resellers
// (a row in every table each), two of them with a paired device file
// (written with whatsmeow's own store, keys and sessions included) and
// the third with an unpaired leftover file.
func seedInstallation(t *testing.T) installation {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	in := installation{dir: dir, devices: map[int64]types.JID{}}
	for i, chat := range []int64{101, 202, 303, erasedChat} {
		storetest.Seed(t, st, t0, chat, fmt.Sprintf("MARK%d", i), 9)
	}
	// An erased account leaves its record, keyed with data_dir's key file.
	if err := st.Tenant(erasedChat).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "whatsapp"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []int64{101, 202, 303} {
		rec, err := st.Tenant(chat).WhatsApp().Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := sqlstore.New(ctx, "sqlite3", "file:"+filepath.Join(dir, "whatsapp", fmt.Sprintf("%d.db", chat))+"?_foreign_keys=on", nil)
		if err != nil {
			t.Fatal(err)
		}
		if chat != 303 {
			jid, err := types.ParseJID(rec.DeviceJID)
			if err != nil {
				t.Fatal(err)
			}
			seedDevice(t, c, jid)
			in.devices[chat] = jid
		}
		c.Close()
	}
	st.Close()
	return in
}

func seedDevice(t *testing.T, c *sqlstore.Container, jid types.JID) {
	t.Helper()
	ctx := context.Background()
	dev := c.NewDevice()
	dev.ID = &jid
	dev.PushName = "Revenda " + jid.User
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64),
		AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(dev.Save(ctx))
	peer := types.NewJID("5521987650001", types.DefaultUserServer)
	must(dev.Identities.PutIdentity(ctx, peer.SignalAddress().String(), [32]byte{byte(jid.Device), 7}))
	must(dev.Sessions.PutSession(ctx, peer.SignalAddress().String(), []byte("session of "+jid.User)))
	_, err := dev.PreKeys.GetOrGenPreKeys(ctx, 5)
	must(err)
	_, _, err = dev.Contacts.PutPushName(ctx, peer, "Cliente")
	must(err)
	must(dev.ChatSettings.PutPinned(ctx, peer, true))
	// The same contact's LID in both files: one row in the shared table.
	must(dev.LIDs.PutLIDMapping(ctx, types.NewJID("123456789", types.HiddenUserServer), peer))
}

func TestMigrateCopiesEveryTableAndDevice(t *testing.T) {
	testdb.PostgresOnly(t)
	ctx := context.Background()
	in := seedInstallation(t)
	to := testdb.NewPostgres(t)

	res, err := pgmigrate.Migrate(ctx, in.dir, to, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.Devices) != "[101 202]" {
		t.Errorf("devices copied %v, want [101 202]", res.Devices)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "303.db: no paired device") {
		t.Errorf("notes %q", res.Notes)
	}

	dst, err := sql.Open("pgx", to)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	src, err := sql.Open("sqlite3", "file:"+filepath.Join(in.dir, "bot.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	files := map[int64]*sql.DB{}
	for chat := range in.devices {
		db, err := sql.Open("sqlite3", fmt.Sprintf("file:%s?mode=ro", filepath.Join(in.dir, "whatsapp", fmt.Sprintf("%d.db", chat))))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		files[chat] = db
	}

	// Every table, row by row: bot.db's against the store's tables, the
	// device files' (together) against whatsmeow's.
	counts := map[string]int{}
	for _, c := range res.Tables {
		if c.SQLite != c.Postgres {
			t.Errorf("%s: reported %d = %d", c.Table, c.SQLite, c.Postgres)
		}
		counts[c.Table] = c.Postgres
	}
	tables := pgTables(t, dst)
	for _, table := range tables {
		if table == "schema_migrations" || table == "whatsmeow_version" {
			continue
		}
		if table == "installation_keys" {
			// SQLite keeps the key in data_dir's file: checked below,
			// through the erased account's record.
			if counts[table] != 1 {
				t.Errorf("installation_keys: reported %d rows, want the key file's 1", counts[table])
			}
			continue
		}
		cols := pgColumns(t, dst, table)
		var want []string
		if strings.HasPrefix(table, "whatsmeow_") {
			seen := map[string]bool{}
			for _, db := range files {
				for _, r := range rowsOf(t, db, table, cols) {
					if !seen[r] {
						seen[r] = true
						want = append(want, r)
					}
				}
			}
		} else {
			want = rowsOf(t, src, table, cols)
		}
		got := rowsOf(t, dst, table, cols)
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s differs:\nSQLite:\n%s\nPostgreSQL:\n%s", table, strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
		if counts[table] != len(got) {
			t.Errorf("%s: reported %d rows, has %d", table, counts[table], len(got))
		}
	}
	for _, table := range []string{"resellers", "clients", "payments", "messages", "whatsapp_sessions", "whatsmeow_device", "whatsmeow_sessions", "whatsmeow_lid_map"} {
		if counts[table] == 0 {
			t.Errorf("%s: nothing copied (the seed writes it)", table)
		}
	}
	if counts["whatsmeow_lid_map"] != 1 {
		t.Errorf("the LID both devices know: %d rows", counts["whatsmeow_lid_map"])
	}

	// The bot's store opens it, and each device is found through its
	// chat's record, with the keys of its file. No key directory: the
	// erased chats' key must have moved into the database, so the erased
	// account is still recognised (and only it).
	ps, err := store.OpenPostgres(ctx, to, "", clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	if _, ok, err := ps.Tenant(erasedChat).Account().ErasedBefore(ctx); err != nil || !ok {
		t.Errorf("the erased account's record after the migration: found %v, %v", ok, err)
	}
	if _, ok, err := ps.Tenant(101).Account().ErasedBefore(ctx); err != nil || ok {
		t.Errorf("a live account reads as erased after the migration: %v, %v", ok, err)
	}
	container := sqlstore.NewWithDB(dst, "pgx", nil)
	for chat, jid := range in.devices {
		rec, err := ps.Tenant(chat).WhatsApp().Session(ctx)
		if err != nil || rec.DeviceJID != jid.String() {
			t.Fatalf("chat %d's record in PostgreSQL: %+v, %v", chat, rec, err)
		}
		dev, err := container.GetDevice(ctx, jid)
		if err != nil || dev == nil {
			t.Fatalf("chat %d's device %s in PostgreSQL: %v", chat, jid, err)
		}
		fc := sqlstore.NewWithDB(files[chat], "sqlite3", nil)
		orig, err := fc.GetDevice(ctx, jid)
		if err != nil || orig == nil {
			t.Fatal(err)
		}
		if !sameKeys(orig, dev) {
			t.Errorf("chat %d: the device's keys differ after the migration", chat)
		}
		peer := types.NewJID("5521987650001", types.DefaultUserServer).SignalAddress().String()
		if s, err := dev.Sessions.GetSession(ctx, peer); err != nil || string(s) != "session of "+jid.User {
			t.Errorf("chat %d: signal session %q, %v", chat, s, err)
		}
	}

	// Into a database that is not empty (this one, now): refused, naming
	// what is there, and nothing changes.
	_, err = pgmigrate.Migrate(ctx, in.dir, to, clock.NewFake(t0))
	if !errors.Is(err, pgmigrate.ErrNotEmpty) || !strings.Contains(err.Error(), "clients") {
		t.Fatalf("second migrate: %v", err)
	}
	if n := count(t, dst, "resellers"); n != 3 {
		t.Fatalf("resellers after the refused migrate: %d", n)
	}
}

func sameKeys(a, b *wastore.Device) bool {
	return *a.NoiseKey.Priv == *b.NoiseKey.Priv && *a.IdentityKey.Priv == *b.IdentityKey.Priv &&
		*a.SignedPreKey.Priv == *b.SignedPreKey.Priv && a.RegistrationID == b.RegistrationID &&
		bytes.Equal(a.AdvSecretKey, b.AdvSecretKey) && a.PushName == b.PushName && a.ID.String() == b.ID.String()
}

// The bot must be stopped: a running one (a store open on bot.db) makes
// migrate refuse, before touching PostgreSQL.
func TestMigrateRefusesWhileTheBotRuns(t *testing.T) {
	testdb.PostgresOnly(t)
	ctx := context.Background()
	in := seedInstallation(t)
	st, err := store.Open(ctx, filepath.Join(in.dir, "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	to := testdb.NewPostgres(t)
	if _, err := pgmigrate.Migrate(ctx, in.dir, to, clock.NewFake(t0)); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("migrate with the bot running: %v", err)
	}
	dst := openPG(t, to)
	if tables := pgTables(t, dst); len(tables) != 0 {
		t.Fatalf("PostgreSQL touched: %v", tables)
	}
}

// A failure midway (here a table of bot.db that PostgreSQL's schema does
// not have) leaves the target empty again, not half migrated.
func TestMigrateFailureLeavesTheTargetEmpty(t *testing.T) {
	testdb.PostgresOnly(t)
	ctx := context.Background()
	in := seedInstallation(t)
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(in.dir, "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE stray (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	to := testdb.NewPostgres(t)
	_, err = pgmigrate.Migrate(ctx, in.dir, to, clock.NewFake(t0))
	if err == nil || !strings.Contains(err.Error(), "stray") || !strings.Contains(err.Error(), "nothing was kept") {
		t.Fatalf("migrate with a stray table: %v", err)
	}
	if tables := pgTables(t, openPG(t, to)); len(tables) != 0 {
		t.Fatalf("left in PostgreSQL after the failure: %v", tables)
	}
}

func openPG(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func pgTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func pgColumns(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT column_name::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, `"`+s+`"`)
	}
	return out
}

// rowsOf reads table's cols as sorted lines of comparable text: bytes and
// strings alike, booleans as 0/1 (whatsmeow's are booleans in PostgreSQL
// only).
func rowsOf(t *testing.T, db *sql.DB, table string, cols []string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT ` + strings.Join(cols, ", ") + ` FROM "` + table + `"`)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				parts[i] = fmt.Sprintf("%q", x)
			case string:
				parts[i] = fmt.Sprintf("%q", x)
			case bool:
				parts[i] = map[bool]string{true: "1", false: "0"}[x]
			case nil:
				parts[i] = "NULL"
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func count(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The command: -to is required and must be a PostgreSQL URL; on success
// it prints each table's counts and never the password.
func TestCommand(t *testing.T) {
	for _, args := range [][]string{{}, {"-to", "mysql://x"}, {"-to", "postgres://x", "extra"}} {
		var out bytes.Buffer
		if code := pgmigrate.Command(context.Background(), args, subcmd.Env{Getenv: os.Getenv, Stderr: &out, Clock: clock.NewFake(t0)}); code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s", args, code, out.String())
		}
	}
	testdb.PostgresOnly(t)
	in := seedInstallation(t)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+in.dir+"\ntelegram:\n  admins: [9]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	to := testdb.NewPostgres(t)
	var out bytes.Buffer
	code := pgmigrate.Command(context.Background(), []string{"-config", cfg, "-to", to}, subcmd.Env{Getenv: func(string) string { return "" }, Stderr: &out, Clock: clock.NewFake(t0)})
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	pw := ""
	if i := strings.Index(to, "@"); i > 0 {
		pw = to[strings.LastIndex(to[:i], ":")+1 : i]
	}
	for _, want := range []string{"2 WhatsApp devices", "resellers", "3 = 3", "whatsmeow_device", "303.db: no paired device"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if pw != "" && strings.Contains(out.String(), pw) {
		t.Errorf("the password is printed:\n%s", out.String())
	}
}

// A message a client sent with bytes SQLite keeps and PostgreSQL's text
// cannot hold (a NUL, invalid UTF-8: WhatsApp's strings are not checked)
// does not make the migration of the whole installation fail: it is
// copied as the PostgreSQL store records such a message (store.PostgresText).
func TestMigrateCopiesTextPostgreSQLCannotHold(t *testing.T) {
	testdb.PostgresOnly(t)
	ctx := context.Background()
	in := seedInstallation(t)
	st, err := store.Open(ctx, filepath.Join(in.dir, "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	body := "paguei\x00 o \xc3 pix"
	if _, _, err := st.Tenant(101).Inbox().Record(ctx, store.NewInbound{WAID: "3EB0NUL", Phone: "5511987650101",
		SenderName: "Ma\x00ri", Kind: "text", Body: body}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	to := testdb.NewPostgres(t)
	if _, err := pgmigrate.Migrate(ctx, in.dir, to, clock.NewFake(t0)); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", to)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.QueryRowContext(ctx, `SELECT body FROM inbound_messages WHERE reseller_id = 101 AND wa_id = '3EB0NUL'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != store.PostgresText(body) {
		t.Fatalf("body copied as %q, want %q", got, store.PostgresText(body))
	}
}
