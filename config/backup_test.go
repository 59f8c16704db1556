package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBackupKeys(t *testing.T) {
	cfg, err := Parse([]byte("telegram:\n  token: \"1:abc\"\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Backup != (Backup{Every: Duration(24 * time.Hour), Keep: 7}) {
		t.Fatalf("backup defaults = %+v (off, every 24h, keep 7)", cfg.Backup)
	}
	cfg, err = Parse([]byte("telegram:\n  token: \"1:abc\"\nbackup:\n  dir: \" /srv/bk \"\n  every: 6h\n  keep: 3\n"), env(nil))
	if err != nil || cfg.Backup != (Backup{Dir: "/srv/bk", Every: Duration(6 * time.Hour), Keep: 3}) {
		t.Fatalf("backup = %+v, %v", cfg.Backup, err)
	}
	for yaml, want := range map[string]string{
		"backup:\n  every: 5m\n":                      "config: backup.every: must be between 10m and 720h",
		"backup:\n  every: soon\n":                    `"soon" is not a duration`,
		"backup:\n  keep: 0\n":                        "config: backup.keep: must be between 1 and 1000",
		"data_dir: /srv/d\nbackup:\n  dir: /srv/d/\n": "config: backup.dir: must not be data_dir itself (/srv/d)",
		"backup:\n  kept: 3\n":                        "config: backup.kept: unknown key",
	} {
		_, err := Parse([]byte("telegram:\n  token: \"1:abc\"\n"+yaml), env(nil))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", yaml, err, want)
		}
	}
}

// Scheduled backups archive data_dir's SQLite files: with database.url
// there are none to archive, and the key says so, from the file or from
// DATABASE_URL.
func TestBackupDirRefusedWithDatabaseURL(t *testing.T) {
	const want = "config: backup.dir: must be empty with database.url: the data is on the PostgreSQL server; back it up with the server's own means (pg_dump, replicas)"
	for name, tc := range map[string]struct {
		yaml string
		env  map[string]string
	}{
		"file": {"database:\n  url: postgres://u:secret@db:5432/r\nbackup:\n  dir: /srv/bk\n", nil},
		"env":  {"backup:\n  dir: /srv/bk\n", map[string]string{EnvDatabaseURL: "postgres://u:secret@db:5432/r"}},
	} {
		_, err := Parse([]byte("telegram:\n  token: \"1:abc\"\n"+tc.yaml), env(tc.env))
		if err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %q", name, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
	// Each alone is fine.
	for _, yaml := range []string{"database:\n  url: postgres://u:secret@db:5432/r\n", "backup:\n  dir: /srv/bk\n"} {
		if _, err := Parse([]byte("telegram:\n  token: \"1:abc\"\n"+yaml), env(nil)); err != nil {
			t.Errorf("%q: %v", yaml, err)
		}
	}
}

// The tools (backup, restore) need no token: a configuration whose token
// comes from an environment they do not have still loads for them.
func TestLoadForToolWithoutToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("data_dir: /srv/d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, env(nil)); err == nil || !strings.Contains(err.Error(), "telegram.token: missing") {
		t.Fatalf("Load without token: %v", err)
	}
	cfg, err := LoadForTool(path, env(nil))
	if err != nil || cfg.DataDir != "/srv/d" {
		t.Fatalf("LoadForTool = %+v, %v", cfg, err)
	}
	if _, err := LoadForTool(path+".none", env(nil)); err == nil {
		t.Fatal("a missing file loaded")
	}
}
