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
	"strconv"

	"renovabot/clock"
	"renovabot/store"
)

// readArchive checks the manifest (the first entry), then hands every
// file of the archive to each, in order, and verifies that each was
// listed, whole, with the listed checksum, and that none is missing. each
// must consume r (io.Copy to a file or to io.Discard); what it wrote is the
// caller's to undo when readArchive fails.
func readArchive(path string, each func(f File, r io.Reader) error) (Manifest, error) {
	in, err := os.Open(path)
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %s is not a renovabot backup (gzip: %w)", path, err)
	}
	tr := tar.NewReader(zr)
	h, err := tr.Next()
	if err != nil || h.Name != manifestName || h.Size > maxManifest {
		return Manifest{}, fmt.Errorf("restore: %s is not a renovabot backup (no manifest first)", path)
	}
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(tr, maxManifest)).Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("restore: manifest: %w", err)
	}
	listed := map[string]File{}
	for _, f := range m.Files {
		ok, sqlite := knownPath(f.Path)
		if !ok || sqlite != f.SQLite || f.Size < 0 {
			return m, fmt.Errorf("restore: the manifest lists %q, which is no file of a backup", f.Path)
		}
		if _, dup := listed[f.Path]; dup {
			return m, fmt.Errorf("restore: the manifest lists %q twice", f.Path)
		}
		listed[f.Path] = f
	}
	switch {
	case m.Program != "renovabot" || m.Format != Format:
		return m, fmt.Errorf("restore: %s is not a renovabot backup of format %d (program %q, format %d)", path, Format, m.Program, m.Format)
	case listed[dbName].Path == "":
		return m, errors.New("restore: the archive has no bot.db")
	case m.SchemaVersion > store.KnownSchemaVersion():
		return m, fmt.Errorf("restore: the backup's database is at schema %d, newer than this program knows (%d); use the build that made it (%s) or a newer one",
			m.SchemaVersion, store.KnownSchemaVersion(), m.Version)
	}
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("restore: %s is damaged: %w", path, err)
		}
		f, ok := listed[h.Name]
		if !ok || seen[h.Name] || h.Typeflag != tar.TypeReg {
			return m, fmt.Errorf("restore: %q in the archive is not in its manifest", h.Name)
		}
		seen[h.Name] = true
		sum := sha256.New()
		counted := &countWriter{}
		if err := each(f, io.TeeReader(io.LimitReader(tr, f.Size+1), io.MultiWriter(sum, counted))); err != nil {
			return m, err
		}
		if counted.n != f.Size || hex.EncodeToString(sum.Sum(nil)) != f.SHA256 {
			return m, fmt.Errorf("restore: %s does not match its checksum in the manifest (damaged or altered archive)", f.Path)
		}
	}
	for p := range listed {
		if !seen[p] {
			return m, fmt.Errorf("restore: %s is in the manifest but not in the archive (truncated?)", p)
		}
	}
	return m, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// writePrivate writes r to path (0600) through a temporary file in the
// same directory, renamed into place once complete.
func writePrivate(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Restore unpacks the archive into dataDir, which must be empty (or not
// exist: it is created 0700), verifies every checksum, the databases'
// integrity and their row counts against the manifest. On any failure
// dataDir is left empty again.
func Restore(ctx context.Context, dataDir, archive string) (m Manifest, err error) {
	entries, err := os.ReadDir(dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return m, fmt.Errorf("restore: %w", err)
		}
	case err != nil:
		return m, fmt.Errorf("restore: %w", err)
	case len(entries) > 0:
		return m, fmt.Errorf("restore: data_dir %s is not empty (%s and %d more): restore everything only into an empty directory, "+
			"or one reseller with -chat", dataDir, entries[0].Name(), len(entries)-1)
	}
	defer func() {
		if err != nil {
			emptyDir(dataDir)
		}
	}()
	m, err = readArchive(archive, func(f File, r io.Reader) error {
		if err := writePrivate(filepath.Join(dataDir, filepath.FromSlash(f.Path)), r); err != nil {
			return fmt.Errorf("restore: %s: %w", f.Path, err)
		}
		return nil
	})
	if err != nil {
		return m, err
	}
	for _, f := range m.Files {
		if f.SQLite {
			if err := verifyDatabase(ctx, filepath.Join(dataDir, filepath.FromSlash(f.Path)), f); err != nil {
				return m, err
			}
		}
	}
	return m, nil
}

// verifyDatabase checks a restored database: whole (integrity_check), with
// the manifest's rows in every table.
func verifyDatabase(ctx context.Context, path string, f File) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	err = integrity(ctx, db, "integrity_check")
	db.Close()
	if err != nil {
		return fmt.Errorf("restore: %s: %w", f.Path, err)
	}
	rows, err := tableRows(ctx, path, false)
	if err != nil {
		return fmt.Errorf("restore: %s: %w", f.Path, err)
	}
	if len(rows) != len(f.Rows) {
		return fmt.Errorf("restore: %s has %d tables, the manifest %d", f.Path, len(rows), len(f.Rows))
	}
	for t, n := range f.Rows {
		if rows[t] != n {
			return fmt.Errorf("restore: %s: table %s has %d rows, the manifest %d", f.Path, t, rows[t], n)
		}
	}
	return nil
}

