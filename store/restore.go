package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Restoring one reseller from a backup (renovabot restore -chat) copies
// every row of theirs, found as erasure and export find them (ownedTables:
// every table with a chat_id or reseller_id column), from the backup's
// database into this one. Ids given by this database since the backup (or
// by another installation, for a backup made elsewhere) may collide with
// the backup's: a row whose id is taken gets a new one, and the rows that
// refer to it (by foreign key, or by implicitRefs) follow. Buttons in old
// Telegram messages carrying a changed id then find nothing, as for a
// deleted row.

// ErrResellerExists: the reseller to restore is already in this database.
var ErrResellerExists = errors.New("store: the reseller already exists here")

// implicitRefs are references to another table's id that are not foreign
// keys: table -> column -> referenced table. payments.client_ref outlives
// its client on purpose (0012), so it cannot be one.
var implicitRefs = map[string]map[string]string{
	"payments": {"client_ref": "clients"},
}

// RestoreReseller copies every row of chatID from src (a backup's
// database, opened with Open: same schema as this one) into s, in one
// transaction, and returns the rows copied per table. It refuses with
// ErrResellerExists when chatID has an account here, and ErrNotFound when
// src has none. Open s with OpenExclusive: the bot must not run meanwhile.
func (s *Store) RestoreReseller(ctx context.Context, src *Store, chatID int64) (map[string]int, error) {
	var one int
	switch err := src.read.QueryRowContext(ctx, `SELECT 1 FROM resellers WHERE chat_id = ?`, chatID).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	counts := map[string]int{}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM resellers WHERE chat_id = ?`, chatID).Scan(&one); {
		case err == nil:
			return ErrResellerExists
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: restore: %w", err)
		}
		tables, err := s.restoreOrder(ctx, tx)
		if err != nil {
			return err
		}
		moved := map[string]map[int64]int64{} // table -> old id -> new id
		for _, t := range tables {
			n, err := restoreRows(ctx, tx, src, t, chatID, moved)
			if err != nil {
				return fmt.Errorf("store: restore %s: %w", t.table, err)
			}
			if n > 0 {
				counts[t.table] = n
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// restoreTable is one owned table of restoreOrder.
type restoreTable struct {
	ownedTable
	cols []string
	// idCol is the table's own INTEGER PRIMARY KEY when a colliding row
	// may take a new id ("" for tables keyed by the reseller).
	idCol string
	// refs: column -> referenced table, for columns holding another
	// table's id.
	refs map[string]string
}

// restoreOrder lists the owned tables, each after the tables its foreign
// keys reference (resellers first), with what restoreTable needs.
func (s *Store) restoreOrder(ctx context.Context, tx *sql.Tx) ([]restoreTable, error) {
	owned, err := s.ownedTables(ctx, tx)
	if err != nil {
		return nil, err
	}
	var list []restoreTable
	seen := map[string]bool{}
	for _, o := range owned {
		if seen[o.table] {
			continue // a table with both owner columns: one pass is enough
		}
		seen[o.table] = true
		t := restoreTable{ownedTable: o, refs: map[string]string{}}
		var pks []string
		rows, err := tx.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, o.table)
		if err != nil {
			return nil, err
		}
		types := map[string]string{}
		for rows.Next() {
			var name, typ string
			var pk int
			if err := rows.Scan(&name, &typ, &pk); err != nil {
				rows.Close()
				return nil, err
			}
			t.cols = append(t.cols, name)
			types[name] = typ
			if pk > 0 {
				pks = append(pks, name)
			}
		}
		rows.Close()
		fks, err := tx.QueryContext(ctx, `SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)`, o.table)
		if err != nil {
			return nil, err
		}
		for fks.Next() {
			var from, parent string
			var to sql.NullString // NULL: the parent's primary key
			if err := fks.Scan(&from, &parent, &to); err != nil {
				fks.Close()
				return nil, err
			}
			if !to.Valid || to.String == "id" {
				t.refs[from] = parent
			}
		}
		fks.Close()
		for col, parent := range implicitRefs[o.table] {
			t.refs[col] = parent
		}
		if len(pks) == 1 && strings.EqualFold(types[pks[0]], "INTEGER") && pks[0] != o.column && t.refs[pks[0]] == "" {
			t.idCol = pks[0]
		}
		list = append(list, t)
	}
	// Parents first: each round takes the tables whose referenced owned
	// tables are all placed (the schema has no cycles).
	var out []restoreTable
	placed := map[string]bool{}
	for len(out) < len(list) {
		progress := false
		for _, t := range list {
			if placed[t.table] {
				continue
			}
			ready := true
			for _, parent := range t.refs {
				if seen[parent] && !placed[parent] && parent != t.table {
					ready = false
				}
			}
			if ready {
				out, placed[t.table], progress = append(out, t), true, true
			}
		}
		if !progress {
			return nil, errors.New("store: restore: the tables' references form a cycle")
		}
	}
	return out, nil
}

func restoreRows(ctx context.Context, tx *sql.Tx, src *Store, t restoreTable, chatID int64, moved map[string]map[int64]int64) (int, error) {
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = quoteIdent(c)
	}
	q := `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + quoteIdent(t.table) + ` WHERE ` + quoteIdent(t.column) + ` = ?`
	if t.idCol != "" {
		q += ` ORDER BY ` + quoteIdent(t.idCol)
	}
	rows, err := src.read.QueryContext(ctx, q, chatID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	insertAll := insertRow(t.table, cols)
	var insertNew string // without the id column: SQLite gives a new one
	idAt := -1
	if t.idCol != "" {
		var rest []string
		for i, c := range t.cols {
			if c == t.idCol {
				idAt = i
				continue
			}
			rest = append(rest, quoteIdent(c))
		}
		insertNew = insertRow(t.table, rest)
	}
	n := 0
	for rows.Next() {
		vals := make([]any, len(t.cols))
		ptrs := make([]any, len(t.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, c := range t.cols {
			if parent := t.refs[c]; parent != "" {
				if old, ok := vals[i].(int64); ok {
					if nv, ok := moved[parent][old]; ok {
						vals[i] = nv
					}
				}
			}
		}
		if idAt >= 0 {
			old, _ := vals[idAt].(int64)
			var taken int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+quoteIdent(t.table)+` WHERE `+quoteIdent(t.idCol)+` = ?`, old).Scan(&taken)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return n, err
			}
			if err == nil {
				rest := append(append([]any{}, vals[:idAt]...), vals[idAt+1:]...)
				res, err := tx.ExecContext(ctx, insertNew, rest...)
				if err != nil {
					return n, err
				}
				id, err := res.LastInsertId()
				if err != nil {
					return n, err
				}
				if moved[t.table] == nil {
					moved[t.table] = map[int64]int64{}
				}
				moved[t.table][old] = id
				n++
				continue
			}
		}
		if _, err := tx.ExecContext(ctx, insertAll, vals...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// insertRow is the INSERT of one row of table into cols (quoted names).
func insertRow(table string, cols []string) string {
	return `INSERT INTO ` + quoteIdent(table) + ` (` + strings.Join(cols, ", ") + `) VALUES (` + placeholders(len(cols)) + `)`
}
