package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"renovabot/billing"
)

func d(y, m, day int) billing.Date { return billing.Date{Year: y, Month: time.Month(m), Day: day} }

func register(t *testing.T, s *Store, chatID int64) Tenant {
	t.Helper()
	tn := s.Tenant(chatID)
	if _, _, err := tn.Account().Register(context.Background(), fmt.Sprint("R", chatID), "", "America/Sao_Paulo"); err != nil {
		t.Fatal(err)
	}
	return tn
}

func planNamed(t *testing.T, tn Tenant, name string) Plan {
	t.Helper()
	p, err := tn.Plans().FindByName(context.Background(), name)
	if err != nil {
		t.Fatalf("plan %q: %v", name, err)
	}
	return p
}

func newClient(t *testing.T, tn Tenant, name, phone string, due billing.Date) Client {
	t.Helper()
	c, err := tn.Clients().Create(context.Background(), NewClient{
		Name: name, Phone: phone, PlanID: planNamed(t, tn, "Mensal").ID, Price: 3590, Due: due, Server: "Alpha", Notes: "MAC 00:11",
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultPlansPerReseller(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	pa, err := a.Plans().List(ctx)
	if err != nil || len(pa) != 5 || pa[0].Name != "Mensal" || pa[0].Months != 1 || pa[4].Name != "Anual" || pa[4].Months != 12 {
		t.Fatalf("A's plans = %+v, %v", pa, err)
	}
	pb, _ := b.Plans().List(ctx)
	for i := range pa {
		if pa[i].ID == pb[i].ID {
			t.Fatal("resellers share plan rows")
		}
	}
}

func TestPlansCRUDAndIsolation(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	p, err := a.Plans().Add(ctx, "Quinzenal Premium", 1, 2500)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Plans().Add(ctx, "quinzenal PRÊMIUM", 2, 0); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate ignoring case/accents: %v", err)
	}
	// B may use the same name: names are unique per reseller.
	if _, err := b.Plans().Add(ctx, "Quinzenal Premium", 1, 0); err != nil {
		t.Fatalf("B cannot reuse A's plan name: %v", err)
	}
	// B cannot read, rename, price or remove A's plan.
	if _, err := b.Plans().Get(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B Get = %v", err)
	}
	for name, err := range map[string]error{
		"rename": b.Plans().Rename(ctx, p.ID, "X"),
		"price":  b.Plans().SetPrice(ctx, p.ID, 1),
		"months": b.Plans().SetMonths(ctx, p.ID, 3),
		"remove": b.Plans().Remove(ctx, p.ID),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("B %s A's plan = %v", name, err)
		}
	}
	got, _ := a.Plans().Get(ctx, p.ID)
	if got != (Plan{ID: p.ID, Name: "Quinzenal Premium", Months: 1, Price: 2500}) {
		t.Fatalf("A's plan changed: %+v", got)
	}
	if err := a.Plans().Rename(ctx, p.ID, "Mensal"); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("rename onto existing = %v", err)
	}
	if err := a.Plans().Rename(ctx, p.ID, "Quinzenal"); err != nil {
		t.Fatal(err)
	}
	if err := a.Plans().SetPrice(ctx, p.ID, 3000); err != nil {
		t.Fatal(err)
	}
	if err := a.Plans().SetMonths(ctx, p.ID, 2); err != nil {
		t.Fatal(err)
	}
	got, _ = a.Plans().Get(ctx, p.ID)
	if got.Name != "Quinzenal" || got.Price != 3000 || got.Months != 2 {
		t.Fatalf("after edits: %+v", got)
	}
	// A plan in use cannot be removed.
	if _, err := a.Clients().Create(ctx, NewClient{Name: "C", Phone: "5511987654321", PlanID: p.ID, Price: 100, Due: d(2026, 12, 1)}); err != nil {
		t.Fatal(err)
	}
	var inUse *InUseError
	if err := a.Plans().Remove(ctx, p.ID); !errors.As(err, &inUse) || inUse.Clients != 1 {
		t.Fatalf("remove in-use plan = %v", err)
	}
	list, _ := a.Plans().List(ctx)
	for _, pl := range list {
		if pl.ID == p.ID && pl.Clients != 1 {
			t.Fatalf("plan client count = %d", pl.Clients)
		}
	}
	mensal := planNamed(t, a, "Mensal")
	if err := a.Plans().Remove(ctx, mensal.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Plans().Get(ctx, mensal.ID); !errors.Is(err, ErrNotFound) {
		t.Fatal("removed plan still there")
	}
}

func TestServersCRUDAndIsolation(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	sv, err := a.Servers().Add(ctx, "Alpha")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Servers().Add(ctx, "ALPHA"); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("dup server = %v", err)
	}
	newClient(t, a, "Ana", "5511987654321", d(2026, 12, 1))       // server "Alpha"
	bc := newClient(t, b, "Bia", "5511987654322", d(2026, 12, 1)) // B's client also on "Alpha"
	if _, err := b.Servers().Get(ctx, sv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B Get = %v", err)
	}
	if err := b.Servers().Rename(ctx, sv.ID, "Beta"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B rename = %v", err)
	}
	if err := b.Servers().Remove(ctx, sv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B remove = %v", err)
	}
	list, _ := a.Servers().List(ctx)
	if len(list) != 1 || list[0].Clients != 1 {
		t.Fatalf("A's servers = %+v", list)
	}
	// Renaming renames A's clients, never B's client with the same text.
	if err := a.Servers().Rename(ctx, sv.ID, "Gamma"); err != nil {
		t.Fatal(err)
	}
	ac, _, _ := a.Clients().List(ctx, FilterAll, d(2026, 11, 28), 0, 10)
	if ac[0].Server != "Gamma" {
		t.Fatalf("A's client server = %q", ac[0].Server)
	}
	bcNow, _ := b.Clients().Get(ctx, bc.ID)
	if bcNow.Server != "Alpha" {
		t.Fatalf("A's rename changed B's client: %q", bcNow.Server)
	}
	// A server clients use stays: removing it is refused until none does.
	var inUse *InUseError
	if err := a.Servers().Remove(ctx, sv.ID); !errors.As(err, &inUse) || inUse.Clients != 1 {
		t.Fatalf("remove a server in use = %v", err)
	}
	noServer := ""
	if _, err := a.Clients().Update(ctx, ac[0].ID, ClientPatch{Server: &noServer}); err != nil {
		t.Fatal(err)
	}
	if err := a.Servers().Remove(ctx, sv.ID); err != nil {
		t.Fatal(err)
	}
}

