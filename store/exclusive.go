package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"renovabot/clock"
)

// A Store holds a shared flock(2) on its database file for as long as it
// is open (the bot, a test, the restore's copy of a backup); OpenExclusive
// takes it exclusively. So a restore of one reseller never runs while the
// bot has the database open, and the bot does not start in the middle of
// one. flock locks are apart from the POSIX locks SQLite itself takes on
// the file, and go with the process: a crash leaves no stale lock.

// ErrInUse means another program has the database open: a running bot.
var ErrInUse = errors.New("store: the database is in use (is renovabot running? stop it first)")

// ErrRestoring means a restore holds the database (OpenExclusive).
var ErrRestoring = errors.New("store: the database is being restored (renovabot restore -chat); start when it is over")

// OpenExclusive opens the database for maintenance while the bot is
// stopped (restoring one reseller): migrated like Open, on one connection,
// and no other Store can open the file until Close. It fails with
// ErrInUse when one has it open. Use it only for RestoreReseller, single
// queries such as Tenant(id).Account().Get, and Close: its one connection
// cannot serve the methods that need two at once.
func OpenExclusive(ctx context.Context, path string, clk clock.Clock) (*Store, error) {
	return open(ctx, path, clk, true)
}

func lockFile(path string, exclusive bool) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if exclusive {
				return nil, ErrInUse
			}
			return nil, ErrRestoring
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	return f, nil
}

// KnownSchemaVersion is the newest migration this program has: a backup
// of a newer schema cannot be restored by it.
func KnownSchemaVersion() int {
	all, err := migrations()
	if err != nil || len(all) == 0 {
		return 0
	}
	return all[len(all)-1].version
}
