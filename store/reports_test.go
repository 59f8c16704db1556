package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"renovabot/billing"
)

// reportFixture builds reseller 1's ledger by hand around the turn of
// October/November 2026 (São Paulo).
func reportFixture(t *testing.T) (*Store, Tenant, *time.Location) {
	t.Helper()
	s, clk := openTest(t)
	ctx := context.Background()
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	a := register(t, s, 1)
	mensal := planNamed(t, a, "Mensal").ID
	anual := planNamed(t, a, "Anual").ID
	create := func(at time.Time, name string, plan, price int64, due billing.Date, server string) Client {
		clk.Set(at)
		c, err := a.Clients().Create(ctx, NewClient{Name: name, Phone: "5511987654321", PlanID: plan, Price: price, Due: due, Server: server})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	renew := func(c Client, paidOn, newDue billing.Date) Payment {
		cur, _ := a.Clients().Get(ctx, c.ID)
		p, _, err := a.Clients().Renew(ctx, c.ID, Renewal{ExpectDue: cur.Due, NewDue: newDue, Anchor: newDue.Day, PaidOn: paidOn})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	oct := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	a1 := create(oct, "A1", mensal, 3590, d(2026, 10, 31), "Alpha")
	a2 := create(oct, "A2", anual, 5000, d(2026, 11, 1), "Beta")
	// 01/11 01:00 in São Paulo: a November client.
	create(time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), "A3", mensal, 2000, d(2026, 11, 15), "")
	// 31/10 23:00 in São Paulo (already November in UTC): an October client.
	create(time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC), "A4", mensal, 7000, d(2026, 12, 1), "")

	renew(a1, d(2026, 10, 30), d(2026, 11, 30)) // paid early, in October
	renew(a2, d(2026, 11, 2), d(2027, 11, 1))   // paid late, in November
	undone := renew(a2, d(2026, 11, 3), d(2028, 11, 1))
	if _, err := a.Clients().UndoRenewal(ctx, undone.ID); err != nil {
		t.Fatal(err)
	}

	// Reminders, as the scheduler writes them.
	for _, m := range []struct {
		on     billing.Date
		stage  int
		status MessageStatus
		err    string
	}{
		{d(2026, 11, 30), 0, MsgRead, ""},
		{d(2026, 11, 29), -1, MsgDelivered, ""},
		{d(2026, 11, 29), -1, MsgFailed, "número sem WhatsApp"},
		{d(2026, 11, 1), 1, MsgSent, ""},
		{d(2026, 11, 2), 1, MsgSkipped, "dia já passou"},
		{d(2026, 10, 31), 0, MsgSent, ""},
	} {
		insertReminder(t, s, 1, a1.ID, m.on, m.stage, m.status, m.err)
	}
	return s, a, sp
}

var reminderSeq int

func insertReminder(t *testing.T, s *Store, chat, client int64, on billing.Date, stage int, st MessageStatus, errText string) {
	t.Helper()
	reminderSeq++
	_, err := s.write.Exec(`INSERT INTO messages (reseller_id, client_id, client_name, phone, kind, origin, stage, due_date, send_on,
			status, error, created_at, updated_at) VALUES (?, ?, 'x', '5511987654321', 'lembrete', 'auto', ?, ?, ?, ?, ?, 0, 0)`,
		chat, client, stage, on.AddDays(reminderSeq).ISO(), on.ISO(), st, errText)
	if err != nil {
		t.Fatal(err)
	}
}

func TestFinanceReportAcrossMonthBoundary(t *testing.T) {
	_, a, _ := reportFixture(t)
	ctx := context.Background()
	nov, err := a.Reports().Finance(ctx, d(2026, 11, 1), d(2026, 11, 30))
	if err != nil {
		t.Fatal(err)
	}
	// Received in November: A2's late payment only (A1 paid on 30/10; the
	// undone renewal does not count).
	if nov.Received != 5000 || nov.Payments != 1 {
		t.Fatalf("November received = %d in %d payments", nov.Received, nov.Payments)
	}
	// Expected in November: A2 was due 01/11 and paid (5000); A1 is due
	// 30/11 and A3 15/11, both open (3590 + 2000).
	if nov.ExpectedPaid != 5000 || nov.ExpectedOpen != 5590 || nov.Expected() != 10590 {
		t.Fatalf("November expected = %d paid + %d open", nov.ExpectedPaid, nov.ExpectedOpen)
	}
	if !reflect.DeepEqual(nov.ByPlan, []NamedAmount{{"Anual", 5000, 1}}) || !reflect.DeepEqual(nov.ByServer, []NamedAmount{{"Beta", 5000, 1}}) {
		t.Fatalf("breakdown = %+v / %+v", nov.ByPlan, nov.ByServer)
	}
	oct, _ := a.Reports().Finance(ctx, d(2026, 10, 1), d(2026, 10, 31))
	if oct.Received != 3590 || oct.ExpectedPaid != 3590 || oct.ExpectedOpen != 0 {
		t.Fatalf("October = %+v", oct)
	}
	months, err := a.Reports().Monthly(ctx, []billing.Date{d(2026, 10, 1), d(2026, 11, 1), d(2026, 12, 1)})
	if err != nil {
		t.Fatal(err)
	}
	want := []MonthTotals{{d(2026, 10, 1), 3590, 3590}, {d(2026, 11, 1), 10590, 5000}, {d(2026, 12, 1), 7000, 0}}
	if !reflect.DeepEqual(months, want) {
		t.Fatalf("monthly = %+v, want %+v", months, want)
	}
}

