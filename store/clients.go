package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"renovabot/billing"
)

// ErrConflict is returned when a row changed since the caller read it
// (a renewal pressed twice, an undo after a later change).
var ErrConflict = errors.New("store: changed meanwhile")

// Client is one of a reseller's clients.
type Client struct {
	ID         int64
	Name       string
	Phone      string // canonical digits
	PlanID     int64
	PlanName   string
	PlanMonths int
	Price      int64 // centavos
	Due        billing.Date
	AnchorDay  int // original day of month; renewals land on it when the month has it
	Server     string
	Notes      string
	Paused     bool // reminders paused
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Status is the client's status today (the one status function).
func (c Client) Status(today billing.Date) billing.Status {
	return billing.ClientStatus(c.Due, today, c.Paused)
}

// NewClient is what creating a client needs. The anchor day is the due
// date's day.
type NewClient struct {
	Name   string
	Phone  string
	PlanID int64
	Price  int64
	Due    billing.Date
	Server string
	Notes  string
}

// ClientPatch changes the non-nil fields of a client. Setting Due also
// re-anchors the client to the new day of month.
type ClientPatch struct {
	Name, Phone, Server, Notes *string
	PlanID                     *int64
	Price                      *int64
	Due                        *billing.Date
	Paused                     *bool
}

// Clients is the tenant's client list.
type Clients struct{ t Tenant }

// Clients returns the tenant's clients.
func (t Tenant) Clients() Clients { return Clients{t} }

const clientCols = `c.id, c.name, c.phone, c.plan_id, p.name, p.months, c.price, c.due_date, c.anchor_day,
	c.server, c.notes, c.paused, c.created_at, c.updated_at`

const clientFrom = ` FROM clients c JOIN plans p ON p.id = c.plan_id `

func scanClient(row interface{ Scan(...any) error }) (Client, error) {
	var c Client
	var due string
	var created, updated int64
	err := row.Scan(&c.ID, &c.Name, &c.Phone, &c.PlanID, &c.PlanName, &c.PlanMonths, &c.Price, &due, &c.AnchorDay,
		&c.Server, &c.Notes, &c.Paused, &created, &updated)
	if err != nil {
		return Client{}, notFound(err)
	}
	if c.Due, err = billing.ParseISO(due); err != nil {
		return Client{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromUnix(created), fromUnix(updated)
	return c, nil
}

func collectClients(rows *sql.Rows) ([]Client, error) { return collect(rows, scanClient) }

// Get returns one client of the tenant; ErrNotFound for any other id,
// including another reseller's.
func (c Clients) Get(ctx context.Context, id int64) (Client, error) {
	return scanClient(c.t.s.read.QueryRowContext(ctx, `SELECT `+clientCols+clientFrom+`WHERE c.reseller_id = ? AND c.id = ?`,
		c.t.chatID, id))
}

func getClientTx(ctx context.Context, tx *sql.Tx, chatID, id int64) (Client, error) {
	return scanClient(tx.QueryRowContext(ctx, `SELECT `+clientCols+clientFrom+`WHERE c.reseller_id = ? AND c.id = ?`, chatID, id))
}

// Create inserts a client. ErrNotFound if the plan is not the tenant's.
func (c Clients) Create(ctx context.Context, n NewClient) (Client, error) {
	var out Client
	err := c.t.s.tx(ctx, func(tx *sql.Tx) error {
		id, err := insertClient(ctx, tx, c.t.chatID, unix(c.t.s.now()), n, serverNames{})
		if err != nil {
			return err
		}
		// A new client may be due on one of today's reminder days.
		if err := markReplan(ctx, tx, c.t.chatID); err != nil {
			return err
		}
		out, err = getClientTx(ctx, tx, c.t.chatID, id)
		return err
	})
	return out, err
}

func insertClient(ctx context.Context, tx *sql.Tx, chatID, now int64, n NewClient, servers serverNames) (int64, error) {
	name := strings.TrimSpace(n.Name)
	server, err := servers.use(ctx, tx, chatID, n.Server, now)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO clients (reseller_id, name, name_key, phone, plan_id, price, due_date, anchor_day,
			server, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		chatID, name, billing.Fold(name), n.Phone, n.PlanID, n.Price, n.Due.ISO(), n.Due.Day,
		server, strings.TrimSpace(n.Notes), now, now).Scan(&id)
	if err != nil {
		return 0, fkErr(err, "create client")
	}
	return id, nil
}

// fkErr maps a foreign key violation (a plan of another tenant) to
// ErrNotFound.
func fkErr(err error, op string) error {
	if isForeignKeyViolation(err) {
		return ErrNotFound
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// Update applies a patch and returns the client as stored.
func (c Clients) Update(ctx context.Context, id int64, p ClientPatch) (Client, error) {
	var sets []string
	var args []any
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		sets, args = append(sets, "name = ?", "name_key = ?"), append(args, name, billing.Fold(name))
	}
	if p.Phone != nil {
		sets, args = append(sets, "phone = ?"), append(args, *p.Phone)
	}
	serverAt := -1
	if p.Server != nil {
		// The name becomes the server's own spelling (created on first
		// use) in the transaction below: args[serverAt] is replaced.
		serverAt = len(args)
		sets, args = append(sets, "server = ?"), append(args, strings.TrimSpace(*p.Server))
	}
	if p.Notes != nil {
		sets, args = append(sets, "notes = ?"), append(args, strings.TrimSpace(*p.Notes))
	}
	if p.PlanID != nil {
		sets, args = append(sets, "plan_id = ?"), append(args, *p.PlanID)
	}
	if p.Price != nil {
		sets, args = append(sets, "price = ?"), append(args, *p.Price)
	}
	if p.Due != nil {
		sets, args = append(sets, "due_date = ?", "anchor_day = ?"), append(args, p.Due.ISO(), p.Due.Day)
	}
	if p.Paused != nil {
		sets, args = append(sets, "paused = ?"), append(args, *p.Paused)
	}
	var out Client
	err := c.t.s.tx(ctx, func(tx *sql.Tx) error {
		before, err := getClientTx(ctx, tx, c.t.chatID, id)
		if err != nil {
			return err
		}
		if len(sets) > 0 {
			now := unix(c.t.s.now())
			if serverAt >= 0 {
				if args[serverAt], err = useServer(ctx, tx, c.t.chatID, args[serverAt].(string), now); err != nil {
					return err
				}
			}
			res, err := tx.ExecContext(ctx, `UPDATE clients SET `+strings.Join(sets, ", ")+`, updated_at = ? WHERE reseller_id = ? AND id = ?`,
				append(args, now, c.t.chatID, id)...)
			if err != nil {
				return fkErr(err, "update client")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
			// A new due date or paused reminders make the client's pending
			// reminders wrong: cancel them here, in the same transaction,
			// and let the next tick plan what the new state calls for.
			reason := ""
			switch {
			case p.Due != nil && *p.Due != before.Due:
				reason = CancelDueChanged
			case p.Paused != nil && *p.Paused && !before.Paused:
				reason = CancelClientPaused
			}
			if reason != "" || (p.Paused != nil && *p.Paused != before.Paused) {
				if err := clientChanged(ctx, tx, c.t.chatID, id, reason, now); err != nil {
					return err
				}
			}
		}
		out, err = getClientTx(ctx, tx, c.t.chatID, id)
		return err
	})
	return out, err
}

// Delete removes a client. Its payments stay in the ledger (with the name),
// its messages in the log; its pending reminders are cancelled.
func (c Clients) Delete(ctx context.Context, id int64) error {
	return c.t.s.tx(ctx, func(tx *sql.Tx) error {
		// Cancel first: the delete sets the rows' client_id to NULL.
		if err := clientChanged(ctx, tx, c.t.chatID, id, CancelClientDeleted, unix(c.t.s.now())); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM clients WHERE reseller_id = ? AND id = ?`, c.t.chatID, id)
		if err != nil {
			return fmt.Errorf("store: delete client: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// WithPhone returns the tenant's clients with this phone, except exceptID.
func (c Clients) WithPhone(ctx context.Context, phone string, exceptID int64) ([]Client, error) {
	rows, err := c.t.s.read.QueryContext(ctx, `SELECT `+clientCols+clientFrom+
		`WHERE c.reseller_id = ? AND c.phone = ? AND c.id != ? ORDER BY c.name_key LIMIT 20`, c.t.chatID, phone, exceptID)
	if err != nil {
		return nil, fmt.Errorf("store: clients with phone: %w", err)
	}
	return collectClients(rows)
}

// Filter selects clients for lists.
type Filter string

// Filters. They agree with billing.ClientStatus: a paused client is only
// in FilterPaused (and FilterAll).
const (
	FilterAll     Filter = "all"
	FilterOverdue Filter = "overdue" // due before today
	FilterToday   Filter = "today"   // due today
	FilterNext7   Filter = "next7"   // due in the next 7 days, today excluded
	FilterPaused  Filter = "paused"
)

// Valid reports whether f is a known filter.
func (f Filter) Valid() bool {
	switch f {
	case FilterAll, FilterOverdue, FilterToday, FilterNext7, FilterPaused:
		return true
	}
	return false
}

func (f Filter) where(today billing.Date) (string, []any) {
	t := today.ISO()
	switch f {
	case FilterOverdue:
		return " AND c.paused = 0 AND c.due_date < ?", []any{t}
	case FilterToday:
		return " AND c.paused = 0 AND c.due_date = ?", []any{t}
	case FilterNext7:
		return " AND c.paused = 0 AND c.due_date > ? AND c.due_date <= ?", []any{t, today.AddDays(7).ISO()}
	case FilterPaused:
		return " AND c.paused = 1", nil
	}
	return "", nil
}

// List returns one page of clients matching f, by due date, and the total.
func (c Clients) List(ctx context.Context, f Filter, today billing.Date, offset, limit int) ([]Client, int, error) {
	where, args := f.where(today)
	return c.page(ctx, where, args, "c.due_date, c.id", offset, limit)
}

// NearestDue returns the tenant's client whose due date is within [from,
// to] (a zero bound is open) and nearest to near, the earlier date and then
// the older client first; ok is false when there is none. Template
// previews use it to show a message with a client it is written for.
func (c Clients) NearestDue(ctx context.Context, near, from, to billing.Date) (Client, bool, error) {
	lo, hi := "0000-00-00", "9999-99-99"
	if !from.IsZero() {
		lo = from.ISO()
	}
	if !to.IsZero() {
		hi = to.ISO()
	}
	cl, err := scanClient(c.t.s.read.QueryRowContext(ctx, `SELECT `+clientCols+clientFrom+
		`WHERE c.reseller_id = ? AND c.due_date BETWEEN ? AND ?
		ORDER BY abs(`+c.t.s.d.daysBetween("c.due_date", "?")+`), c.due_date, c.id LIMIT 1`, c.t.chatID, lo, hi, near.ISO()))
	if errors.Is(err, ErrNotFound) {
		return Client{}, false, nil
	}
	if err != nil {
		return Client{}, false, fmt.Errorf("store: nearest client: %w", err)
	}
	return cl, true, nil
}

// Search finds clients whose name contains q (ignoring case and accents)
// or whose phone contains q's digits (when q has at least 4 digits).
func (c Clients) Search(ctx context.Context, q string, offset, limit int) ([]Client, int, error) {
	key := billing.Fold(q)
	digits := onlyDigits(q)
	where := " AND (" + c.t.s.d.contains("c.name_key", "?")
	args := []any{key}
	if len(digits) >= 4 {
		where += " OR " + c.t.s.d.contains("c.phone", "?")
		args = append(args, digits)
	}
	where += ")"
	return c.page(ctx, where, args, "c.name_key, c.id", offset, limit)
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (c Clients) page(ctx context.Context, where string, args []any, order string, offset, limit int) ([]Client, int, error) {
	all := append([]any{c.t.chatID}, args...)
	var total int
	if err := c.t.s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients c WHERE c.reseller_id = ?`+where, all...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count clients: %w", err)
	}
	rows, err := c.t.s.read.QueryContext(ctx, `SELECT `+clientCols+clientFrom+`WHERE c.reseller_id = ?`+where+
		` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(all, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list clients: %w", err)
	}
	list, err := collectClients(rows)
	return list, total, err
}

// Summary counts a reseller's clients per status and sums what is due.
type Summary struct {
	Total, Overdue, DueToday, DueSoon, OK, Paused int
	OverdueAmount                                 int64 // sum of prices of overdue (not paused) clients
	DueTodayAmount                                int64
	Next7                                         int // due in the 7 days after today, not paused
	Next7Amount                                   int64
	MonthAmount                                   int64 // sum of prices of clients not paused due in today's month ("ainda a receber")
}

// Summary computes the header of lists and the due-dates view. Each row is
// classified once into a bucket (one CASE per row is what keeps this fast on
// thousands of clients); the month total is an index range scan.
func (c Clients) Summary(ctx context.Context, today billing.Date) (Summary, error) {
	t := today.ISO()
	soon := today.AddDays(billing.DueSoonDays).ISO()
	week := today.AddDays(7).ISO()
	rows, err := c.t.s.read.QueryContext(ctx, `SELECT CASE
				WHEN paused = 1 THEN 'p'
				WHEN due_date < ?1 THEN 'o'
				WHEN due_date = ?1 THEN 't'
				WHEN due_date <= ?2 THEN 's'
				WHEN due_date <= ?3 THEN 'w'
				ELSE 'l' END AS bucket,
			COUNT(*), `+sumMoney("price")+`
		FROM clients WHERE reseller_id = ?4 GROUP BY bucket`, t, soon, week, c.t.chatID)
	if err != nil {
		return Summary{}, fmt.Errorf("store: client summary: %w", err)
	}
	defer rows.Close()
	var s Summary
	for rows.Next() {
		var bucket string
		var n int
		var amount int64
		if err := rows.Scan(&bucket, &n, &amount); err != nil {
			return Summary{}, err
		}
		s.Total += n
		switch bucket {
		case "p":
			s.Paused = n
		case "o":
			s.Overdue, s.OverdueAmount = n, amount
		case "t":
			s.DueToday, s.DueTodayAmount = n, amount
		case "s":
			s.DueSoon = n
			s.Next7, s.Next7Amount = s.Next7+n, s.Next7Amount+amount
		case "w":
			s.OK += n
			s.Next7, s.Next7Amount = s.Next7+n, s.Next7Amount+amount
		case "l":
			s.OK += n
		}
	}
	if err := rows.Err(); err != nil {
		return Summary{}, err
	}
	monthStart := billing.Date{Year: today.Year, Month: today.Month, Day: 1}.ISO()
	monthEnd := billing.Date{Year: today.Year, Month: today.Month, Day: billing.DaysIn(today.Year, today.Month)}.ISO()
	if err := c.t.s.read.QueryRowContext(ctx, `SELECT `+sumMoney("price")+` FROM clients
		WHERE reseller_id = ? AND `+openClients+` AND due_date BETWEEN ? AND ?`, c.t.chatID, monthStart, monthEnd).Scan(&s.MonthAmount); err != nil {
		return Summary{}, fmt.Errorf("store: month total: %w", err)
	}
	return s, nil
}

// Each calls fn for every client of the tenant, by name, streaming rows.
func (c Clients) Each(ctx context.Context, fn func(Client) error) error {
	rows, err := c.t.s.read.QueryContext(ctx, `SELECT `+clientCols+clientFrom+`WHERE c.reseller_id = ? ORDER BY c.name_key, c.id`, c.t.chatID)
	if err != nil {
		return fmt.Errorf("store: each client: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		cl, err := scanClient(rows)
		if err != nil {
			return err
		}
		if err := fn(cl); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ImportResult says what an import did with each row.
type ImportResult struct {
	Created    int
	Duplicates []int // indexes of rows skipped because the same name and phone exist
}

// Import creates many clients in one transaction. A row whose name and
// phone match an existing client (or an earlier row) is skipped, so
// importing the same file twice does not double the list.
func (c Clients) Import(ctx context.Context, rows []NewClient) (ImportResult, error) {
	var res ImportResult
	err := c.t.s.tx(ctx, func(tx *sql.Tx) error {
		res = ImportResult{}
		now := unix(c.t.s.now())
		servers := serverNames{} // thousands of rows, a few servers

		for i, n := range rows {
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM clients WHERE reseller_id = ? AND phone = ? AND name_key = ?)`,
				c.t.chatID, n.Phone, billing.Fold(n.Name)).Scan(&exists); err != nil {
				return err
			}
			if exists {
				res.Duplicates = append(res.Duplicates, i)
				continue
			}
			if _, err := insertClient(ctx, tx, c.t.chatID, now, n, servers); err != nil {
				return err
			}
			res.Created++
		}
		if res.Created > 0 {
			return markReplan(ctx, tx, c.t.chatID)
		}
		return nil
	})
	return res, err
}
