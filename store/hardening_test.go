package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/internal/testdb"
)

// Issue 12: ids that buttons carry are never given twice, out-of-range
// money and dates are refused by the database, and sums cannot overflow.

// Deleting the newest row of a table and adding another must not hand the
// new row the deleted id: an old button carrying it would act on the new
// row. That holds for every table whose ids buttons carry, and across an
// erased account that registers again.
func TestDeletedIdsAreNeverGivenAgain(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	tn := register(t, s, 1)

	c1 := newClient(t, tn, "Ana", "5511987650001", d(2026, 12, 10))
	if err := tn.Clients().Delete(ctx, c1.ID); err != nil {
		t.Fatal(err)
	}
	c2 := newClient(t, tn, "Bia", "5511987650002", d(2026, 12, 10))
	if c2.ID == c1.ID {
		t.Fatalf("client id %d given again after its client was deleted", c1.ID)
	}

	p1, err := tn.Plans().Add(ctx, "Extra", 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.Plans().Remove(ctx, p1.ID); err != nil {
		t.Fatal(err)
	}
	p2, err := tn.Plans().Add(ctx, "Outro", 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if p2.ID == p1.ID {
		t.Fatalf("plan id %d given again", p1.ID)
	}

	s1, err := tn.Servers().Add(ctx, "Zeta") // not "Alpha": newClient's clients use that one
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.Servers().Remove(ctx, s1.ID); err != nil {
		t.Fatal(err)
	}
	s2, err := tn.Servers().Add(ctx, "Beta")
	if err != nil {
		t.Fatal(err)
	}
	if s2.ID == s1.ID {
		t.Fatalf("server id %d given again", s1.ID)
	}

	// Payments are only deleted with the account: the chat that erased its
	// account and comes back still has the old "Desfazer" buttons.
	pay1, _, err := tn.Clients().Renew(ctx, c2.ID, Renewal{ExpectDue: c2.Due, NewDue: d(2027, 1, 10), Anchor: 10, PaidOn: d(2026, 11, 28)})
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	tn = register(t, s, 1)
	c3 := newClient(t, tn, "Caio", "5511987650003", d(2026, 12, 10))
	pay2, _, err := tn.Clients().Renew(ctx, c3.ID, Renewal{ExpectDue: c3.Due, NewDue: d(2027, 1, 10), Anchor: 10, PaidOn: d(2026, 11, 28)})
	if err != nil {
		t.Fatal(err)
	}
	if c3.ID == c2.ID || pay2.ID == pay1.ID {
		t.Fatalf("after erasure: client %d (was %d), payment %d (was %d)", c3.ID, c2.ID, pay2.ID, pay1.ID)
	}
}

// The database refuses money and dates no input path accepts, whoever
// writes them.
func TestDatabaseRefusesOutOfRangeMoneyAndDates(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	tn := register(t, s, 1)
	plan := planNamed(t, tn, "Mensal")
	for _, nc := range []NewClient{
		{Name: "Caro", Phone: "5511987650001", PlanID: plan.ID, Price: billing.MaxMoney + 1, Due: d(2026, 12, 10)},
		{Name: "Longe", Phone: "5511987650001", PlanID: plan.ID, Price: 3000, Due: d(2101, 1, 1)},
		{Name: "Antigo", Phone: "5511987650001", PlanID: plan.ID, Price: 3000, Due: d(1999, 12, 31)},
	} {
		if _, err := tn.Clients().Create(ctx, nc); err == nil {
			t.Errorf("client %+v stored", nc)
		}
	}
	if err := tn.Plans().SetPrice(ctx, plan.ID, billing.MaxMoney+1); err == nil {
		t.Error("plan price above the limit stored")
	}
	c := newClient(t, tn, "Ana", "5511987650001", d(2100, 12, 1))
	if _, _, err := tn.Clients().Renew(ctx, c.ID, Renewal{ExpectDue: c.Due, NewDue: d(2101, 1, 1), Anchor: 1, PaidOn: d(2026, 11, 28)}); err == nil {
		t.Error("renewal past 2100 stored")
	}
	if got, _ := tn.Clients().Get(ctx, c.ID); got.Due != d(2100, 12, 1) {
		t.Fatalf("refused renewal changed the client: %+v", got)
	}
	// The limits themselves are accepted.
	if _, err := tn.Clients().Create(ctx, NewClient{Name: "Limite", Phone: "5511987650002", PlanID: plan.ID,
		Price: billing.MaxMoney, Due: d(2100, 12, 31)}); err != nil {
		t.Fatalf("client at the limits refused: %v", err)
	}
}

// aroundChecks returns a connection on s's database that writes around
// the CHECK constraints of money columns, to store what no code path of
// the product can (a row stored before the constraints existed, or by
// hand): on SQLite, a connection that ignores them; on PostgreSQL, which
// has no such switch, the test's own schema loses them.
func aroundChecks(t *testing.T, s *Store) *sql.DB {
	t.Helper()
	if s.d.name() == "sqlite" {
		return rawDB(t, s.Path())
	}
	for _, c := range []string{"clients_price_check", "payments_amount_check", "plans_price_check"} {
		table, _, _ := strings.Cut(c, "_")
		if _, err := s.write.Exec(`ALTER TABLE ` + table + ` DROP CONSTRAINT ` + c); err != nil {
			t.Fatal(err)
		}
	}
	return s.write
}

// rawDB opens the database file directly with the CHECK constraints off,
// to write what no code path of the product can (a row stored before the
// constraints existed, or by hand).
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`PRAGMA ignore_check_constraints = ON`); err != nil {
		t.Fatal(err)
	}
	return db
}