func TestClientsReportTimeZoneAndRetention(t *testing.T) {
	_, a, sp := reportFixture(t)
	c, err := a.Reports().Clients(context.Background(), d(2026, 11, 1), d(2026, 11, 30), d(2026, 11, 28), sp, 10)
	if err != nil {
		t.Fatal(err)
	}
	// New in November (São Paulo): only A3; A4 was registered at 23:00 of 31/10 local.
	// Renewed: A2 (paid 02/11; its undone renewal of 03/11 does not count;
	// A1 paid in October). Lapsed: A3 (due 15/11, before today, not renewed).
	// Churned (overdue > 10 days on 28/11): A3.
	want := ClientsReport{Total: 4, Active: 4, New: 1, Renewed: 1, Lapsed: 1, Churned: 1}
	if c != want {
		t.Fatalf("clients report = %+v, want %+v", c, want)
	}
	if c.Retention() != 50 {
		t.Fatalf("retention = %v", c.Retention())
	}
	if (ClientsReport{}).Retention() != -1 {
		t.Fatal("retention of nothing due")
	}
}

func TestMessagesReport(t *testing.T) {
	_, a, _ := reportFixture(t)
	m, err := a.Reports().Messages(context.Background(), d(2026, 11, 1), d(2026, 11, 30))
	if err != nil {
		t.Fatal(err)
	}
	if m.Planned != 5 || m.Sent != 3 || m.Delivered != 2 || m.Read != 1 || m.Failed != 1 || m.Skipped != 1 {
		t.Fatalf("messages report = %+v", m)
	}
	if !reflect.DeepEqual(m.FailedBy, []NamedAmount{{Name: "número sem WhatsApp", Count: 1}}) {
		t.Fatalf("failed by = %+v", m.FailedBy)
	}
	want := []StageCount{{Stage: -1, Planned: 2, Sent: 1, Delivered: 1, Failed: 1}, {Stage: 0, Planned: 1, Sent: 1, Delivered: 1, Read: 1},
		{Stage: 1, Planned: 2, Sent: 1}}
	if !reflect.DeepEqual(m.ByStage, want) {
		t.Fatalf("by stage = %+v, want %+v", m.ByStage, want)
	}
}

// Reseller A's reports do not move when reseller B's data changes.
func TestReportsAreTenantScoped(t *testing.T) {
	s, a, sp := reportFixture(t)
	ctx := context.Background()
	from, to, today := d(2026, 10, 1), d(2026, 12, 31), d(2026, 11, 28)
	snap := func() (Finance, ClientsReport, MessagesReport, []MonthTotals, int, int) {
		f, _ := a.Reports().Finance(ctx, from, to)
		c, _ := a.Reports().Clients(ctx, from, to, today, sp, 10)
		m, _ := a.Reports().Messages(ctx, from, to)
		mo, _ := a.Reports().Monthly(ctx, []billing.Date{d(2026, 11, 1)})
		np, nm := 0, 0
		_ = a.Reports().EachPayment(ctx, from, to, func(Payment) error { np++; return nil })
		_ = a.Reports().EachMessage(ctx, from, to, sp, func(Message) error { nm++; return nil })
		return f, c, m, mo, np, nm
	}
	f1, c1, m1, mo1, p1, n1 := snap()
	b := register(t, s, 2)
	bc := newClient(t, b, "B1", "5531987654321", d(2026, 11, 10))
	if _, _, err := b.Clients().Renew(ctx, bc.ID, Renewal{ExpectDue: bc.Due, NewDue: d(2026, 12, 10), Anchor: 10, PaidOn: d(2026, 11, 9)}); err != nil {
		t.Fatal(err)
	}
	insertReminder(t, s, 2, bc.ID, d(2026, 11, 8), -2, MsgFailed, "erro do B")
	f2, c2, m2, mo2, p2, n2 := snap()
	if !reflect.DeepEqual(f1, f2) || c1 != c2 || !reflect.DeepEqual(m1, m2) || !reflect.DeepEqual(mo1, mo2) || p1 != p2 || n1 != n2 {
		t.Fatalf("A's reports changed with B's data:\n%+v\n%+v", []any{f1, c1, m1, mo1, p1, n1}, []any{f2, c2, m2, mo2, p2, n2})
	}
	tot, err := s.AdminReportTotals(ctx, d(2026, 11, 1), d(2026, 11, 30))
	if err != nil || tot.Resellers != 2 || tot.Clients != 5 || tot.Received != 5000+3590 || tot.RemindersBad != 2 {
		t.Fatalf("admin totals = %+v, %v", tot, err)
	}
}

