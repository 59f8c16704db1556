package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"renovabot/billing"
)

// Server is a server name a reseller offers as a shortcut.
type Server struct {
	ID      int64
	Name    string
	Clients int // clients with this server name (filled by List)
}

// Servers is the tenant's server list.
type Servers struct{ t Tenant }

// Servers returns the tenant's servers.
func (t Tenant) Servers() Servers { return Servers{t} }

// List returns the servers by name, with how many clients use each.
func (s Servers) List(ctx context.Context) ([]Server, error) {
	rows, err := s.t.s.read.QueryContext(ctx, `SELECT v.id, v.name,
			(SELECT COUNT(*) FROM clients c WHERE c.reseller_id = v.reseller_id AND c.server = v.name)
		FROM servers v WHERE v.reseller_id = ? ORDER BY v.name_key`, s.t.chatID)
	if err != nil {
		return nil, fmt.Errorf("store: list servers: %w", err)
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		var v Server
		if err := rows.Scan(&v.ID, &v.Name, &v.Clients); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get returns one server of the tenant, with its client count.
func (s Servers) Get(ctx context.Context, id int64) (Server, error) {
	var v Server
	err := s.t.s.read.QueryRowContext(ctx, `SELECT v.id, v.name,
			(SELECT COUNT(*) FROM clients c WHERE c.reseller_id = v.reseller_id AND c.server = v.name)
		FROM servers v WHERE v.reseller_id = ? AND v.id = ?`,
		s.t.chatID, id).Scan(&v.ID, &v.Name, &v.Clients)
	return v, notFound(err)
}

// Add creates a server name. ErrDuplicate if taken.
func (s Servers) Add(ctx context.Context, name string) (Server, error) {
	name = strings.TrimSpace(name)
	res, err := s.t.s.write.ExecContext(ctx, `INSERT INTO servers (reseller_id, name, name_key, created_at) VALUES (?, ?, ?, ?)`,
		s.t.chatID, name, billing.Fold(name), unix(s.t.s.now()))
	if err != nil {
		return Server{}, uniqueErr(err, "add server")
	}
	id, _ := res.LastInsertId()
	return Server{ID: id, Name: name}, nil
}

// Rename renames a server and the clients that carry its name.
func (s Servers) Rename(ctx context.Context, id int64, name string) error {
	name = strings.TrimSpace(name)
	return s.t.s.tx(ctx, func(tx *sql.Tx) error {
		var old string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM servers WHERE reseller_id = ? AND id = ?`, s.t.chatID, id).Scan(&old); err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE servers SET name = ?, name_key = ? WHERE reseller_id = ? AND id = ?`,
			name, billing.Fold(name), s.t.chatID, id); err != nil {
			return uniqueErr(err, "rename server")
		}
		_, err := tx.ExecContext(ctx, `UPDATE clients SET server = ?, updated_at = ? WHERE reseller_id = ? AND server = ?`,
			name, unix(s.t.s.now()), s.t.chatID, old)
		return err
	})
}

// Remove deletes a server name from the shortcuts; clients keep the text.
func (s Servers) Remove(ctx context.Context, id int64) error {
	res, err := s.t.s.write.ExecContext(ctx, `DELETE FROM servers WHERE reseller_id = ? AND id = ?`, s.t.chatID, id)
	if err != nil {
		return fmt.Errorf("store: remove server: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