// Sums over prices and amounts stay correct and never fail, even when a
// row holds the largest int64 (written around the constraints).
func TestSumsCannotOverflow(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	tn := register(t, s, 1)
	today := d(2026, 11, 28)
	newClient(t, tn, "Ana", "5511987650001", today)
	newClient(t, tn, "Bia", "5511987650002", today)
	c := newClient(t, tn, "Caio", "5511987650003", today.AddDays(-5))
	for _, next := range []billing.Date{today.AddDays(2), today.AddDays(32)} {
		if _, c, _ = tn.Clients().Renew(ctx, c.ID, Renewal{ExpectDue: c.Due, NewDue: next, Anchor: next.Day, PaidOn: today}); c.Due != next {
			t.Fatalf("renewal: %+v", c)
		}
	}
	db := aroundChecks(t, s)
	for _, q := range []string{
		`UPDATE clients SET price = 9223372036854775807`,
		`UPDATE payments SET amount = 9223372036854775807`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := tn.Clients().Summary(ctx, today)
	if err != nil {
		t.Fatalf("summary: %v", err)
	}
	if sum.Total != 3 || sum.DueToday != 2 || sum.DueTodayAmount < billing.MaxMoney || sum.MonthAmount < billing.MaxMoney {
		t.Fatalf("summary = %+v", sum)
	}
	fin, err := tn.Reports().Finance(ctx, today.AddDays(-30), today.AddDays(30))
	if err != nil {
		t.Fatalf("finance: %v", err)
	}
	if fin.Payments != 2 || fin.Received < billing.MaxMoney || fin.Expected() < billing.MaxMoney || len(fin.ByPlan) != 1 {
		t.Fatalf("finance = %+v", fin)
	}
	if _, err := tn.Reports().Monthly(ctx, []billing.Date{d(2026, 11, 1), d(2026, 12, 1)}); err != nil {
		t.Fatalf("monthly: %v", err)
	}
	tot, err := s.AdminReportTotals(ctx, today.AddDays(-30), today.AddDays(30))
	if err != nil {
		t.Fatalf("admin totals: %v", err)
	}
	if tot.Payments != 2 || tot.Received < billing.MaxMoney || tot.ExpectedOpen < billing.MaxMoney {
		t.Fatalf("admin totals = %+v", tot)
	}
}

// openOldSchema creates a database on the backend of this test pass with
// only the migrations below version, as a build from before them left it.
// It returns a connection on it (that writes around CHECK constraints on
// SQLite) and the function that opens the store on it, running the rest.
func openOldSchema(t *testing.T, below int) (*sql.DB, func() (*Store, error)) {
	t.Helper()
	dir, url, d := t.TempDir(), "", dialect(sqliteDialect{})
	if testdb.Postgres() {
		url, d = testdb.NewPostgres(t), postgresDialect{}
	}
	all, err := migrationsIn(d.migrationDir())
	if err != nil {
		t.Fatal(err)
	}
	var db *sql.DB
	if url == "" {
		db = rawDB(t, filepath.Join(dir, "bot.db"))
	} else if db, err = PostgresDB(url); err != nil {
		t.Fatal(err)
	} else {
		t.Cleanup(func() { db.Close() })
	}
	if _, err := db.Exec(d.migrationsTable()); err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.version >= below {
			continue
		}
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("migration %d: %v", m.version, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, m.version, m.name); err != nil {
			t.Fatal(err)
		}
	}
	return db, func() (*Store, error) { return OpenDatabase(context.Background(), url, dir, clock.NewFake(t0)) }
}

