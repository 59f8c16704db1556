package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The data directory holds every reseller's data and WhatsApp keys: its
// files are for the program's user alone (0600), whatever the directory's
// mode or the umask. SQLite creates a new database file 0644 (less the
// umask) and gives its -wal, -shm and -journal files the mode of the
// database file; so creating the database file 0600 before SQLite opens it
// makes all of them private.

// PrivateFile creates path with mode 0600 if it does not exist, and
// narrows an existing one (left by an older version, or created under
// another umask) to 0600. It never truncates.
func PrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	f.Close()
	return makePrivate(path)
}

// PrepareSQLiteFile makes the SQLite database at path private before it is
// opened: created 0600 when missing, and the database and the -wal, -shm
// and -journal files already there narrowed to 0600.
func PrepareSQLiteFile(path string) error {
	if err := PrivateFile(path); err != nil {
		return err
	}
	for _, p := range []string{path + "-wal", path + "-shm", path + "-journal"} {
		if err := makePrivate(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// makePrivate narrows an existing file to 0600.
func makePrivate(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() == 0o600 {
		return nil
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("store: make %s private: %w", path, err)
	}
	return nil
}
