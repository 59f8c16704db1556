package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"renovabot/billing"
)

// Server is one of a reseller's servers. Every server name a client
// carries is one of them: a name is created on its first use (the wizard,
// an edit, an import), matched ignoring case and accents, and a client
// stores the server's own spelling (useServer).
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

// FindByName returns the server whose name matches ignoring case and
// accents.
func (s Servers) FindByName(ctx context.Context, name string) (Server, error) {
	var v Server
	err := s.t.s.read.QueryRowContext(ctx, `SELECT id, name FROM servers WHERE reseller_id = ? AND name_key = ?`,
		s.t.chatID, billing.Fold(name)).Scan(&v.ID, &v.Name)
	return v, notFound(err)
}

// useServer is the server name a client of chatID stores for name, inside
// the transaction that writes the client: the reseller's server matching
// it ignoring case and accents, created on this first use. "" stays "".
func useServer(ctx context.Context, tx *sql.Tx, chatID int64, name string, now int64) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil
	}
	key := billing.Fold(name)
	if _, err := tx.ExecContext(ctx, `INSERT INTO servers (reseller_id, name, name_key, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (reseller_id, name_key) DO NOTHING`, chatID, name, key, now); err != nil {
		return "", fmt.Errorf("store: server of client: %w", err)
	}
	var stored string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM servers WHERE reseller_id = ? AND name_key = ?`, chatID, key).Scan(&stored); err != nil {
		return "", fmt.Errorf("store: server of client: %w", err)
	}
	return stored, nil
}

// serverNames resolves the server names of the clients one transaction
// writes (useServer), each distinct name once: an import of thousands of
// rows on a few servers asks the database once per server.
type serverNames map[string]string

func (sn serverNames) use(ctx context.Context, tx *sql.Tx, chatID int64, name string, now int64) (string, error) {
	key := billing.Fold(name)
	if v, ok := sn[key]; ok {
		return v, nil
	}
	v, err := useServer(ctx, tx, chatID, name, now)
	if err == nil {
		sn[key] = v
	}
	return v, err
}

// Add creates a server name. ErrDuplicate if taken.
func (s Servers) Add(ctx context.Context, name string) (Server, error) {
	name = strings.TrimSpace(name)
	var id int64
	err := s.t.s.write.QueryRowContext(ctx, `INSERT INTO servers (reseller_id, name, name_key, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		s.t.chatID, name, billing.Fold(name), unix(s.t.s.now())).Scan(&id)
	if err != nil {
		return Server{}, uniqueErr(err, "add server")
	}
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

// Remove deletes a server no client uses; *InUseError otherwise (a name
// clients carry stays in the list: change their server, or rename this
// one, first).
func (s Servers) Remove(ctx context.Context, id int64) error {
	return s.t.s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients c JOIN servers v ON v.reseller_id = c.reseller_id AND v.name = c.server
			WHERE v.reseller_id = ? AND v.id = ?`, s.t.chatID, id).Scan(&n); err != nil {
			return fmt.Errorf("store: remove server: %w", err)
		}
		if n > 0 {
			return &InUseError{Clients: n}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM servers WHERE reseller_id = ? AND id = ?`, s.t.chatID, id)
		if err != nil {
			return fmt.Errorf("store: remove server: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
