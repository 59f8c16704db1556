package store

import (
	"context"
	"strings"
	"testing"

	"renovabot/billing"
	"renovabot/msgtemplate"
)

// The outbox goes most urgent first whatever the planning order: the
// largest stage first (overdue), then due today, then before the due date
// (the nearest first), by id within a stage; the cursor walks that order
// and SQLite walks it on the urgency index.
func TestNextOutboxMostUrgentFirst(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	names := map[int64]string{}
	for _, c := range []struct {
		name string
		due  int
	}{{"Antes3", 3}, {"Antes1", 1}, {"Hoje", 0}, {"Depois1", -1}, {"Depois2", -2}, {"Hoje2", 0}} {
		cl := newClient(t, a, c.name, "55119000000"+string(rune('0'+len(names))), today.AddDays(c.due))
		names[cl.ID] = c.name
	}
	newClient(t, b, "De B", "5511900000099", today.AddDays(2))
	planToday(t, a, today, DefaultStages([]int{-3, -1, 0, 1, 2}))
	planToday(t, b, today, DefaultStages([]int{-3, -1, 0, 1, 2}))
	var got []string
	var after int64
	for {
		m, ok, err := a.Reminders().NextOutbox(ctx, clk.Now(), after)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, names[m.ClientID])
		after = m.ID
	}
	if want := "Depois2 Depois1 Hoje Hoje2 Antes1 Antes3"; strings.Join(got, " ") != want {
		t.Fatalf("outbox order %q, want %q", strings.Join(got, " "), want)
	}
	if s.d.name() != "sqlite" {
		return // the plan below is SQLite's (PostgreSQL's: BenchmarkDispatch)
	}
	var plan []string
	rows, err := s.read.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT id FROM messages
		WHERE status IN ('pending', 'sending') AND reseller_id = ?1 AND origin = 'auto'
			AND (next_try_at IS NULL OR next_try_at <= ?2)
			AND -stage >= (SELECT -stage FROM messages WHERE id = ?3)
			AND (-stage > (SELECT -stage FROM messages WHERE id = ?3) OR id > ?3)
		ORDER BY -stage, id LIMIT 1`, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "messages_outbox_urgency (reseller_id=? AND <expr>>?)") || strings.Contains(p, "TEMP B-TREE") {
		t.Fatalf("the outbox query does not seek on the urgency index: %s", p)
	}
}

// A message's second part (the Pix code alone) is logged with the first,
// found by its own id when a phone asks for it again, and only by the
// reseller who sent it.
func TestFollowPartLoggedAndFoundByItsID(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	c := newClient(t, a, "Ana", "5511900000001", d(2026, 11, 30))
	m, err := a.Messages().Log(ctx, NewMessage{ClientID: c.ID, ClientName: c.Name, Phone: c.Phone, Kind: "cobranca", Origin: OriginManual,
		Status: MsgSent, WAID: "3EB0TEXT", Body: "Segue a cobrança 👇", FollowWAID: "3EB0CODE", FollowBody: "00020126codigo"})
	if err != nil || m.FollowWAID != "3EB0CODE" || m.FollowBody != "00020126codigo" || m.Body != "Segue a cobrança 👇" {
		t.Fatalf("logged %+v, %v", m, err)
	}
	for id, want := range map[string]string{"3EB0TEXT": "Segue a cobrança 👇", "3EB0CODE": "00020126codigo"} {
		phone, body, ok, err := a.Messages().SentText(ctx, id)
		if err != nil || !ok || phone != c.Phone || body != want {
			t.Errorf("SentText(%s) = %q %q %v %v", id, phone, body, ok, err)
		}
		if _, _, ok, _ := b.Messages().SentText(ctx, id); ok {
			t.Errorf("B found A's message %s", id)
		}
	}
	// A receipt of the code's id does not move the message's status.
	if err := a.Messages().Receipt(ctx, "3EB0CODE", MsgRead); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Messages().Get(ctx, m.ID); got.Status != MsgSent {
		t.Fatalf("status after the code's receipt = %s", got.Status)
	}
}

// The day report counts every skipped reminder by reason and stage, not
// only the listed ones, for the tenant only.
func TestDayReportSkippedWhy(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	for i := range 5 {
		newClient(t, a, "A", "551190000001"+string(rune('0'+i)), today.AddDays(2))
	}
	newClient(t, a, "Hoje", "5511900000020", today)
	newClient(t, b, "B", "5511900000030", today.AddDays(2))
	planToday(t, a, today, DefaultStages([]int{-2, 0}))
	planToday(t, b, today, DefaultStages([]int{-2, 0}))
	if n, err := a.Reminders().SkipOpen(ctx, today, "limite"); err != nil || n != 6 {
		t.Fatalf("skipped %d, %v", n, err)
	}
	if _, err := b.Reminders().SkipOpen(ctx, today, "limite"); err != nil {
		t.Fatal(err)
	}
	rep, err := a.Reminders().Day(ctx, today, 2)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped != 6 || len(rep.SkippedList) != 2 || len(rep.SkippedWhy) != 2 ||
		rep.SkippedWhy[0] != (SkipGroup{Reason: "limite", Stage: -2, Count: 5}) || rep.SkippedWhy[1] != (SkipGroup{Reason: "limite", Stage: 0, Count: 1}) {
		t.Fatalf("day report = %+v", rep)
	}
}

// The template preview's client: the nearest due date within a range (a
// zero bound is open), from the tenant's own clients only.
func TestNearestDue(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	newClient(t, a, "Vencido", "5511900000001", today.AddDays(-10))
	newClient(t, a, "Hoje", "5511900000002", today)
	newClient(t, a, "Cinco", "5511900000003", today.AddDays(5))
	newClient(t, b, "De B", "5511900000004", today.AddDays(2))
	var open billing.Date
	for _, tc := range []struct {
		near     int
		from, to billing.Date
		want     string
	}{
		{2, today.AddDays(1), open, "Cinco"},
		{-1, open, today.AddDays(-1), "Vencido"},
		{0, today, today, "Hoje"},
		{2, open, open, "Hoje"}, // B's client is nearer, but B's
		{2, today.AddDays(6), open, ""},
	} {
		c, ok, err := a.Clients().NearestDue(ctx, today.AddDays(tc.near), tc.from, tc.to)
		if err != nil || ok != (tc.want != "") || c.Name != tc.want {
			t.Errorf("near %d in %v..%v = %q %v %v, want %q", tc.near, tc.from, tc.to, c.Name, ok, err, tc.want)
		}
	}
}

// The default reminder texts changed (issue 13): a reseller's copy still
// equal to the old default becomes the new default; a text they wrote is
// left alone.
func TestMigrationUpdatesUntouchedDefaultTexts(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	old := map[msgtemplate.Kind]string{
		msgtemplate.KindBeforeDue: strings.Replace(msgtemplate.DefaultText(msgtemplate.KindBeforeDue), "*{plano}* {quando_vence}, no dia", "*{plano}* vence {dias}, no dia", 1),
		msgtemplate.KindDueToday:  strings.Replace(msgtemplate.DefaultText(msgtemplate.KindDueToday), "*{plano}* {quando_vence} (", "*{plano}* vence *hoje* (", 1),
		msgtemplate.KindOverdue:   strings.Replace(msgtemplate.DefaultText(msgtemplate.KindOverdue), "*{plano}* {quando_vence} (", "*{plano}* venceu {dias} (", 1),
	}
	custom := "Oi {primeiro_nome}, vence {dias}."
	for k, text := range old {
		if text == msgtemplate.DefaultText(k) {
			t.Fatalf("the old %s text was not derived", k)
		}
		if err := a.Templates().Save(ctx, k, text); err != nil {
			t.Fatal(err)
		}
		if err := b.Templates().Save(ctx, k, custom); err != nil {
			t.Fatal(err)
		}
	}
	// Back to before migration 0015, then migrate.
	for _, q := range []string{`DROP INDEX messages_by_follow_wa_id`, `DROP INDEX messages_outbox_urgency`,
		`CREATE INDEX messages_outbox ON messages (status, reseller_id, id) WHERE status IN ('pending', 'sending')`,
		`ALTER TABLE messages DROP COLUMN follow_wa_id`, `ALTER TABLE messages DROP COLUMN follow_body`,
		`DELETE FROM schema_migrations WHERE version = 15`} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	if err := s.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for k := range old {
		if tp, err := a.Templates().Get(ctx, k); err != nil || !tp.Default || tp.Body != msgtemplate.DefaultText(k) {
			t.Errorf("A's untouched %s = %+v, %v", k, tp, err)
		}
		if tp, err := b.Templates().Get(ctx, k); err != nil || tp.Default || tp.Body != custom {
			t.Errorf("B's own %s = %+v, %v", k, tp, err)
		}
	}
}
