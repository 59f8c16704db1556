package pgmigrate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"renovabot/config"
	"renovabot/internal/subcmd"
	"renovabot/store"
)

// Command runs `renovabot migrate -config config.yaml -to postgres://...`
// and returns the exit status.
func Command(ctx context.Context, args []string, env subcmd.Env) int {
	fs := flag.NewFlagSet("renovabot migrate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfgPath := fs.String("config", "config.yaml", "path to the YAML configuration (its data_dir is the SQLite installation to copy)")
	to := fs.String("to", "", "the empty PostgreSQL database to copy it into (postgres://user:password@host:5432/db)")
	if err := fs.Parse(args); err != nil {
		return subcmd.ExitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "renovabot migrate: unexpected argument %q\n", fs.Arg(0))
		return subcmd.ExitConfig
	}
	if !strings.HasPrefix(*to, "postgres://") && !strings.HasPrefix(*to, "postgresql://") {
		fmt.Fprintln(env.Stderr, "renovabot migrate: -to postgres://... (the empty PostgreSQL database to copy into) is required")
		return subcmd.ExitConfig
	}
	cfg, err := config.LoadForTool(*cfgPath, env.Getenv)
	if err != nil {
		fmt.Fprintf(env.Stderr, "renovabot: %v\n", err)
		return subcmd.ExitConfig
	}
	res, err := Migrate(ctx, cfg.DataDir, *to, env.Clock)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(env.Stderr, "renovabot: interrupted (nothing was kept in PostgreSQL)")
		} else {
			fmt.Fprintf(env.Stderr, "renovabot: %v\n", store.RedactPassword(err, *to))
		}
		return subcmd.ExitFail
	}
	fmt.Fprintf(env.Stderr, "migrated %s into %s: %d WhatsApp devices; rows per table (SQLite = PostgreSQL):\n", cfg.DataDir, config.Database{URL: *to}.Redacted(), len(res.Devices))
	for _, t := range res.Tables {
		fmt.Fprintf(env.Stderr, "  %-36s %8d = %d\n", t.Table, t.SQLite, t.Postgres)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(env.Stderr, "note: %s\n", n)
	}
	fmt.Fprintln(env.Stderr, "set database.url (or DATABASE_URL) to this database and start renovabot; data_dir keeps erased-chats.key, which it still needs")
	return subcmd.ExitOK
}
