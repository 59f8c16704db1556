package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"renovabot/store"
)

// Scheduled backups seen from Telegram: the admins hear of a failure
// (once per row of failures, the backup package decides), and /admin
// shows the last backup.

// BackupFailed tells every admin that a scheduled backup failed. It fails
// only when no admin could be told.
func (b *Bot) BackupFailed(ctx context.Context, at time.Time) error {
	return b.toAdmins(ctx, "backup failed", func(id int64) error {
		text := Textf("⚠️ <b>O backup automático falhou</b> em %s (o motivo está no log).\n\n"+
			"Tento de novo em uma hora. Só aviso uma vez enquanto continuar falhando; o painel 🛠️ Admin mostra o último backup.",
			dateTimeBR(at, b.adminLocation(ctx, id)))
		return b.notice(ctx, id, Message{Text: text})
	})
}

// adminLocation is an admin's time zone (the configured one before they
// first talked to the bot).
func (b *Bot) adminLocation(ctx context.Context, id int64) *time.Location {
	if r, err := b.store.Tenant(id).Account().Get(ctx); err == nil {
		return r.Location()
	}
	return store.LoadLocation(b.cfg.DefaultTimezone)
}

// backupLine is the panel's line about the last scheduled backup.
func (b *Bot) backupLine(r *Request) (string, error) {
	if b.cfg.PostgreSQL {
		// A record there was copied from an SQLite installation: it is
		// about files this installation no longer has.
		return "💾 Backup: pelo servidor PostgreSQL (pg_dump, réplicas); o bot não faz backup com <code>database.url</code>", nil
	}
	rec, ok, err := b.store.BackupRecord(r.Ctx)
	if err != nil {
		return "", err
	}
	loc := r.Reseller.Location()
	switch {
	case !ok && !b.cfg.ScheduledBackups:
		return "💾 Backup automático: desligado (configure <code>backup.dir</code>)", nil
	case !ok:
		return "💾 Backup automático: nenhum feito ainda", nil
	case rec.OK:
		return Textf("💾 Último backup: %s, %s ✅", dateTimeBR(rec.At, loc), sizeBR(rec.Size)), nil
	}
	line := Textf("💾 Último backup: ❌ falhou em %s (o motivo está no log)", dateTimeBR(rec.At, loc))
	if rec.LastOK.IsZero() {
		return line + "; nenhum deu certo ainda", nil
	}
	return line + Textf("; o último que deu certo: %s, %s", dateTimeBR(rec.LastOK, loc), sizeBR(rec.LastOKSize)), nil
}

// sizeBR writes a file size the Brazilian way: "850 KB", "12,3 MB".
func sizeBR(n int64) string {
	const k = 1024
	switch {
	case n < k:
		return fmt.Sprintf("%d bytes", n)
	case n < k*k:
		return fmt.Sprintf("%d KB", (n+k/2)/k)
	}
	v, unit := float64(n)/(k*k), "MB"
	if n >= k*k*k {
		v, unit = float64(n)/(k*k*k), "GB"
	}
	return strings.Replace(fmt.Sprintf("%.1f %s", v, unit), ".", ",", 1)
}
