package backup

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"

	"renovabot/config"
	"renovabot/internal/subcmd"
)

// Command runs `renovabot backup ...` or `renovabot restore ...` (name)
// with its arguments and returns the exit status.
func Command(ctx context.Context, name string, args []string, env subcmd.Env) int {
	fs := flag.NewFlagSet("renovabot "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfgPath := fs.String("config", "config.yaml", "path to the YAML configuration (its data_dir is used)")
	var out, from *string
	var chat *int64
	switch name {
	case "backup":
		out = fs.String("out", "", "archive to write (FILE.tar.gz; must not exist)")
	case "restore":
		from = fs.String("from", "", "archive to restore (FILE.tar.gz)")
		chat = fs.Int64("chat", 0, "restore only this reseller (chat id) into a data_dir in use, with the bot stopped")
	default:
		fmt.Fprintf(env.Stderr, "renovabot: unknown command %q\n", name)
		return subcmd.ExitConfig
	}
	if err := fs.Parse(args); err != nil {
		return subcmd.ExitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "renovabot %s: unexpected argument %q\n", name, fs.Arg(0))
		return subcmd.ExitConfig
	}
	cfg, err := config.LoadForTool(*cfgPath, env.Getenv)
	if err != nil {
		fmt.Fprintf(env.Stderr, "renovabot: %v\n", err)
		return subcmd.ExitConfig
	}
	if cfg.Database.URL != "" {
		// An archive is data_dir's SQLite files; with database.url the
		// tables are on the server, whose own backups see them whole.
		fmt.Fprintf(env.Stderr, "renovabot %s: database.url is set: the data is on the PostgreSQL server; "+
			"use the server's own backups (pg_dump / pg_restore, replicas)\n", name)
		return subcmd.ExitConfig
	}
	switch {
	case out != nil && *out == "":
		fmt.Fprintln(env.Stderr, "renovabot backup: -out FILE.tar.gz is required")
		return subcmd.ExitConfig
	case from != nil && *from == "":
		fmt.Fprintln(env.Stderr, "renovabot restore: -from FILE.tar.gz is required")
		return subcmd.ExitConfig
	}
	switch {
	case out != nil:
		res, err := Create(ctx, cfg.DataDir, *out, env.Clock.Now())
		if err != nil {
			return fail(env, err)
		}
		fmt.Fprintf(env.Stderr, "backup written: %s (%d bytes; %s)\n", res.Path, res.Size, describe(res.Manifest))
	case *chat != 0:
		res, err := RestoreChat(ctx, cfg.DataDir, *from, *chat, env.Clock)
		if err != nil {
			return fail(env, err)
		}
		var parts []string
		for t, n := range res.Rows {
			parts = append(parts, fmt.Sprintf("%s %d", t, n))
		}
		sort.Strings(parts)
		fmt.Fprintf(env.Stderr, "reseller %d restored into %s from the backup of %s: %s; WhatsApp device: %s\n", *chat, cfg.DataDir,
			res.Manifest.CreatedAt.Format("2006-01-02 15:04:05 MST"), strings.Join(parts, ", "), orNone(res.Devices))
	default:
		m, err := Restore(ctx, cfg.DataDir, *from)
		if err != nil {
			return fail(env, err)
		}
		fmt.Fprintf(env.Stderr, "restored into %s the backup of %s (%s); start renovabot with this configuration\n", cfg.DataDir,
			m.CreatedAt.Format("2006-01-02 15:04:05 MST"), describe(m))
	}
	return subcmd.ExitOK
}

func fail(env subcmd.Env, err error) int {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(env.Stderr, "renovabot: interrupted")
	} else {
		fmt.Fprintf(env.Stderr, "renovabot: %v\n", err)
	}
	return subcmd.ExitFail
}

// describe sums up a manifest: its resellers, devices and schema.
func describe(m Manifest) string {
	devices := 0
	resellers := 0
	for _, f := range m.Files {
		if f.Path == dbName {
			resellers = f.Rows["resellers"]
		} else if strings.HasPrefix(f.Path, "whatsapp/") {
			devices++
		}
	}
	return fmt.Sprintf("%d resellers, %d WhatsApp devices, schema %d", resellers, devices, m.SchemaVersion)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none (not linked at the time of the backup)"
	}
	return strings.Join(list, ", ")
}
