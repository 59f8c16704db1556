package store

import (
	"context"
	"database/sql"
	"errors"
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
func (s *Store) ownedTables(ctx context.Context, q queryer) ([]ownedTable, error) {
	rows, err := q.QueryContext(ctx, s.d.ownedTablesQuery())
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

// quoteIdent quotes a schema name for SQL (names come from the schema).
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// eraseTx deletes every row of chatID, keeping only the record of
// erased.go. Deleting the reseller row first lets the foreign keys cascade
// in an order SQLite validates (clients before the plans they reference);
// the sweep then catches any table without a cascading key. Earlier audit
// rows about them keep the action but lose the id, name and detail (what
// access they were given); rows by them, for an admin, lose the id.
func (s *Store) eraseTx(ctx context.Context, tx *sql.Tx, chatID int64) error {
	if err := s.keepErasedTx(ctx, tx, chatID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE admin_audit SET target_chat_id = NULL, target_name = '', detail = '' WHERE target_chat_id = ?`, chatID); err != nil {
		return fmt.Errorf("store: erase audit target: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE admin_audit SET admin_chat_id = NULL WHERE admin_chat_id = ?`, chatID); err != nil {
		return fmt.Errorf("store: erase audit admin: %w", err)
	}
	tables, err := s.ownedTables(ctx, tx)
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

// Erase deletes every row of the tenant in every table, atomically (LGPD),
// and leaves none of their bytes in the database files (see
// truncateWAL). The WhatsApp device file is the whatsapp package's
// (Manager.Erase). The caller holds the tenant's LockForErasure.
func (a Accounts) Erase(ctx context.Context) error {
	s := a.t.s
	if err := s.tx(ctx, func(tx *sql.Tx) error { return s.eraseTx(ctx, tx, a.t.chatID) }); err != nil {
		return err
	}
	return s.truncateWAL(ctx)
}

// ErrResidue means the rows were erased but the WAL could not be emptied
// (a reader held an old snapshot past the busy timeout): earlier versions
// of the erased pages stay in bot.db-wal until the next checkpoint.
var ErrResidue = errors.New("store: erased, but the WAL still holds earlier pages")

// truncateWAL removes what an erasure left of the erased rows outside the
// live tables: on SQLite, the pages as they were before it, in the WAL
// (see the dialects' afterErase).
func (s *Store) truncateWAL(ctx context.Context) error { return s.d.afterErase(ctx, s.write) }

// Export is everything the database holds about one reseller.
type Export struct {
	About       string                      `json:"sobre"`
	GeneratedAt time.Time                   `json:"gerado_em"`
	ChatID      int64                       `json:"chat_id"`
	Tables      map[string][]map[string]any `json:"dados"`
	// AdminActions are the operator's actions about this reseller (the
	// acting admin's id is the operator's, not theirs, and is left out).
	AdminActions []map[string]any `json:"acoes_do_administrador"`
	// ErasedBefore is what was kept of an earlier, erased account of this
	// chat (erased.go), if any: its state and day, never the hash or key.
	ErasedBefore *ErasedExport `json:"conta_apagada_antes,omitempty"`
}

// ErasedExport is ErasedChat in the export's words.
type ErasedExport struct {
	State    string `json:"situacao"` // "teste usado" or "bloqueada"
	ErasedOn string `json:"apagada_em"`
}

const exportAbout = "Todos os dados que o RenovaBot guarda sobre você (LGPD, art. 18). Cada chave de \"dados\" é uma tabela; " +
	"datas e horas em UTC (ISO 8601). As chaves de criptografia do WhatsApp do aparelho conectado não são exportadas."

// Export returns every row of the tenant in every table, in one read
// transaction so the document is consistent. Times (columns ending in _at,
// _until or _since) are written as ISO 8601 instants.
func (t Tenant) Export(ctx context.Context) (Export, error) {
	out := Export{About: exportAbout, GeneratedAt: t.s.now(), ChatID: t.chatID, Tables: map[string][]map[string]any{}}
	// A read-only transaction on one reader connection: a consistent
	// snapshot without the write lock that SQLite's pool's BEGIN IMMEDIATE
	// (_txlock) would take.
	tx, err := t.s.read.Conn(ctx)
	if err != nil {
		return Export{}, fmt.Errorf("store: export: %w", err)
	}
	defer tx.Close()
	if _, err := tx.ExecContext(ctx, t.s.d.beginSnapshot()); err != nil {
		return Export{}, fmt.Errorf("store: export: %w", err)
	}
	defer tx.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`) //nolint:errcheck // read only: nothing to keep
	tables, err := t.s.ownedTables(ctx, tx)
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
	if e, ok, err := t.Account().ErasedBefore(ctx); err != nil {
		return Export{}, err
	} else if ok {
		out.ErasedBefore = &ErasedExport{State: "teste usado", ErasedOn: e.On.ISO()}
		if e.Blocked {
			out.ErasedBefore.State = "bloqueada"
		}
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