// A database written before the limits, holding what forged buttons
// stored (a price of 2^63-1, a due date in 9999), upgrades: every row and
// id is kept, the values are brought into range, the foreign keys still
// hold (and still act), and lists and reports work again.
func TestUpgradeKeepsRowsAndBringsValuesIntoRange(t *testing.T) {
	old, upgrade := openOldSchema(t, 11)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO resellers (chat_id, name, timezone, created_at, last_seen_at) VALUES (1, 'R1', 'America/Sao_Paulo', 0, 0)`,
		`INSERT INTO plans (id, reseller_id, name, name_key, months, price, created_at) VALUES (7, 1, 'Mensal', 'mensal', 1, 9223372036854775807, 0)`,
		`INSERT INTO servers (id, reseller_id, name, name_key, created_at) VALUES (3, 1, 'Alpha', 'alpha', 0)`,
		`INSERT INTO clients (id, reseller_id, name, name_key, phone, plan_id, price, due_date, anchor_day, created_at, updated_at)
			VALUES (5, 1, 'Forjado', 'forjado', '5511987650001', 7, 9223372036854775807, '9999-12-31', 31, 0, 0),
			       (9, 1, 'Normal', 'normal', '5511987650002', 7, 3590, '2026-12-10', 10, 0, 0)`,
		`INSERT INTO payments (id, reseller_id, client_id, client_name, plan_name, amount, paid_on, prev_due, prev_anchor, new_due, created_at)
			VALUES (4, 1, 5, 'Forjado', 'Mensal', 9223372036854775807, '2026-11-28', '9999-12-31', 31, '0001-01-31', 0)`,
		`INSERT INTO messages (id, reseller_id, client_id, client_name, phone, kind, origin, status, created_at, updated_at)
			VALUES (1, 1, 9, 'Normal', '5511987650002', 'livre', 'manual', 'sent', 0, 0)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// The summary the reseller's /clientes shows fails on this data today.
	old.Close()

	s, err := upgrade()
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	tn := s.Tenant(1)
	forged, err := tn.Clients().Get(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if forged.Price != billing.MaxMoney || forged.Due != d(2100, 12, 31) || forged.PlanID != 7 || forged.Name != "Forjado" {
		t.Fatalf("forged client after upgrade = %+v", forged)
	}
	if p, err := tn.Plans().Get(ctx, 7); err != nil || p.Price != billing.MaxMoney {
		t.Fatalf("plan after upgrade = %+v, %v", p, err)
	}
	if v, err := tn.Servers().Get(ctx, 3); err != nil || v.Name != "Alpha" {
		t.Fatalf("server after upgrade = %+v, %v", v, err)
	}
	pay, err := tn.Payments().Get(ctx, 4)
	if err != nil || pay.Amount != billing.MaxMoney || pay.PrevDue != d(2100, 12, 31) || pay.NewDue != d(2000, 1, 1) || pay.ClientID != 5 {
		t.Fatalf("payment after upgrade = %+v, %v", pay, err)
	}
	if _, _, err := tn.Clients().List(ctx, FilterAll, d(2026, 11, 28), 0, 10); err != nil {
		t.Fatalf("list: %v", err)
	}
	if _, err := tn.Clients().Summary(ctx, d(2026, 11, 28)); err != nil {
		t.Fatalf("summary: %v", err)
	}
	if _, err := s.AdminReportTotals(ctx, d(2026, 11, 1), d(2026, 11, 30)); err != nil {
		t.Fatalf("admin totals: %v", err)
	}

	// The keys are on and act on the rebuilt tables: deleting a client
	// empties the client of its messages and payments.
	if s.d.name() == "sqlite" {
		var fk int
		if err := s.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Fatalf("foreign_keys after the upgrade = %d, %v", fk, err)
		}
	}
	if err := tn.Clients().Delete(ctx, 9); err != nil {
		t.Fatal(err)
	}
	var msgClient sql.NullInt64
	if err := s.read.QueryRowContext(ctx, `SELECT client_id FROM messages WHERE id = 1`).Scan(&msgClient); err != nil || msgClient.Valid {
		t.Fatalf("message of a deleted client: client_id %v, %v", msgClient, err)
	}
	if err := tn.Clients().Delete(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if pay, _ := tn.Payments().Get(ctx, 4); pay.ClientID != 0 {
		t.Fatalf("payment of a deleted client = %+v", pay)
	}
	// And ids of the migrated rows are not given again.
	c := newClient(t, tn, "Nova", "5511987650003", d(2026, 12, 10))
	if c.ID <= 9 {
		t.Fatalf("new client got id %d, at or below the migrated ones", c.ID)
	}
	if _, err := tn.Plans().Add(ctx, "Outro", 1, 0); err != nil {
		t.Fatal(err)
	}
	if p, _ := tn.Plans().FindByName(ctx, "Outro"); p.ID <= 7 {
		t.Fatalf("new plan got id %d", p.ID)
	}
}

// An act-once token is spent with its action: the same renewal or admin
// change asked for again with it does nothing, even when the data it
// checks looks the same again (a renewal undone meanwhile). Tokens are per
// chat: another chat's equal token is its own.
func TestOnceTokensAreSpentWithTheirAction(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	ca := newClient(t, a, "Ana", "5511987650001", d(2026, 12, 28))
	renewal := Renewal{ExpectDue: ca.Due, NewDue: d(2027, 1, 28), Anchor: 28, PaidOn: today, Once: "TOKEN1"}
	pay, _, err := a.Clients().Renew(ctx, ca.ID, renewal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Clients().UndoRenewal(ctx, pay.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Clients().Renew(ctx, ca.ID, renewal); !errors.Is(err, ErrSpent) {
		t.Fatalf("second renewal with the same token: %v", err)
	}
	if pays, _ := a.Payments().ForClient(ctx, ca.ID, 10); len(pays) != 1 {
		t.Fatalf("%d payments", len(pays))
	}
	// A refused renewal (stale due date, or one that would not move the
	// due date forward) does not spend its token.
	stale := Renewal{ExpectDue: d(2020, 1, 1), NewDue: d(2027, 1, 28), Anchor: 28, PaidOn: today, Once: "TOKEN2"}
	if _, _, err := a.Clients().Renew(ctx, ca.ID, stale); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale renewal: %v", err)
	}
	stale.ExpectDue = ca.Due
	for _, back := range []billing.Date{ca.Due, d(2026, 12, 27)} {
		stale.NewDue = back
		if _, _, err := a.Clients().Renew(ctx, ca.ID, stale); !errors.Is(err, ErrBackwards) {
			t.Fatalf("renewal to %v from %v: %v", back, ca.Due, err)
		}
	}
	if got, _ := a.Clients().Get(ctx, ca.ID); got.Due != ca.Due {
		t.Fatalf("refused renewals moved the due date to %v", got.Due)
	}
	stale.NewDue = d(2027, 1, 28)
	if _, _, err := a.Clients().Renew(ctx, ca.ID, stale); err != nil {
		t.Fatalf("token of a refused renewal was spent: %v", err)
	}
	cb := newClient(t, b, "Bia", "5511987650002", d(2026, 12, 28))
	if _, _, err := b.Clients().Renew(ctx, cb.ID, Renewal{ExpectDue: cb.Due, NewDue: d(2027, 1, 28), Anchor: 28, PaidOn: today, Once: "TOKEN1"}); err != nil {
		t.Fatalf("another chat's token: %v", err)
	}

	ch := AccessChange{Admin: 1, Target: 2, Access: Access{Status: StatusActive}, Action: AuditExtend, Once: "CARD1"}
	if _, _, err := s.AdminSetAccess(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AdminSetAccess(ctx, ch); !errors.Is(err, ErrSpent) {
		t.Fatalf("second admin change with the same token: %v", err)
	}
	if log, _ := s.AdminAudit(ctx, 10); len(log) != 1 {
		t.Fatalf("audit = %+v", log)
	}
}

// A claimed reminder is confirmed right before it leaves: changes made
// while it waited (which cancel only pending rows) cancel it, with the
// reason; another tenant cannot confirm or cancel it.
func TestRecheckCancelsAClaimedReminderAfterAChange(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	stage0 := DefaultStages([]int{0})
	claim := func(c Client) Message {
		t.Helper()
		planToday(t, a, today, stage0)
		for _, m := range autoRows(t, a) {
			if m.ClientID == c.ID && m.Status == MsgPending {
				if ok, err := a.Reminders().Claim(ctx, m.ID, ReminderClaim{WAID: "WA" + c.Name, Phone: c.Phone, ClientName: c.Name, Body: "Olá"}); !ok || err != nil {
					t.Fatalf("claim: %v %v", ok, err)
				}
				got, _ := a.Messages().Get(ctx, m.ID)
				return got
			}
		}
		t.Fatalf("no pending reminder of %s", c.Name)
		return Message{}
	}
	status := func(m Message) (MessageStatus, string) {
		got, err := a.Messages().Get(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status, got.Error
	}
	recheck := func(tn Tenant, m Message, waID string) bool {
		t.Helper()
		ok, err := tn.Reminders().Recheck(ctx, m.ID, waID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	// Nothing changed: it goes, and stays "sending".
	same := newClient(t, a, "Igual", "5511900000001", today)
	m := claim(same)
	if !recheck(a, m, m.WAID) {
		t.Fatal("unchanged reminder stopped")
	}
	if st, _ := status(m); st != MsgSending {
		t.Fatalf("status = %s", st)
	}
	// Another tenant, or another send of the row, cannot touch it.
	if recheck(b, m, m.WAID) || recheck(a, m, "OTHER") {
		t.Fatal("foreign or stale recheck confirmed the reminder")
	}
	if st, _ := status(m); st != MsgSending {
		t.Fatalf("foreign recheck changed the row: %s", st)
	}

	renewed := newClient(t, a, "Renovado", "5511900000002", today)
	mr := claim(renewed)
	if _, _, err := a.Clients().Renew(ctx, renewed.ID, Renewal{ExpectDue: today, NewDue: today.AddDays(30), Anchor: 28, PaidOn: today}); err != nil {
		t.Fatal(err)
	}
	edited := newClient(t, a, "Editado", "5511900000003", today)
	me := claim(edited)
	newDue := today.AddDays(5)
	if _, err := a.Clients().Update(ctx, edited.ID, ClientPatch{Due: &newDue}); err != nil {
		t.Fatal(err)
	}
	paused := newClient(t, a, "Pausado", "5511900000004", today)
	mp := claim(paused)
	yes := true
	if _, err := a.Clients().Update(ctx, paused.ID, ClientPatch{Paused: &yes}); err != nil {
		t.Fatal(err)
	}
	moved := newClient(t, a, "Mudou", "5511900000005", today)
	mm := claim(moved)
	phone := "5511900000055"
	if _, err := a.Clients().Update(ctx, moved.ID, ClientPatch{Phone: &phone}); err != nil {
		t.Fatal(err)
	}
	gone := newClient(t, a, "Excluido", "5511900000006", today)
	mg := claim(gone)
	if err := a.Clients().Delete(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		m      Message
		reason string
	}{{mr, CancelRenewed}, {me, CancelDueChanged}, {mp, CancelClientPaused}, {mm, CancelPhoneChanged}, {mg, CancelClientDeleted}} {
		if recheck(a, tc.m, tc.m.WAID) {
			t.Errorf("%s: sent after the change", tc.m.ClientName)
		}
		if st, reason := status(tc.m); st != MsgCancelled || reason != tc.reason {
			t.Errorf("%s: %s %q, want cancelled %q", tc.m.ClientName, st, reason, tc.reason)
		}
	}
	// Pausing every reminder of the reseller stops the one on its way.
	if err := a.Reminders().SetPaused(ctx, true, ""); err != nil {
		t.Fatal(err)
	}
	if recheck(a, m, m.WAID) {
		t.Fatal("sent after the reseller paused reminders")
	}
	if st, reason := status(m); st != MsgCancelled || reason != CancelResellerPaused {
		t.Fatalf("after the pause: %s %q", st, reason)
	}
	acc, err := a.Reminders().Account(ctx, def)
	if err != nil || !acc.Replan {
		t.Fatalf("no replan asked after a cancellation: %+v, %v", acc, err)
	}
}
