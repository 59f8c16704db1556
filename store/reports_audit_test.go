package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/store"
	"renovabot/store/storetest"
)

// The figures below are computed by hand from the table in
// storetest.ReportAudit (today 10/11/2026, churn after 30 days).

func auditStore(t *testing.T) (*store.Store, store.Tenant, *time.Location) {
	t.Helper()
	clk := clock.NewFake(storetest.AuditNow)
	s := storetest.Open(t, clk)
	storetest.ReportAudit(t, s, clk, 1, 2)
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	return s, s.Tenant(1), sp
}

func day(y int, m time.Month, d int) billing.Date { return billing.Date{Year: y, Month: m, Day: d} }

var (
	today  = storetest.AuditToday
	nov    = [2]billing.Date{day(2026, 11, 1), day(2026, 11, 30)}
	days7  = [2]billing.Date{day(2026, 11, 4), today}
	days30 = [2]billing.Date{day(2026, 10, 12), today}
	months = [2]billing.Date{day(2026, 9, 1), day(2026, 11, 30)}
)

// Paused clients are out of collections in every figure: not expected
// ("ainda a receber"), not lapsed ("não renovaram"), not lost
// ("perdidos"), not overdue, not in the month still to receive — in the
// reseller's report, the chart and the admin totals alike.
func TestAuditPausedClientsAreOutOfCollections(t *testing.T) {
	s, a, sp := auditStore(t)
	ctx := context.Background()

	// November: Caio 6000 + Bruno 5000 + Hana 2000 + Ivo 2000 are open;
	// Paulo (paused, 1500, due 25/11) is not.
	fin, err := a.Reports().Finance(ctx, nov[0], nov[1])
	if err != nil {
		t.Fatal(err)
	}
	if fin.ExpectedOpen != 15000 {
		t.Errorf("November still to receive = %d, want 15000", fin.ExpectedOpen)
	}
	// 01/09..30/11: Caio, Bruno, Hana, Ivo, Gil 3500, Nina 3000, Olga 2500;
	// not Edu (paused, 2500, due 20/09) nor Paulo.
	fin, _ = a.Reports().Finance(ctx, months[0], months[1])
	if fin.ExpectedOpen != 24000 {
		t.Errorf("3 months still to receive = %d, want 24000", fin.ExpectedOpen)
	}
	// Lapsed in 01/09..30/11 (due before today, not renewed): Caio, Gil,
	// Nina, Olga — not Edu. Lost (overdue more than 30 days): Gil (40
	// days) — not Edu (51 days, paused).
	c, err := a.Reports().Clients(ctx, months[0], months[1], today, sp, 30)
	if err != nil {
		t.Fatal(err)
	}
	if c.Lapsed != 4 || c.Churned != 1 {
		t.Errorf("3 months: lapsed %d, lost %d; want 4 and 1", c.Lapsed, c.Churned)
	}
	// The lost are a part of today's overdue (Caio, Gil, Nina, Olga:
	// 6000 + 3500 + 3000 + 2500), never more.
	sum, err := a.Clients().Summary(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Overdue != 4 || sum.OverdueAmount != 15000 || sum.Paused != 2 || c.Churned > sum.Overdue {
		t.Errorf("summary %+v, lost %d", sum, c.Churned)
	}
	// Still to receive this month (the lists' header): the same 15000.
	if sum.MonthAmount != 15000 {
		t.Errorf("month still to receive = %d, want 15000", sum.MonthAmount)
	}
	// The chart: September expects nothing (Edu is paused); November
	// 15000 paid (Duda 4000, Fabi 3000, Ana 8000 fell due) + 15000 open.
	mo, err := a.Reports().Monthly(ctx, []billing.Date{day(2026, 9, 1), day(2026, 11, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.MonthTotals{{Month: day(2026, 9, 1)}, {Month: day(2026, 11, 1), Expected: 30000, Received: 23000}}; !reflect.DeepEqual(mo, want) {
		t.Errorf("monthly = %+v, want %+v", mo, want)
	}
	// Admin: a's 15000 + Bela's 1200 (Beto is paused, Bia renewed to 03/12).
	tot, err := s.AdminReportTotals(ctx, nov[0], nov[1])
	if err != nil {
		t.Fatal(err)
	}
	if tot.ExpectedOpen != 16200 || tot.Received != 23000+9900 || tot.Payments != 6 || tot.Clients != 16 {
		t.Errorf("admin totals = %+v", tot)
	}
}

// "Renovaram" counts the clients who paid in the period, a client deleted
// since included (once, however many times it paid), like "Recebido"
// counts their money; retention follows.
func TestAuditRenewedCountsWhatWasPaid(t *testing.T) {
	_, a, sp := auditStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name              string
		w                 [2]billing.Date
		received          int64
		payments          int
		renewed, lapsed   int
		retention         int64
		newClients, total int
	}{
		// Duda 4000, Bruno 5000, Fabi 3000 + 3000, Ana 8000; Caio undone.
		// Lapsed: Caio. New: Ivo (Hana is October's, local time).
		{"november", nov, 23000, 5, 4, 1, 80, 1, 13},
		// Fabi twice and Ana: 14000 from 2 clients. Lapsed: Caio.
		{"7 days", days7, 14000, 3, 2, 1, 67, 0, 13},
		// Mia 26000 + November. Lapsed: Caio, Nina, Olga. 5 / 8 = 62.5%.
		// New: Hana (31/10) and Ivo.
		{"30 days", days30, 49000, 6, 5, 3, 63, 2, 13},
		// Lia 20000 + the 30 days. Lapsed: Caio, Gil, Nina, Olga. New:
		// all 13 (Fabi, deleted, is not a client any more).
		{"3 months", months, 69000, 7, 6, 4, 60, 13, 13},
	} {
		fin, err := a.Reports().Finance(ctx, tc.w[0], tc.w[1])
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Reports().Clients(ctx, tc.w[0], tc.w[1], today, sp, 30)
		if err != nil {
			t.Fatal(err)
		}
		if fin.Received != tc.received || fin.Payments != tc.payments || c.Renewed != tc.renewed || c.Lapsed != tc.lapsed ||
			c.Retention() != tc.retention || c.New != tc.newClients || c.Total != tc.total || c.Active != 11 {
			t.Errorf("%s: received %d in %d payments, clients %+v retention %d; want %d in %d, renewed %d, lapsed %d, retention %d, new %d",
				tc.name, fin.Received, fin.Payments, c, c.Retention(), tc.received, tc.payments, tc.renewed, tc.lapsed, tc.retention, tc.newClients)
		}
	}
}

// "Por servidor" groups payments by the server recorded on each payment,
// as "por plano" by the plan: Ana paid on Alpha and moved to Beta after;
// Fabi paid on Gamma and was deleted.
func TestAuditByServerUsesTheServerOfThePayment(t *testing.T) {
	_, a, _ := auditStore(t)
	ctx := context.Background()
	fin, err := a.Reports().Finance(ctx, nov[0], nov[1])
	if err != nil {
		t.Fatal(err)
	}
	want := []store.NamedAmount{{Name: "Alpha", Amount: 8000, Count: 1}, {Name: "Gamma", Amount: 6000, Count: 2},
		{Name: "Beta", Amount: 5000, Count: 1}, {Name: "", Amount: 4000, Count: 1}}
	if !reflect.DeepEqual(fin.ByServer, want) {
		t.Errorf("by server = %+v, want %+v", fin.ByServer, want)
	}
	if want := []store.NamedAmount{{Name: "Mensal", Amount: 23000, Count: 5}}; !reflect.DeepEqual(fin.ByPlan, want) {
		t.Errorf("by plan = %+v", fin.ByPlan)
	}
	var servers []string
	if err := a.Reports().EachPayment(ctx, nov[0], nov[1], func(p store.Payment) error {
		servers = append(servers, p.ClientName+"@"+p.Server)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Duda@", "Bruno@Beta", "Caio@Alpha", "Fabi@Gamma", "Fabi@Gamma", "Ana@Alpha"}; !reflect.DeepEqual(servers, want) {
		t.Errorf("payments' servers = %v, want %v", servers, want)
	}
}
