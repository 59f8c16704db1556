package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// A reseller's rows are found the same way for erasure (LGPD: delete all
// my data) and for export (LGPD: give me all my data): every table with a
// chat_id or reseller_id column, read from the schema itself. A table added
// later is therefore covered without anyone remembering to list it here;
// the test that enumerates the schema keeps the convention honest.

// ownerColumns are the column names that hold the owning reseller's chat id.
var ownerColumns = []string{"chat_id", "reseller_id"}

type ownedTable struct{ table, column string }

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ownedTables lists (table, owner column) for every table holding
// per-reseller rows, resellers itself first.
func ownedTables(ctx context.Context, q queryer) ([]ownedTable, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
		  AND p.name IN ('`+strings.Join(ownerColumns, "', '")+`')
		ORDER BY m.name = 'resellers' DESC, m.name, p.name`)
	if err != nil {
		return nil, fmt.Errorf("store: list tables: %w", err)
	}
	defer rows.Close()
	var out []ownedTable
	for rows.Next() {
		var t ownedTable
		if err := rows.Scan(&t.table, &t.column); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// quoteIdent quotes a schema name for SQL (names come from sqlite_master).
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// eraseTx deletes every row of chatID. Deleting the reseller row first lets
// the foreign keys cascade in an order SQLite validates (clients before the
// plans they reference); the sweep then catches any table without a
// cascading key. Earlier audit rows about them (or by them, for an admin)
// keep the action but lose the id and name.
func eraseTx(ctx context.Context, tx *sql.Tx, chatID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE admin_audit SET target_chat_id = NULL, target_name = '' WHERE target_chat_id = ?`, chatID); err != nil {
		return fmt.Errorf("store: erase audit target: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE admin_audit SET admin_chat_id = NULL WHERE admin_chat_id = ?`, chatID); err != nil {
		return fmt.Errorf("store: erase audit admin: %w", err)
	}
	tables, err := ownedTables(ctx, tx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(t.table)+` WHERE `+quoteIdent(t.column)+` = ?`, chatID); err != nil {
			return fmt.Errorf("store: erase %s: %w", t.table, err)
		}
	}
	return nil
}

// Erase deletes every row of the tenant in every table, atomically (LGPD).
// The WhatsApp device file is the whatsapp package's (Manager.Unlink).
func (a Accounts) Erase(ctx context.Context) error {
	return a.t.s.tx(ctx, func(tx *sql.Tx) error { return eraseTx(ctx, tx, a.t.chatID) })
}

// Export is everything the database holds about one reseller.
type Export struct {
	About       string                      `json:"sobre"`
	GeneratedAt time.Time                   `json:"gerado_em"`
	ChatID      int64                       `json:"chat_id"`
	Tables      map[string][]map[string]any `json:"dados"`
	// AdminActions are the operator's actions about this reseller (the
	// acting admin's id is the operator's, not theirs, and is left out).
	AdminActions []map[string]any `json:"acoes_do_administrador"`
}

const exportAbout = "Todos os dados que o RenovaBot guarda sobre você (LGPD, art. 18). Cada chave de \"dados\" é uma tabela; " +
	"datas e horas em UTC (ISO 8601). As chaves de criptografia do WhatsApp ficam só no arquivo do aparelho conectado e não são exportadas."

// Export returns every row of the tenant in every table, in one read
// transaction so the document is consistent. Times (columns ending in _at,
// _until or _since) are written as ISO 8601 instants.
func (t Tenant) Export(ctx context.Context) (Export, error) {
	out := Export{About: exportAbout, GeneratedAt: t.s.now(), ChatID: t.chatID, Tables: map[string][]map[string]any{}}
	// A deferred transaction on one reader connection: a consistent
	// snapshot (WAL) without the write lock that the pool's BEGIN IMMEDIATE
	// (_txlock) would take.
	tx, err := t.s.read.Conn(ctx)
	if err != nil {
		return Export{}, fmt.Errorf("store: export: %w", err)
	}
	defer tx.Close()
	if _, err := tx.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return Export{}, fmt.Errorf("store: export: %w", err)
	}
	defer tx.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`) //nolint:errcheck // read only: nothing to keep
	tables, err := ownedTables(ctx, tx)
	if err != nil {
		return Export{}, err
	}
	for _, tb := range tables {
		rows, err := tx.QueryContext(ctx, `SELECT * FROM `+quoteIdent(tb.table)+` WHERE `+quoteIdent(tb.column)+` = ?`, t.chatID)
		if err != nil {
			return Export{}, fmt.Errorf("store: export %s: %w", tb.table, err)
		}
		list, err := exportRows(rows)
		if err != nil {
			return Export{}, fmt.Errorf("store: export %s: %w", tb.table, err)
		}
		out.Tables[tb.table] = append(out.Tables[tb.table], list...)
	}
	rows, err := tx.QueryContext(ctx, `SELECT at, action, target_name, detail FROM admin_audit WHERE target_chat_id = ? ORDER BY id`, t.chatID)
	if err != nil {
		return Export{}, fmt.Errorf("store: export audit: %w", err)
	}
	if out.AdminActions, err = exportRows(rows); err != nil {
		return Export{}, fmt.Errorf("store: export audit: %w", err)
	}
	return out, nil
}

// exportRows turns rows into JSON-ready maps.
func exportRows(rows *sql.Rows) ([]map[string]any, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			v := vals[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if n, ok := v.(int64); ok && isTimeColumn(c) {
				v = fromUnix(n).Format(time.RFC3339)
			}
			m[c] = v
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func isTimeColumn(name string) bool {
	return name == "at" || strings.HasSuffix(name, "_at") || strings.HasSuffix(name, "_until") || strings.HasSuffix(name, "_since")
}
