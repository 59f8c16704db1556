// Package backup copies data_dir while the bot runs, and puts it back:
// `renovabot backup`, `renovabot restore` (all of it into an empty
// data_dir, or one reseller into an installation whose bot is stopped),
// and the scheduled backups of backup.dir.
//
// An archive is a gzip'd tar of regular files, each 0600: manifest.json
// first, then bot.db, erased-chats.key and each linked WhatsApp's device
// (whatsapp/<chat_id>.db, or the dry-run driver's whatsapp/<chat_id>.dryrun).
// The SQLite files are copied with VACUUM INTO: one read transaction, so a
// consistent copy of a database in WAL mode that the bot keeps writing,
// never a raw copy of a file whose recent pages may still sit in its WAL.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver

	"renovabot/store"
)

// Format is the archive layout's version, written in the manifest.
const Format = 1

const (
	manifestName = "manifest.json"
	dbName       = "bot.db"
	// maxManifest bounds the manifest read from an archive.
	maxManifest = 16 << 20
)

// Manifest describes an archive: what made it, when, and every file with
// its size, SHA-256 and, for SQLite files, the rows of each table.
type Manifest struct {
	Format        int       `json:"format"`
	Program       string    `json:"program"`
	Version       string    `json:"version"`        // the build that made it
	SchemaVersion int       `json:"schema_version"` // bot.db's newest migration
	CreatedAt     time.Time `json:"created_at"`
	Files         []File    `json:"files"`
}

// File is one file of an archive, its path relative to data_dir.
type File struct {
	Path   string         `json:"path"`
	Size   int64          `json:"size"`
	SHA256 string         `json:"sha256"`
	SQLite bool           `json:"sqlite,omitempty"`
	Rows   map[string]int `json:"rows,omitempty"`
}

// What of data_dir a backup holds. The dry-run driver's send log and inbox
// are not state (the inbox is read from its end at start) and stay out.
var (
	devicePath = regexp.MustCompile(`^whatsapp/[1-9][0-9]{0,18}\.db$`)
	dryRunPath = regexp.MustCompile(`^whatsapp/[1-9][0-9]{0,18}\.dryrun$`)
)

// knownPath reports whether p may be in an archive, and whether it is a
// SQLite database.
func knownPath(p string) (ok, sqlite bool) {
	switch {
	case p == dbName:
		return true, true
	case p == store.KeyFile:
		return true, false
	case devicePath.MatchString(p):
		return true, true
	case dryRunPath.MatchString(p):
		return true, false
	}
	return false, false
}

// Result is a written archive.
type Result struct {
	Manifest Manifest
	Path     string
	Size     int64 // bytes of the archive
}