// Payments written before migration 0012 get their client's current server
// (the only record there is), "" when the client was deleted already, and
// count for "Renovaram" as before: once per live client, once per payment
// of a client deleted before the upgrade.
func TestUpgradeRecordsTheServerOnOldPayments(t *testing.T) {
	old, upgrade := openOldSchema(t, 12)
	for _, q := range []string{
		`INSERT INTO resellers (chat_id, name, timezone, created_at, last_seen_at) VALUES (1, 'R1', 'America/Sao_Paulo', 0, 0),
			(2, 'R2', 'America/Sao_Paulo', 0, 0)`,
		`INSERT INTO plans (id, reseller_id, name, name_key, months, price, created_at) VALUES (7, 1, 'Mensal', 'mensal', 1, 0, 0),
			(8, 2, 'Mensal', 'mensal', 1, 0, 0)`,
		`INSERT INTO clients (id, reseller_id, name, name_key, phone, plan_id, price, due_date, anchor_day, server, created_at, updated_at)
			VALUES (5, 1, 'Ana', 'ana', '5511987650001', 7, 3590, '2026-12-10', 10, 'Alpha', 0, 0),
			       (6, 1, 'Bia', 'bia', '5511987650002', 7, 2000, '2026-12-12', 12, '', 0, 0),
			       (9, 2, 'Caio', 'caio', '5511987650003', 8, 1000, '2026-12-01', 1, 'Zeta', 0, 0)`,
		// Ana paid twice, Bia once; two payments of clients deleted
		// before the upgrade (client_id NULL); one of reseller 2.
		`INSERT INTO payments (id, reseller_id, client_id, client_name, plan_name, amount, paid_on, prev_due, prev_anchor, new_due, created_at)
			VALUES (1, 1, 5, 'Ana', 'Mensal', 3590, '2026-11-02', '2026-11-10', 10, '2026-12-10', 0),
			       (2, 1, 5, 'Ana', 'Mensal', 3590, '2026-11-03', '2026-12-10', 10, '2027-01-10', 0),
			       (3, 1, 6, 'Bia', 'Mensal', 2000, '2026-11-04', '2026-11-12', 12, '2026-12-12', 0),
			       (4, 1, NULL, 'Gil', 'Mensal', 1500, '2026-11-05', '2026-11-05', 5, '2026-12-05', 0),
			       (10, 1, NULL, 'Gil', 'Mensal', 1500, '2026-11-06', '2026-12-05', 5, '2027-01-05', 0),
			       (11, 2, 9, 'Caio', 'Mensal', 1000, '2026-11-01', '2026-11-01', 1, '2026-12-01', 0)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	ctx := context.Background()
	s, err := upgrade()
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	a := s.Tenant(1)
	fin, err := a.Reports().Finance(ctx, d(2026, 11, 1), d(2026, 11, 30))
	if err != nil {
		t.Fatal(err)
	}
	want := []NamedAmount{{"Alpha", 7180, 2}, {"", 5000, 3}}
	if !reflect.DeepEqual(fin.ByServer, want) || fin.Received != 12180 || fin.Payments != 5 {
		t.Fatalf("after the upgrade: by server %+v (want %+v), received %d in %d", fin.ByServer, want, fin.Received, fin.Payments)
	}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	c, err := a.Reports().Clients(ctx, d(2026, 11, 1), d(2026, 11, 30), d(2026, 11, 28), sp, 30)
	if err != nil || c.Renewed != 4 { // Ana, Bia, and each of the deleted client's two payments
		t.Fatalf("renewed after the upgrade = %d, %v", c.Renewed, err)
	}
	// A client moving server after the upgrade leaves its payments where
	// they were paid.
	beta := "Beta"
	if _, err := a.Clients().Update(ctx, 5, ClientPatch{Server: &beta}); err != nil {
		t.Fatal(err)
	}
	if p, err := a.Payments().Get(ctx, 2); err != nil || p.Server != "Alpha" {
		t.Fatalf("payment 2 = %+v, %v", p, err)
	}
	if p, err := s.Tenant(2).Payments().Get(ctx, 11); err != nil || p.Server != "Zeta" {
		t.Fatalf("reseller 2's payment = %+v, %v", p, err)
	}
}
