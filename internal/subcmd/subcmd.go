// Package subcmd is what the program's subcommands (renovabot backup,
// restore, migrate) share with the bot's own run: what they take from the
// process, and the exit statuses they all return.
package subcmd

import (
	"io"

	"renovabot/clock"
)

// Env is what a subcommand takes from the process (tests pass their own).
type Env struct {
	Getenv func(string) string
	Stderr io.Writer
	Clock  clock.Clock
}

// Exit statuses of the program and of every subcommand.
const (
	ExitOK     = 0
	ExitFail   = 1
	ExitConfig = 2 // bad flags or configuration: nothing was done
)