// Create writes a backup of dataDir to out (which must not exist),
// through a temporary file next to it: a failure leaves nothing at out.
func Create(ctx context.Context, dataDir, out string, now time.Time) (Result, error) {
	if _, err := os.Lstat(out); err == nil {
		return Result{}, fmt.Errorf("backup: %s already exists", out)
	}
	if _, err := os.Stat(filepath.Join(dataDir, dbName)); err != nil {
		return Result{}, fmt.Errorf("backup: no database in data_dir: %w", err)
	}
	stage, err := os.MkdirTemp(filepath.Dir(out), ".renovabot-backup-*") // 0700
	if err != nil {
		return Result{}, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(stage)

	m := Manifest{Format: Format, Program: "renovabot", Version: buildVersion(), CreatedAt: now.UTC().Truncate(time.Second)}
	paths, err := sources(dataDir)
	if err != nil {
		return Result{}, err
	}
	staged := map[string]string{}
	for i, p := range paths {
		f := File{Path: p}
		_, f.SQLite = knownPath(p)
		dst := filepath.Join(stage, fmt.Sprintf("%d", i))
		src := filepath.Join(dataDir, filepath.FromSlash(p))
		if f.SQLite {
			err = vacuumInto(ctx, src, dst)
		} else {
			err = copyFile(src, dst)
		}
		if errors.Is(err, fs.ErrNotExist) && p != dbName {
			continue // unlinked meanwhile
		}
		if err != nil {
			return Result{}, fmt.Errorf("backup: %s: %w", p, err)
		}
		if f.SQLite {
			if f.Rows, err = tableRows(ctx, dst, true); err != nil {
				return Result{}, fmt.Errorf("backup: %s: %w", p, err)
			}
		}
		if f.Size, f.SHA256, err = digest(dst); err != nil {
			return Result{}, fmt.Errorf("backup: %s: %w", p, err)
		}
		if p == dbName {
			if m.SchemaVersion, err = schemaVersion(ctx, dst); err != nil {
				return Result{}, fmt.Errorf("backup: %s: %w", p, err)
			}
		}
		staged[p] = dst
		m.Files = append(m.Files, f)
	}
	size, err := writeArchive(out, m, staged, now)
	if err != nil {
		return Result{}, err
	}
	return Result{Manifest: m, Path: out, Size: size}, nil
}

// sources lists the files of dataDir a backup holds, bot.db first.
func sources(dataDir string) ([]string, error) {
	out := []string{dbName}
	if _, err := os.Stat(filepath.Join(dataDir, store.KeyFile)); err == nil {
		out = append(out, store.KeyFile)
	}
	entries, err := os.ReadDir(filepath.Join(dataDir, "whatsapp"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var devices []string
	for _, e := range entries {
		p := "whatsapp/" + e.Name()
		if ok, _ := knownPath(p); ok && e.Type().IsRegular() {
			devices = append(devices, p)
		}
	}
	sort.Strings(devices)
	return append(out, devices...), nil
}

// vacuumInto copies the SQLite database src into dst (created 0600) as of
// one moment: VACUUM INTO reads it in a single transaction, whatever is in
// its WAL and whoever writes meanwhile. src must exist (mode=rw never
// creates it).
func vacuumInto(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	db, err := sql.Open("sqlite3", "file:"+src+"?mode=rw&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := store.PrivateFile(dst); err != nil { // VACUUM INTO fills an empty file
		return err
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func digest(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return n, hex.EncodeToString(h.Sum(nil)), err
}

// tableRows counts the rows of every table of the database at path (read
// only), after a quick check of its structure when check is set.
func tableRows(ctx context.Context, path string, check bool) (map[string]int, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if check {
		if err := integrity(ctx, db, "quick_check"); err != nil {
			return nil, err
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(names))
	for _, n := range names {
		var c int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+n+`"`).Scan(&c); err != nil {
			return nil, err
		}
		out[n] = c
	}
	return out, nil
}

// integrity runs PRAGMA quick_check or integrity_check.
func integrity(ctx context.Context, db *sql.DB, pragma string) error {
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA `+pragma).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("the database is damaged (%s: %s)", pragma, res)
	}
	return nil
}

func schemaVersion(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var v int
	err = db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// writeArchive writes the manifest and the staged files to out, 0600,
// through a temporary file that takes out's name only when complete (and
// never replaces a file there).
func writeArchive(out string, m Manifest, staged map[string]string, now time.Time) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".renovabot-backup-*.tmp") // 0600
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	fail := func(err error) (int64, error) {
		tmp.Close()
		return 0, fmt.Errorf("backup: write %s: %w", out, err)
	}
	zw := gzip.NewWriter(tmp)
	tw := tar.NewWriter(zw)
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fail(err)
	}
	mod := now.UTC().Truncate(time.Second)
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(raw)), ModTime: mod, Typeflag: tar.TypeReg}); err != nil {
		return fail(err)
	}
	if _, err := tw.Write(raw); err != nil {
		return fail(err)
	}
	for _, f := range m.Files {
		if err := tw.WriteHeader(&tar.Header{Name: f.Path, Mode: 0o600, Size: f.Size, ModTime: mod, Typeflag: tar.TypeReg}); err != nil {
			return fail(err)
		}
		in, err := os.Open(staged[f.Path])
		if err != nil {
			return fail(err)
		}
		_, err = io.Copy(tw, in)
		in.Close()
		if err != nil {
			return fail(err)
		}
	}
	if err := tw.Close(); err != nil {
		return fail(err)
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	fi, err := tmp.Stat()
	if err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("backup: write %s: %w", out, err)
	}
	if err := os.Link(tmp.Name(), out); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return fi.Size(), nil
}

// buildVersion names the build that made an archive.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return v
}