func TestClientLifecycle(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a := register(t, s, 1)
	c := newClient(t, a, "  João da Silva ", "5511987654321", d(2027, 1, 31))
	if c.Name != "João da Silva" || c.PlanName != "Mensal" || c.PlanMonths != 1 || c.AnchorDay != 31 || c.Price != 3590 ||
		c.Server != "Alpha" || c.Notes != "MAC 00:11" || c.Paused {
		t.Fatalf("created = %+v", c)
	}
	name, price, paused := "João Silva", int64(4000), true
	due := d(2027, 2, 15)
	u, err := a.Clients().Update(ctx, c.ID, ClientPatch{Name: &name, Price: &price, Due: &due, Paused: &paused})
	if err != nil || u.Name != name || u.Price != 4000 || u.Due != due || u.AnchorDay != 15 || !u.Paused {
		t.Fatalf("updated = %+v, %v", u, err)
	}
	tri := planNamed(t, a, "Trimestral").ID
	u, err = a.Clients().Update(ctx, c.ID, ClientPatch{PlanID: &tri})
	if err != nil || u.PlanName != "Trimestral" || u.PlanMonths != 3 {
		t.Fatalf("plan change = %+v, %v", u, err)
	}
	if err := a.Clients().Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Clients().Get(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// Every client operation of reseller B on reseller A's ids finds nothing
// and changes nothing.
func TestClientOperationsAreTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	ac := newClient(t, a, "Ana", "5511987654321", d(2026, 12, 10))
	newClient(t, b, "Bruno", "5511911112222", d(2026, 12, 10))
	today := d(2026, 11, 28)
	aPlan := planNamed(t, a, "Anual").ID

	if _, err := b.Clients().Get(ctx, ac.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B Get A's client = %v", err)
	}
	name := "Hacked"
	if _, err := b.Clients().Update(ctx, ac.ID, ClientPatch{Name: &name}); !errors.Is(err, ErrNotFound) {
		t.Errorf("B Update A's client = %v", err)
	}
	if err := b.Clients().Delete(ctx, ac.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B Delete A's client = %v", err)
	}
	if _, _, err := b.Clients().Renew(ctx, ac.ID, Renewal{ExpectDue: ac.Due, NewDue: d(2027, 1, 10), Anchor: 10, PaidOn: today}); !errors.Is(err, ErrNotFound) {
		t.Errorf("B Renew A's client = %v", err)
	}
	// B cannot attach A's plan to its own clients, even by id.
	if _, err := b.Clients().Create(ctx, NewClient{Name: "X", Phone: "5511900000000", PlanID: aPlan, Price: 1, Due: today}); !errors.Is(err, ErrNotFound) {
		t.Errorf("B Create with A's plan = %v", err)
	}
	bList, _, _ := b.Clients().List(ctx, FilterAll, today, 0, 100)
	if _, err := b.Clients().Update(ctx, bList[0].ID, ClientPatch{PlanID: &aPlan}); !errors.Is(err, ErrNotFound) {
		t.Errorf("B Update to A's plan = %v", err)
	}
	// Lists, search, summary, duplicates and export only show B's rows.
	for _, f := range []Filter{FilterAll, FilterOverdue, FilterToday, FilterNext7, FilterPaused} {
		list, total, err := b.Clients().List(ctx, f, today, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			if c.Name != "Bruno" {
				t.Errorf("B's %s list shows %q", f, c.Name)
			}
		}
		if total > 1 {
			t.Errorf("B's %s total = %d", f, total)
		}
	}
	if list, total, _ := b.Clients().Search(ctx, "ana", 0, 10); len(list) != 0 || total != 0 {
		t.Errorf("B's search finds A's client: %+v", list)
	}
	if list, _, _ := b.Clients().Search(ctx, "98765", 0, 10); len(list) != 0 {
		t.Errorf("B's phone search finds A's client: %+v", list)
	}
	if same, _ := b.Clients().WithPhone(ctx, ac.Phone, 0); len(same) != 0 {
		t.Errorf("B's duplicate-phone check names A's client: %+v", same)
	}
	sum, _ := b.Clients().Summary(ctx, today)
	if sum.Total != 1 {
		t.Errorf("B's summary counts %d clients", sum.Total)
	}
	n := 0
	_ = b.Clients().Each(ctx, func(c Client) error { n++; return nil })
	if n != 1 {
		t.Errorf("B's export has %d rows", n)
	}
	// A is untouched.
	got, _ := a.Clients().Get(ctx, ac.ID)
	if got.Name != "Ana" || got.Due != ac.Due || got.PlanName != "Mensal" {
		t.Fatalf("A's client changed: %+v", got)
	}
}

func TestRenewAndUndo(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	c := newClient(t, a, "Ana", "5511987654321", d(2027, 1, 31))
	today := d(2027, 1, 30)

	// 31/01 -> 28/02 -> 31/03: anchored, no drift.
	next := billing.AddMonthsAnchored(c.Due, 1, c.AnchorDay)
	pay, c2, err := a.Clients().Renew(ctx, c.ID, Renewal{ExpectDue: c.Due, NewDue: next, Anchor: c.AnchorDay, PaidOn: today})
	if err != nil || c2.Due != d(2027, 2, 28) || c2.AnchorDay != 31 {
		t.Fatalf("first renewal = %+v, %v", c2, err)
	}
	if pay.Amount != 3590 || pay.ClientName != "Ana" || pay.PlanName != "Mensal" || pay.PaidOn != today ||
		pay.PrevDue != d(2027, 1, 31) || pay.NewDue != d(2027, 2, 28) || pay.Undone {
		t.Fatalf("payment = %+v", pay)
	}
	// The same button again (stale expected due date) does nothing.
	if _, _, err := a.Clients().Renew(ctx, c.ID, Renewal{ExpectDue: c.Due, NewDue: next, Anchor: 31, PaidOn: today}); !errors.Is(err, ErrConflict) {
		t.Fatalf("double renewal = %v", err)
	}
	pay2, c3, err := a.Clients().Renew(ctx, c.ID, Renewal{ExpectDue: c2.Due, NewDue: billing.AddMonthsAnchored(c2.Due, 1, c2.AnchorDay), Anchor: 31, PaidOn: today})
	if err != nil || c3.Due != d(2027, 3, 31) {
		t.Fatalf("second renewal = %+v, %v", c3, err)
	}
	// Undoing the older renewal conflicts; another reseller cannot undo at all.
	if _, err := a.Clients().UndoRenewal(ctx, pay.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("undo of an older renewal = %v", err)
	}
	if _, err := b.Clients().UndoRenewal(ctx, pay2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B undo A's payment = %v", err)
	}
	if _, err := b.Payments().Get(ctx, pay2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B reads A's payment = %v", err)
	}
	c4, err := a.Clients().UndoRenewal(ctx, pay2.ID)
	if err != nil || c4.Due != d(2027, 2, 28) || c4.AnchorDay != 31 {
		t.Fatalf("undo = %+v, %v", c4, err)
	}
	if _, err := a.Clients().UndoRenewal(ctx, pay2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second undo = %v", err)
	}
	got, _ := a.Payments().Get(ctx, pay2.ID)
	if !got.Undone {
		t.Fatal("undone payment not marked")
	}
	hist, _ := a.Payments().ForClient(ctx, c.ID, 10)
	if len(hist) != 2 || hist[0].ID != pay2.ID {
		t.Fatalf("history = %+v", hist)
	}
	// Deleting the client keeps the ledger row, with the name.
	if err := a.Clients().Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	kept, err := a.Payments().Get(ctx, pay.ID)
	if err != nil || kept.ClientID != 0 || kept.ClientName != "Ana" {
		t.Fatalf("ledger after delete = %+v, %v", kept, err)
	}
}

// The list filters agree with the one status function.
func TestFiltersAgreeWithStatus(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a := register(t, s, 1)
	today := d(2026, 12, 30)
	for i := -10; i <= 10; i++ {
		c := newClient(t, a, fmt.Sprint("C", i), "5511987654321", today.AddDays(i))
		if i%4 == 0 {
			p := true
			if _, err := a.Clients().Update(ctx, c.ID, ClientPatch{Paused: &p}); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[Filter]func(c Client) bool{
		FilterAll:     func(Client) bool { return true },
		FilterOverdue: func(c Client) bool { return c.Status(today) == billing.StatusOverdue },
		FilterToday:   func(c Client) bool { return c.Status(today) == billing.StatusDueToday },
		FilterNext7: func(c Client) bool {
			st := c.Status(today)
			return (st == billing.StatusDueSoon || st == billing.StatusOK) && today.DaysUntil(c.Due) <= 7
		},
		FilterPaused: func(c Client) bool { return c.Status(today) == billing.StatusPaused },
	}
	all, _, _ := a.Clients().List(ctx, FilterAll, today, 0, 100)
	for f, pred := range want {
		list, total, err := a.Clients().List(ctx, f, today, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range all {
			if pred(c) {
				n++
			}
		}
		if total != n || len(list) != n {
			t.Errorf("%s: total %d, listed %d, want %d", f, total, len(list), n)
		}
		for i, c := range list {
			if !pred(c) {
				t.Errorf("%s lists %s (status %v)", f, c.Name, c.Status(today))
			}
			if i > 0 && list[i-1].Due.After(c.Due) {
				t.Errorf("%s not sorted by due date", f)
			}
		}
	}
	sum, _ := a.Clients().Summary(ctx, today)
	counts := map[billing.Status]int{}
	var overdueAmt int64
	for _, c := range all {
		counts[c.Status(today)]++
		if c.Status(today) == billing.StatusOverdue {
			overdueAmt += c.Price
		}
	}
	if sum.Total != len(all) || sum.Overdue != counts[billing.StatusOverdue] || sum.DueToday != counts[billing.StatusDueToday] ||
		sum.DueSoon != counts[billing.StatusDueSoon] || sum.OK != counts[billing.StatusOK] || sum.Paused != counts[billing.StatusPaused] ||
		sum.OverdueAmount != overdueAmt {
		t.Fatalf("summary %+v disagrees with statuses %v (overdue amount %d)", sum, counts, overdueAmt)
	}
	// Month: due dates 20/12..31/12 of December (the window crosses into
	// January), paused clients out (they are out of collections).
	var month int64
	for _, c := range all {
		if c.Due.Month == time.December && c.Due.Year == 2026 && !c.Paused {
			month += c.Price
		}
	}
	if sum.MonthAmount != month {
		t.Fatalf("month amount = %d, want %d", sum.MonthAmount, month)
	}
}

func TestSearchIgnoresCaseAndAccents(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a := register(t, s, 1)
	newClient(t, a, "João Conceição", "5511987654321", d(2026, 12, 1))
	newClient(t, a, "Maria", "5531912345678", d(2026, 12, 1))
	for q, want := range map[string]string{"JOAO": "João Conceição", "conceicao": "João Conceição", "ÇÃO": "João Conceição",
		"mar": "Maria", "3191234": "Maria", "(31) 91234": "Maria"} {
		list, total, err := a.Clients().Search(ctx, q, 0, 10)
		if err != nil || total != 1 || len(list) != 1 || list[0].Name != want {
			t.Errorf("search %q = %+v (%d), %v", q, list, total, err)
		}
	}
	if list, _, _ := a.Clients().Search(ctx, "xyz", 0, 10); len(list) != 0 {
		t.Errorf("search xyz = %+v", list)
	}
}

func TestImportSkipsDuplicatesAtomically(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a := register(t, s, 1)
	newClient(t, a, "Ana", "5511987654321", d(2026, 12, 1))
	plan := planNamed(t, a, "Mensal").ID
	res, err := a.Clients().Import(ctx, []NewClient{
		{Name: "ANA", Phone: "5511987654321", PlanID: plan, Price: 100, Due: d(2026, 12, 1)}, // same as existing
		{Name: "Bia", Phone: "5511911112222", PlanID: plan, Price: 100, Due: d(2026, 12, 1)},
		{Name: "Bia", Phone: "5511911112222", PlanID: plan, Price: 100, Due: d(2026, 12, 1)}, // same as the row above
	})
	if err != nil || res.Created != 1 || len(res.Duplicates) != 2 || res.Duplicates[0] != 0 || res.Duplicates[1] != 2 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	// A failing row rolls the whole batch back: nothing half-imported.
	_, err = a.Clients().Import(ctx, []NewClient{
		{Name: "Caio", Phone: "5511933334444", PlanID: plan, Price: 100, Due: d(2026, 12, 1)},
		{Name: "Duda", Phone: "5511955556666", PlanID: 999999, Price: 100, Due: d(2026, 12, 1)},
	})
	if err == nil {
		t.Fatal("import with a foreign plan succeeded")
	}
	if _, total, _ := a.Clients().List(ctx, FilterAll, d(2026, 11, 28), 0, 10); total != 2 {
		t.Fatalf("after failed import total = %d", total)
	}
}
