package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/store"
	"renovabot/store/storetest"
)

var t0 = time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)

// liveDevice is a device store as a running session leaves it: WAL mode,
// its connection open, and its last write only in the WAL (no checkpoint),
// so a copy of the .db file alone would miss it.
func liveDevice(t *testing.T, path, jid string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA wal_autocheckpoint = 0`, `CREATE TABLE device (jid TEXT)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO device VALUES (?)`, jid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

func deviceJID(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var jid string
	if err := db.QueryRow(`SELECT jid FROM device`).Scan(&jid); err != nil {
		return "<" + err.Error() + ">"
	}
	return jid
}

// installation is a data_dir in use: two resellers, each with a row in
// every table, A's device store live, B linked with the dry-run driver.
func installation(t *testing.T) (dir string, st *store.Store) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	st, err := store.Open(context.Background(), filepath.Join(dir, "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.Seed(t, st, t0, 1, "ALFA", 900)
	storetest.Seed(t, st, t0, 2, "BRAVO", 900)
	if err := os.MkdirAll(filepath.Join(dir, "whatsapp"), 0o700); err != nil {
		t.Fatal(err)
	}
	liveDevice(t, filepath.Join(dir, "whatsapp", "1.db"), "5511900000001:3@s.whatsapp.net")
	if err := os.WriteFile(filepath.Join(dir, "whatsapp", "2.dryrun"), []byte("5511900000002:1@s.whatsapp.net\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Not state: the dry-run log stays out of backups.
	if err := os.WriteFile(filepath.Join(dir, "dryrun-sent.jsonl"), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, st
}

// dump is every row of every table of a database, as text.
func dump(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
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
		r, err := db.Query(`SELECT * FROM "` + tb + `" ORDER BY 1, 2`)
		if err != nil {
			r, err = db.Query(`SELECT * FROM "` + tb + `" ORDER BY 1`)
		}
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[tb] = append(out[tb], fmt.Sprint(vals...))
		}
		r.Close()
	}
	return out
}

// entries lists an archive's entries with their modes, in order.
func entries(t *testing.T, path string) (names []string, modes []int64, manifest Manifest) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names, modes = append(names, h.Name), append(modes, h.Mode)
		if h.Name == manifestName {
			if err := json.NewDecoder(tr).Decode(&manifest); err != nil {
				t.Fatal(err)
			}
		}
	}
	return names, modes, manifest
}

// Issue 16: a backup of a data_dir in use holds a consistent copy of
// bot.db and of each device store (what its WAL holds included), the key
// and the dry-run markers, every file 0600 in a 0600 archive, with a
// manifest; restored into an empty data_dir, every table of every
// database has the same rows and the other files the same bytes.
func TestBackupAndRestoreAll(t *testing.T) {
	ctx := context.Background()
	dir, _ := installation(t)
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	res, err := Create(ctx, dir, out, t0)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != res.Size {
		t.Fatalf("archive: %v %v", fi.Mode(), err)
	}
	names, modes, m := entries(t, out)
	want := []string{manifestName, "bot.db", store.KeyFile, "whatsapp/1.db", "whatsapp/2.dryrun"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("entries = %v, want %v", names, want)
	}
	for i, mode := range modes {
		if mode != 0o600 {
			t.Errorf("%s mode %o", names[i], mode)
		}
	}
	if m.Format != Format || m.Program != "renovabot" || m.SchemaVersion != store.KnownSchemaVersion() || !m.CreatedAt.Equal(t0) ||
		m.Files[0].Rows["resellers"] != 2 || m.Files[2].Rows["device"] != 1 || len(m.Files[0].SHA256) != 64 {
		t.Fatalf("manifest = %+v", m)
	}
	// A raw copy of the device file alone would have lost the device.
	raw := filepath.Join(t.TempDir(), "raw.db")
	b, _ := os.ReadFile(filepath.Join(dir, "whatsapp", "1.db"))
	os.WriteFile(raw, b, 0o600)
	if got := deviceJID(t, raw); got == "5511900000001:3@s.whatsapp.net" {
		t.Fatal("the test's device write reached the .db file: it proves nothing about the WAL")
	}

	restored := filepath.Join(t.TempDir(), "new", "data")
	if _, err := Restore(ctx, restored, out); err != nil {
		t.Fatal(err)
	}
	if got, want := dump(t, filepath.Join(restored, "bot.db")), dump(t, filepath.Join(dir, "bot.db")); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored bot.db differs:\n got %v\nwant %v", got, want)
	}
	if got := deviceJID(t, filepath.Join(restored, "whatsapp", "1.db")); got != "5511900000001:3@s.whatsapp.net" {
		t.Fatalf("restored device = %q", got)
	}
	for _, p := range []string{store.KeyFile, "whatsapp/2.dryrun"} {
		a, _ := os.ReadFile(filepath.Join(dir, p))
		b, err := os.ReadFile(filepath.Join(restored, p))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs after restore (%v)", p, err)
		}
	}
	for _, p := range []string{"bot.db", store.KeyFile, "whatsapp/1.db", "whatsapp/2.dryrun"} {
		if fi, err := os.Stat(filepath.Join(restored, p)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, fi.Mode(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(restored, "dryrun-sent.jsonl")); err == nil {
		t.Error("the dry-run log was restored")
	}
	// The restored data_dir opens as the bot opens it.
	st, err := store.Open(ctx, filepath.Join(restored, "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if r, err := st.Tenant(2).Account().Get(ctx); err != nil || r.Name != "Revenda BRAVO" {
		t.Fatalf("restored reseller: %+v %v", r, err)
	}
	// A backup never replaces a file.
	if _, err := Create(ctx, dir, out, t0); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second backup to the same file: %v", err)
	}
}

func TestRestoreRefusesANonEmptyDataDir(t *testing.T) {
	ctx := context.Background()
	dir, _ := installation(t)
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := Create(ctx, dir, out, t0); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	os.WriteFile(filepath.Join(target, "notes.txt"), []byte("mine"), 0o600)
	_, err := Restore(ctx, target, out)
	if err == nil || !strings.Contains(err.Error(), "data_dir "+target+" is not empty (notes.txt") {
		t.Fatalf("restore into a non-empty dir: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(target, "notes.txt")); string(b) != "mine" {
		t.Fatal("the directory was touched")
	}
}

// rewrite copies an archive, changing each entry's bytes (and the
// manifest) with edit, as a damaged or altered archive would be.
func rewrite(t *testing.T, from, to string, edit func(name string, data []byte) []byte) {
	t.Helper()
	raw, _ := os.ReadFile(from)
	zr, _ := gzip.NewReader(bytes.NewReader(raw))
	tr := tar.NewReader(zr)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		data, _ := io.ReadAll(tr)
		data = edit(h.Name, data)
		h.Size = int64(len(data))
		tw.WriteHeader(h)
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	os.WriteFile(to, buf.Bytes(), 0o600)
}

func TestRestoreVerifiesTheArchive(t *testing.T) {
	ctx := context.Background()
	dir, _ := installation(t)
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := Create(ctx, dir, out, t0); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit func(string, []byte) []byte
		want string
	}{
		"altered key": {func(n string, d []byte) []byte {
			if n == store.KeyFile {
				d = bytes.Replace(d, d[:2], []byte("00"), 1)
			}
			return d
		}, "erased-chats.key does not match its checksum"},
		"newer schema": {func(n string, d []byte) []byte {
			if n == manifestName {
				var m Manifest
				json.Unmarshal(d, &m)
				m.SchemaVersion = 9999
				d, _ = json.Marshal(m)
			}
			return d
		}, "schema 9999, newer than this program knows"},
		"unknown file": {func(n string, d []byte) []byte {
			if n == manifestName {
				var m Manifest
				json.Unmarshal(d, &m)
				m.Files[1].Path = "../etc/passwd"
				d, _ = json.Marshal(m)
			}
			return d
		}, `the manifest lists "../etc/passwd"`},
	} {
		t.Run(name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.tar.gz")
			rewrite(t, out, bad, tc.edit)
			target := filepath.Join(t.TempDir(), "data")
			_, err := Restore(ctx, target, bad)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if left, _ := os.ReadDir(target); len(left) != 0 {
				t.Fatalf("a failed restore left %v", left)
			}
		})
	}
	if _, err := Restore(ctx, t.TempDir(), filepath.Join(dir, "bot.db")); err == nil || !strings.Contains(err.Error(), "not a renovabot backup") {
		t.Fatalf("restore of a non-archive: %v", err)
	}
}
