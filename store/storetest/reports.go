package storetest

import (
	"context"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/store"
)

// AuditToday is "today" of the report audit dataset: Tuesday 10/11/2026,
// noon in São Paulo. AuditNow is that instant.
var (
	AuditToday = billing.Date{Year: 2026, Month: time.November, Day: 10}
	AuditNow   = time.Date(2026, 11, 10, 15, 0, 0, 0, time.UTC)
)

// Audit is what ReportAudit built: the client ids by name, for tests that
// look at one of them.
type Audit struct {
	A, B    int64 // the two resellers
	Clients map[string]int64
}

// ReportAudit writes the dataset issue 13's report audit checked every
// figure against, through the store's own API, for resellers a and b (both
// registered here, São Paulo, unlimited access). clk is set to each
// moment a row is written and left at AuditNow. Every figure the tests
// expect is computed by hand from this table (today 10/11/2026, prices in
// centavos, "paid" is paid_on, ↻ a renewal):
//
//	client       plan       price  server  due now     history
//	Ana          Mensal      8000  Beta    12/12/2026  ↻ paid 09/11 (early: due 12/11) on server Alpha, moved to Beta after
//	Bruno        Mensal      5000  Beta    20/11/2026  ↻ paid 03/11 (late: due 20/10)
//	Caio         Mensal      6000  Alpha   05/11/2026  ↻ paid 05/11 for 6000, undone
//	Duda         Mensal      4500  -       01/12/2026  ↻ paid 01/11 at 4000; price raised to 4500 after
//	Edu          Mensal      2500  Alpha   20/09/2026  paused, overdue 51 days
//	Fabi         Mensal      3000  Gamma   (deleted)   ↻ paid 06/11 (due 06/11) and ↻ paid 08/11 (due 06/12), then deleted
//	Gil          Mensal      3500  Beta    01/10/2026  overdue 40 days: lost
//	Hana         Mensal      2000  -       15/11/2026  registered 31/10 23:30 local (02:30 UTC of 01/11)
//	Ivo          Mensal      2000  -       10/11/2026  registered 01/11 00:10 local; due today
//	Lia          Anual      20000  Alpha   05/10/2027  ↻ paid 05/10 (due 05/10)
//	Mia          Semestral  26000  Beta    20/04/2027  ↻ paid 20/10 (due 20/10)
//	Nina         Mensal      3000  -       15/10/2026  overdue 26 days
//	Olga         Mensal      2500  -       25/10/2026  overdue 16 days
//	Paulo        Mensal      1500  -       25/11/2026  paused, due later this month
//
// Every client but Hana and Ivo was registered 01/10/2026. Reseller b has
// Bia (Mensal 9900, Alpha, ↻ paid 03/11 for due 03/11), Beto (paused, 1000,
// due 01/10) and Bela (1200, due 07/11, not paid): none of it may show in
// a's figures.
func ReportAudit(t testing.TB, s *store.Store, clk *clock.Fake, a, b int64) Audit {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("report audit: %v", err)
		}
	}
	sp, err := time.LoadLocation("America/Sao_Paulo")
	must(err)
	at := func(y int, m time.Month, d, h, min int) { clk.Set(time.Date(y, m, d, h, min, 0, 0, sp)) }
	day := func(y int, m time.Month, d int) billing.Date { return billing.Date{Year: y, Month: m, Day: d} }
	out := Audit{A: a, B: b, Clients: map[string]int64{}}

	plans := map[int64]map[string]int64{}
	for _, chat := range []int64{a, b} {
		at(2026, time.September, 1, 12, 0)
		_, _, err := s.Tenant(chat).Account().Register(ctx, "Revenda auditada", "", "America/Sao_Paulo")
		must(err)
		plans[chat] = map[string]int64{}
		for _, name := range []string{"Mensal", "Semestral", "Anual"} {
			p, err := s.Tenant(chat).Plans().FindByName(ctx, name)
			must(err)
			plans[chat][name] = p.ID
		}
	}
	phone := 0
	create := func(chat int64, name, plan string, price int64, due billing.Date, server string) {
		t.Helper()
		phone++
		c, err := s.Tenant(chat).Clients().Create(ctx, store.NewClient{Name: name, Phone: "55119876500" + twoDigits(phone),
			PlanID: plans[chat][plan], Price: price, Due: due, Server: server})
		must(err)
		out.Clients[name] = c.ID
	}
	renew := func(chat int64, name string, paidOn, newDue billing.Date) store.Payment {
		t.Helper()
		at(paidOn.Year, paidOn.Month, paidOn.Day, 10, 0)
		tn := s.Tenant(chat)
		c, err := tn.Clients().Get(ctx, out.Clients[name])
		must(err)
		p, _, err := tn.Clients().Renew(ctx, c.ID, store.Renewal{ExpectDue: c.Due, NewDue: newDue, Anchor: newDue.Day, PaidOn: paidOn})
		must(err)
		return p
	}
	patch := func(chat int64, name string, p store.ClientPatch) {
		t.Helper()
		_, err := s.Tenant(chat).Clients().Update(ctx, out.Clients[name], p)
		must(err)
	}
	yes := true

	at(2026, time.October, 1, 12, 0)
	create(a, "Ana", "Mensal", 8000, day(2026, 11, 12), "Alpha")
	create(a, "Bruno", "Mensal", 5000, day(2026, 10, 20), "Beta")
	create(a, "Caio", "Mensal", 6000, day(2026, 11, 5), "Alpha")
	create(a, "Duda", "Mensal", 4000, day(2026, 11, 1), "")
	create(a, "Edu", "Mensal", 2500, day(2026, 9, 20), "Alpha")
	create(a, "Fabi", "Mensal", 3000, day(2026, 11, 6), "Gamma")
	create(a, "Gil", "Mensal", 3500, day(2026, 10, 1), "Beta")
	create(a, "Lia", "Anual", 20000, day(2026, 10, 5), "Alpha")
	create(a, "Mia", "Semestral", 26000, day(2026, 10, 20), "Beta")
	create(a, "Nina", "Mensal", 3000, day(2026, 10, 15), "")
	create(a, "Olga", "Mensal", 2500, day(2026, 10, 25), "")
	create(a, "Paulo", "Mensal", 1500, day(2026, 11, 25), "")
	create(b, "Bia", "Mensal", 9900, day(2026, 11, 3), "Alpha")
	create(b, "Beto", "Mensal", 1000, day(2026, 10, 1), "")
	create(b, "Bela", "Mensal", 1200, day(2026, 11, 7), "")
	patch(a, "Edu", store.ClientPatch{Paused: &yes})
	patch(a, "Paulo", store.ClientPatch{Paused: &yes})
	patch(b, "Beto", store.ClientPatch{Paused: &yes})
	// Local-midnight edges: 23:30 of 31/10 is October in São Paulo (and
	// November in UTC); 00:10 of 01/11 is November.
	at(2026, time.October, 31, 23, 30)
	create(a, "Hana", "Mensal", 2000, day(2026, 11, 15), "")
	at(2026, time.November, 1, 0, 10)
	create(a, "Ivo", "Mensal", 2000, day(2026, 11, 10), "")

	renew(a, "Lia", day(2026, 10, 5), day(2027, 10, 5))
	renew(a, "Mia", day(2026, 10, 20), day(2027, 4, 20))
	renew(a, "Duda", day(2026, 11, 1), day(2026, 12, 1))
	price := int64(4500)
	patch(a, "Duda", store.ClientPatch{Price: &price})
	renew(a, "Bruno", day(2026, 11, 3), day(2026, 11, 20))
	renew(b, "Bia", day(2026, 11, 3), day(2026, 12, 3))
	undone := renew(a, "Caio", day(2026, 11, 5), day(2026, 12, 5))
	_, err = s.Tenant(a).Clients().UndoRenewal(ctx, undone.ID)
	must(err)
	renew(a, "Fabi", day(2026, 11, 6), day(2026, 12, 6))
	renew(a, "Fabi", day(2026, 11, 8), day(2027, 1, 6))
	must(s.Tenant(a).Clients().Delete(ctx, out.Clients["Fabi"]))
	renew(a, "Ana", day(2026, 11, 9), day(2026, 12, 12))
	beta := "Beta"
	patch(a, "Ana", store.ClientPatch{Server: &beta})

	clk.Set(AuditNow)
	return out
}

func twoDigits(n int) string { return string(rune('0'+n/10%10)) + string(rune('0'+n%10)) }