// emptyDir removes what a failed restore put in dir (empty before).
func emptyDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// ChatResult is one reseller restored.
type ChatResult struct {
	Manifest Manifest
	Rows     map[string]int // rows restored per table
	Devices  []string       // device files restored (paths in data_dir)
}

// RestoreChat restores one reseller (chatID) from the archive into the
// installation of dataDir, whose bot must be stopped (store.OpenExclusive):
// every row of theirs and their WhatsApp device file. It refuses when the
// reseller or a device file of theirs exists there, and when the backup
// does not have them. The archive is verified whole first.
func RestoreChat(ctx context.Context, dataDir, archive string, chatID int64, clk clock.Clock) (ChatResult, error) {
	var res ChatResult
	if chatID <= 0 {
		return res, fmt.Errorf("restore: -chat %d is not a reseller's chat id", chatID)
	}
	target := filepath.Join(dataDir, dbName)
	if _, err := os.Stat(target); err != nil {
		return res, fmt.Errorf("restore: no %s in data_dir %s (to restore everything into an empty data_dir, leave out -chat): %w", dbName, dataDir, err)
	}
	stage, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dataDir)), ".renovabot-restore-*")
	if err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)
	id := strconv.FormatInt(chatID, 10)
	wanted := map[string]bool{dbName: true, "whatsapp/" + id + ".db": true, "whatsapp/" + id + ".dryrun": true}
	res.Manifest, err = readArchive(archive, func(f File, r io.Reader) error {
		if !wanted[f.Path] {
			_, err := io.Copy(io.Discard, r)
			return err
		}
		return writePrivate(filepath.Join(stage, filepath.FromSlash(f.Path)), r)
	})
	if err != nil {
		return res, err
	}
	for _, f := range res.Manifest.Files {
		if f.Path == dbName {
			if err := verifyDatabase(ctx, filepath.Join(stage, dbName), f); err != nil {
				return res, err
			}
		}
	}
	// The backup's database, brought to this program's schema (a copy).
	src, err := store.Open(ctx, filepath.Join(stage, dbName), clk)
	if err != nil {
		return res, fmt.Errorf("restore: the backup's database: %w", err)
	}
	defer src.Close()
	if _, err := src.Tenant(chatID).Account().Get(ctx); errors.Is(err, store.ErrNotFound) {
		return res, fmt.Errorf("restore: reseller %d is not in this backup", chatID)
	} else if err != nil {
		return res, fmt.Errorf("restore: the backup's database: %w", err)
	}
	dst, err := store.OpenExclusive(ctx, target, clk)
	if errors.Is(err, store.ErrInUse) {
		return res, fmt.Errorf("restore: %s is in use: stop renovabot first (restoring one reseller runs with the bot stopped)", target)
	}
	if err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	defer dst.Close()
	if _, err := dst.Tenant(chatID).Account().Get(ctx); err == nil {
		return res, fmt.Errorf("restore: reseller %d already exists in data_dir %s: nothing restored (erase it first, if the backup's copy is the one to keep)", chatID, dataDir)
	} else if !errors.Is(err, store.ErrNotFound) {
		return res, fmt.Errorf("restore: %w", err)
	}
	var devices []string
	for p := range wanted {
		if p == dbName {
			continue
		}
		if _, err := os.Stat(filepath.Join(stage, filepath.FromSlash(p))); err != nil {
			continue // not linked at the time of the backup
		}
		if _, err := os.Lstat(filepath.Join(dataDir, filepath.FromSlash(p))); err == nil {
			return res, fmt.Errorf("restore: %s already exists in data_dir: nothing restored", p)
		}
		devices = append(devices, p)
	}
	var installed []string
	undo := func() {
		for _, p := range installed {
			_ = os.Remove(p)
		}
	}
	for _, p := range devices {
		in, err := os.Open(filepath.Join(stage, filepath.FromSlash(p)))
		if err != nil {
			undo()
			return res, fmt.Errorf("restore: %w", err)
		}
		path := filepath.Join(dataDir, filepath.FromSlash(p))
		err = writePrivate(path, in)
		in.Close()
		if err != nil {
			undo()
			return res, fmt.Errorf("restore: %s: %w", p, err)
		}
		installed = append(installed, path)
		res.Devices = append(res.Devices, p)
	}
	if res.Rows, err = dst.RestoreReseller(ctx, src, chatID); err != nil {
		undo()
		return res, fmt.Errorf("restore: reseller %d: %w", chatID, err)
	}
	return res, nil
}
