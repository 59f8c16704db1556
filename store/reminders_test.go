package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/msgtemplate"
)

var def = BuiltinReminderDefaults()

// autoRows returns the tenant's automatic reminders, oldest first.
func autoRows(t *testing.T, tn Tenant) []Message {
	t.Helper()
	list, err := tn.Messages().Recent(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []Message
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Origin == OriginAuto {
			out = append(out, list[i])
		}
	}
	return out
}

func planToday(t *testing.T, tn Tenant, today billing.Date, stages []ReminderStage) int64 {
	t.Helper()
	n, err := tn.Reminders().Plan(context.Background(), today, stages, []PlanDay{{Day: today, Status: MsgPending}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReminderSettingsDefaultsAndIsolation(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	custom := ReminderDefaults{SendTime: 8 * 60, LatestTime: 20 * 60, Stages: DefaultStages([]int{-1, 0})}

	got, err := a.Reminders().Settings(ctx, custom)
	if err != nil || got.SendTime != 480 || got.LatestTime != 1200 || !slices.Equal(StageOffsets(got.Stages), []int{-1, 0}) || got.Paused {
		t.Fatalf("defaults = %+v, %v", got, err)
	}
	if err := a.Reminders().SetSendTime(ctx, 10*60+30); err != nil {
		t.Fatal(err)
	}
	if err := a.Reminders().SetLatestTime(ctx, 22*60); err != nil {
		t.Fatal(err)
	}
	stages := []ReminderStage{{-3, msgtemplate.KindCharge}, {0, msgtemplate.KindDueToday}, {2, msgtemplate.KindOverdue}}
	if err := a.Reminders().SetStages(ctx, stages); err != nil {
		t.Fatal(err)
	}
	if err := a.Reminders().SetPaused(ctx, true, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.Account().SetTimezone(ctx, "America/Manaus"); err != nil {
		t.Fatal(err)
	}
	acc, err := a.Reminders().Account(ctx, custom)
	if err != nil || acc.Settings.SendTime != 630 || acc.Settings.LatestTime != 1320 || !slices.Equal(acc.Settings.Stages, stages) ||
		!acc.Settings.Paused || acc.Reseller.Timezone != "America/Manaus" || !acc.Replan {
		t.Fatalf("A = %+v, %v", acc, err)
	}
	if st, ok := acc.Settings.Stage(-3); !ok || st.Kind != msgtemplate.KindCharge {
		t.Fatalf("Stage(-3) = %+v %v", st, ok)
	}
	// B still has the defaults and its own zone.
	accB, err := b.Reminders().Account(ctx, custom)
	if err != nil || accB.Settings.SendTime != 480 || accB.Settings.Paused || accB.Reseller.Timezone != "America/Sao_Paulo" || accB.Reseller.ChatID != 2 {
		t.Fatalf("B = %+v, %v", accB, err)
	}
	// An unknown chat has no settings to write.
	ghost := s.Tenant(99)
	if err := ghost.Reminders().SetSendTime(ctx, 60); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ghost set = %v", err)
	}
	if _, err := ghost.Reminders().Account(ctx, custom); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ghost account = %v", err)
	}
	if err := ghost.Account().SetTimezone(ctx, "UTC"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ghost timezone = %v", err)
	}
	// The scheduler's scan sees both, each with its own settings.
	all, err := s.SchedulerAccounts(ctx, custom)
	if err != nil || len(all) != 2 || all[0].Reseller.ChatID != 1 || all[0].Settings.SendTime != 630 || all[1].Settings.SendTime != 480 {
		t.Fatalf("scheduler accounts = %+v, %v", all, err)
	}
}

func TestPlanWritesOneRowPerClientStageAndDueDate(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 12, 30)
	stages := DefaultStages([]int{-3, -1, 0, 1, 3})
	in3 := newClient(t, a, "Ano Novo", "5511900000001", d(2027, 1, 2)) // -3 across the year end
	in1 := newClient(t, a, "Véspera", "5511900000002", d(2026, 12, 31))
	due := newClient(t, a, "Hoje", "5511900000003", today)
	late1 := newClient(t, a, "Ontem", "5511900000004", d(2026, 12, 29))
	late3 := newClient(t, a, "Anteontem", "5511900000005", d(2026, 12, 27))
	newClient(t, a, "Fora", "5511900000006", d(2026, 12, 28)) // -2: no stage
	paused := newClient(t, a, "Pausado", "5511900000007", today)
	p := true
	if _, err := a.Clients().Update(ctx, paused.ID, ClientPatch{Paused: &p}); err != nil {
		t.Fatal(err)
	}
	other := newClient(t, b, "De B", "5511900000008", today)

	if n := planToday(t, a, today, stages); n != 5 {
		t.Fatalf("planned %d rows, want 5", n)
	}
	want := map[int64]int{in3.ID: -3, in1.ID: -1, due.ID: 0, late1.ID: 1, late3.ID: 3}
	rows := autoRows(t, a)
	for _, m := range rows {
		if want[m.ClientID] != m.Stage || m.SendOn != today || m.Status != MsgPending || m.DueDate.AddDays(m.Stage) != today ||
			m.Kind != string(msgtemplate.KindForStage(m.Stage)) || m.Phone == "" || m.ClientName == "" {
			t.Errorf("row %+v", m)
		}
		delete(want, m.ClientID)
	}
	if len(want) != 0 || len(rows) != 5 {
		t.Fatalf("missing rows for %v; rows %+v", want, rows)
	}
	// Idempotent, and B's client was never touched by A's planning.
	if n := planToday(t, a, today, stages); n != 0 {
		t.Fatalf("second plan wrote %d rows", n)
	}
	if len(autoRows(t, b)) != 0 {
		t.Fatal("A's planning wrote rows for B")
	}
	acc, _ := a.Reminders().Account(ctx, def)
	if acc.PlannedOn != today || acc.Replan {
		t.Fatalf("bookkeeping = %+v", acc)
	}
	// Leap day: +1 of 29/02/2028 is 01/03/2028.
	leap := newClient(t, b, "Bissexto", "5511900000009", d(2028, 2, 29))
	if n := planToday(t, b, d(2028, 3, 1), DefaultStages([]int{1})); n != 1 {
		t.Fatalf("leap plan = %d", n)
	}
	if r := autoRows(t, b); len(r) != 1 || r[0].ClientID != leap.ID {
		t.Fatalf("leap rows = %+v", r)
	}
	_ = other
}

func TestClientChangesCancelPendingReminders(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	stages := DefaultStages([]int{0})
	renewed := newClient(t, a, "Renovado", "5511900000001", today)
	moved := newClient(t, a, "Mudou", "5511900000002", today)
	paused := newClient(t, a, "Pausado", "5511900000003", today)
	deleted := newClient(t, a, "Excluído", "5511900000004", today)
	renamed := newClient(t, a, "Renomeado", "5511900000005", today)
	planToday(t, a, today, stages)

	status := func(id int64) Message {
		for _, m := range autoRows(t, a) {
			if m.ClientID == id || (id == deleted.ID && m.ClientName == "Excluído") {
				return m
			}
		}
		t.Fatalf("no row for client %d", id)
		return Message{}
	}
	// B's attempts change nothing.
	newDue := today.AddDays(5)
	if _, err := b.Clients().Update(ctx, moved.ID, ClientPatch{Due: &newDue}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B update = %v", err)
	}
	if err := b.Clients().Delete(ctx, deleted.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B delete = %v", err)
	}
	for _, m := range autoRows(t, a) {
		if m.Status != MsgPending {
			t.Fatalf("B changed %+v", m)
		}
	}

	pay, _, err := a.Clients().Renew(ctx, renewed.ID, Renewal{ExpectDue: today, NewDue: d(2026, 12, 28), Anchor: 28, PaidOn: today})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Clients().Update(ctx, moved.ID, ClientPatch{Due: &newDue}); err != nil {
		t.Fatal(err)
	}
	p := true
	if _, err := a.Clients().Update(ctx, paused.ID, ClientPatch{Paused: &p}); err != nil {
		t.Fatal(err)
	}
	if err := a.Clients().Delete(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}
	name, phone := "Outro Nome", "5511999999999"
	if _, err := a.Clients().Update(ctx, renamed.ID, ClientPatch{Name: &name, Phone: &phone}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{renewed.ID: CancelRenewed, moved.ID: CancelDueChanged, paused.ID: CancelClientPaused, deleted.ID: CancelClientDeleted} {
		if m := status(id); m.Status != MsgCancelled || m.Error != want {
			t.Errorf("client %d: %s %q, want cancelled %q", id, m.Status, m.Error, want)
		}
	}
	if m := status(renamed.ID); m.Status != MsgPending {
		t.Fatalf("a rename cancelled the reminder: %+v", m)
	}
	if acc, _ := a.Reminders().Account(ctx, def); !acc.Replan {
		t.Fatal("changes did not ask for a new planning")
	}

	// Undoing the renewal brings the due date back; planning again revives
	// the cancelled reminder (it was never sent). Resuming the paused client
	// does the same; the deleted one is gone for good.
	if _, err := a.Clients().UndoRenewal(ctx, pay.ID); err != nil {
		t.Fatal(err)
	}
	f := false
	if _, err := a.Clients().Update(ctx, paused.ID, ClientPatch{Paused: &f}); err != nil {
		t.Fatal(err)
	}
	if n := planToday(t, a, today, stages); n != 2 {
		t.Fatalf("replan revived %d rows, want 2", n)
	}
	for _, id := range []int64{renewed.ID, paused.ID} {
		if m := status(id); m.Status != MsgPending || m.Error != "" {
			t.Errorf("client %d after replan: %+v", id, m)
		}
	}
	if m := status(moved.ID); m.Status != MsgCancelled {
		t.Fatalf("moved client's old reminder revived: %+v", m)
	}
}

func TestOutboxLifecycleAndIsolation(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	c1 := newClient(t, a, "Um", "5511900000001", today)
	c2 := newClient(t, a, "Dois", "5511900000002", today)
	c3 := newClient(t, a, "Três", "5511900000003", today)
	newClient(t, b, "De B", "5511900000009", today)
	planToday(t, a, today, DefaultStages([]int{0}))
	planToday(t, b, today, DefaultStages([]int{0}))
	now := clk.Now()

	due, err := s.SchedulerOutbox(ctx, now)
	if err != nil || !due[1] || !due[2] || len(due) != 2 {
		t.Fatalf("outbox resellers = %v, %v", due, err)
	}
	first, ok, err := a.Reminders().NextOutbox(ctx, now, 0)
	if err != nil || !ok || first.ClientID != c1.ID {
		t.Fatalf("next = %+v %v %v", first, ok, err)
	}
	// B can neither see nor claim A's reminder.
	if m, ok, _ := b.Reminders().NextOutbox(ctx, now, 0); !ok || m.ClientID == c1.ID {
		t.Fatalf("B's next = %+v", m)
	}
	if ok, err := b.Reminders().Claim(ctx, first.ID, ReminderClaim{WAID: "X", Phone: "5511", ClientName: "x", Body: "x"}); ok || err != nil {
		t.Fatalf("B claimed A's reminder: %v %v", ok, err)
	}
	if ok, _ := a.Reminders().Claim(ctx, c3.ID+100, ReminderClaim{WAID: "X"}); ok {
		t.Fatal("claimed a row that does not exist")
	}
	for _, f := range []func() error{
		func() error { return b.Reminders().Sent(ctx, first.ID) },
		func() error { return b.Reminders().Failed(ctx, first.ID, "x", true) },
		func() error { return b.Reminders().Skipped(ctx, first.ID, "x") },
		func() error { return b.Reminders().Retry(ctx, first.ID, now.Add(time.Hour), "x") },
		func() error { return b.Reminders().Wait(ctx, first.ID, "x") },
		func() error { return b.Reminders().NoteWaiting(ctx, today, "x") },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := a.Messages().Get(ctx, first.ID); got.Status != MsgPending || got.Error != "" || got.Attempts != 0 {
		t.Fatalf("B changed A's reminder: %+v", got)
	}

	// Claim, then a receipt arriving before the send is recorded, then sent.
	if ok, err := a.Reminders().Claim(ctx, first.ID, ReminderClaim{WAID: "3EB0ID1", Phone: "5511911111111", ClientName: "Um Atual", Body: "Olá Um"}); !ok || err != nil {
		t.Fatalf("claim = %v %v", ok, err)
	}
	if ok, _ := a.Reminders().Claim(ctx, first.ID, ReminderClaim{WAID: "3EB0ID2"}); ok {
		t.Fatal("claimed twice")
	}
	if err := a.Messages().Receipt(ctx, "3EB0ID1", MsgDelivered); err != nil {
		t.Fatal(err)
	}
	if err := a.Reminders().Sent(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := a.Messages().Get(ctx, first.ID)
	if got.Status != MsgDelivered || got.WAID != "3EB0ID1" || got.Body != "Olá Um" || got.Phone != "5511911111111" ||
		got.ClientName != "Um Atual" || got.Attempts != 1 || got.SentAt.IsZero() {
		t.Fatalf("after send = %+v", got)
	}

	// Retry later keeps the id and hides the row until then; Wait does not
	// count an attempt.
	second, _, _ := a.Reminders().NextOutbox(ctx, now, first.ID)
	if second.ClientID != c2.ID {
		t.Fatalf("second = %+v", second)
	}
	a.Reminders().Claim(ctx, second.ID, ReminderClaim{WAID: "3EB0ID3", Phone: c2.Phone, ClientName: c2.Name, Body: "Olá Dois"})
	if err := a.Reminders().Retry(ctx, second.ID, now.Add(2*time.Minute), "Falha temporária."); err != nil {
		t.Fatal(err)
	}
	if m, ok, _ := a.Reminders().NextOutbox(ctx, now, first.ID); !ok || m.ClientID != c3.ID {
		t.Fatalf("retrying row not hidden: %+v", m)
	}
	if m, ok, _ := a.Reminders().NextOutbox(ctx, now.Add(2*time.Minute), first.ID); !ok || m.ID != second.ID || m.WAID != "3EB0ID3" || m.Attempts != 1 || m.Status != MsgPending {
		t.Fatalf("retry row later = %+v", m)
	}
	third, _, _ := a.Reminders().NextOutbox(ctx, now, second.ID)
	a.Reminders().Claim(ctx, third.ID, ReminderClaim{WAID: "3EB0ID4", Phone: c3.Phone, ClientName: c3.Name, Body: "Olá Três"})
	if err := a.Reminders().Wait(ctx, third.ID, "WhatsApp não conectado."); err != nil {
		t.Fatal(err)
	}
	if err := a.Reminders().NoteWaiting(ctx, today, "WhatsApp não conectado."); err != nil {
		t.Fatal(err)
	}
	if m, _ := a.Messages().Get(ctx, second.ID); m.Error != "WhatsApp não conectado." || m.Status != MsgPending {
		t.Fatalf("waiting note on the retrying row = %+v", m)
	}
	if r := autoRows(t, b); r[0].Error != "x" { // B's own note from above, not A's
		t.Fatalf("A's note reached B: %+v", r[0])
	}
	if m, _ := a.Messages().Get(ctx, third.ID); m.Status != MsgPending || m.Attempts != 0 || m.Error != "WhatsApp não conectado." {
		t.Fatalf("waiting row = %+v", m)
	}
	if n, _ := a.Reminders().OpenOn(ctx, today); n != 2 {
		t.Fatalf("open = %d", n)
	}
	// The cutoff closes today's open rows with the reason before the old one.
	if n, err := a.Reminders().Expire(ctx, today, "passou", true, "Horário limite."); err != nil || n != 2 {
		t.Fatalf("expire = %d, %v", n, err)
	}
	if m, _ := a.Messages().Get(ctx, third.ID); m.Status != MsgSkipped || m.Error != "Horário limite. WhatsApp não conectado." {
		t.Fatalf("expired = %+v", m)
	}
	// B's rows were not touched by A's expiry.
	if n, _ := b.Reminders().OpenOn(ctx, today); n != 1 {
		t.Fatalf("B's open = %d", n)
	}
	rep, err := a.Reminders().Day(ctx, today, 10)
	if err != nil || rep.Planned != 3 || rep.Sent != 1 || rep.Skipped != 2 || rep.Failed != 0 || len(rep.SkippedList) != 2 || rep.Open != 0 {
		t.Fatalf("day report = %+v, %v", rep, err)
	}
	repB, _ := b.Reminders().Day(ctx, today, 10)
	if repB.Planned != 1 || repB.Open != 1 {
		t.Fatalf("B's report = %+v", repB)
	}
	tot, err := s.SchedulerTotals(ctx, today)
	if err != nil || tot.Resellers != 2 || tot.Planned != 4 || tot.Sent != 1 || tot.Skipped != 2 || tot.Open != 1 {
		t.Fatalf("totals = %+v, %v", tot, err)
	}
}

func TestExpirePastDaysAndSkipOpen(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	yesterday, today := d(2026, 11, 27), d(2026, 11, 28)
	old := newClient(t, a, "Ontem", "5511900000001", yesterday)
	newClient(t, a, "Hoje", "5511900000002", today)
	newClient(t, b, "B", "5511900000003", yesterday)
	planToday(t, a, yesterday, DefaultStages([]int{0}))
	planToday(t, b, yesterday, DefaultStages([]int{0}))
	planToday(t, a, today, DefaultStages([]int{0}))
	if n, err := a.Reminders().Expire(ctx, today, "O dia passou.", false, ""); err != nil || n != 1 {
		t.Fatalf("expire = %d, %v", n, err)
	}
	for _, m := range autoRows(t, a) {
		if m.ClientID == old.ID && (m.Status != MsgSkipped || m.Error != "O dia passou.") || m.ClientID != old.ID && m.Status != MsgPending {
			t.Fatalf("row %+v", m)
		}
	}
	if r := autoRows(t, b); r[0].Status != MsgPending {
		t.Fatal("A's expiry touched B")
	}
	if n, err := b.Reminders().SkipOpen(ctx, today, "cap"); err != nil || n != 0 {
		t.Fatalf("B skip today = %d, %v", n, err)
	}
	if n, err := a.Reminders().SkipOpen(ctx, today, "Limite diário."); err != nil || n != 1 {
		t.Fatalf("skip open = %d, %v", n, err)
	}
}

func TestStagesAndPauseCancelPending(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	newClient(t, a, "Antes", "5511900000001", today.AddDays(2))
	newClient(t, a, "Hoje", "5511900000002", today)
	newClient(t, b, "B", "5511900000003", today)
	planToday(t, a, today, def.Stages)
	planToday(t, b, today, def.Stages)

	// Drop -2, switch 0 to the charge text.
	if err := a.Reminders().SetStages(ctx, []ReminderStage{{0, msgtemplate.KindCharge}, {1, msgtemplate.KindOverdue}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range autoRows(t, a) {
		switch m.Stage {
		case -2:
			if m.Status != MsgCancelled || m.Error != CancelStageRemoved {
				t.Errorf("removed stage row = %+v", m)
			}
		case 0:
			if m.Status != MsgPending || m.Kind != string(msgtemplate.KindCharge) {
				t.Errorf("kept stage row = %+v", m)
			}
		}
	}
	if err := a.Reminders().SetPaused(ctx, true, ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range autoRows(t, a) {
		if m.Status != MsgCancelled {
			t.Errorf("after pause = %+v", m)
		}
	}
	if r := autoRows(t, b); r[0].Status != MsgPending || r[0].Kind != string(msgtemplate.KindDueToday) {
		t.Fatalf("A's settings touched B: %+v", r)
	}
	// Marks are process-wide scheduler state.
	if v, err := s.SchedulerMark(ctx, "admin"); v != "" || err != nil {
		t.Fatalf("mark = %q %v", v, err)
	}
	if err := s.SetSchedulerMark(ctx, "admin", "2026-11-28"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.SchedulerMark(ctx, "admin"); v != "2026-11-28" {
		t.Fatalf("mark = %q", v)
	}
	if err := a.Reminders().MarkSummarySent(ctx, today); err != nil {
		t.Fatal(err)
	}
	if err := a.Reminders().MarkWaitingNotice(ctx, today); err != nil {
		t.Fatal(err)
	}
	accA, _ := a.Reminders().Account(ctx, def)
	accB, _ := b.Reminders().Account(ctx, def)
	if accA.SummaryOn != today || accA.NoticeOn != today || !accB.SummaryOn.IsZero() || !accB.NoticeOn.IsZero() {
		t.Fatalf("marks A %+v B %+v", accA, accB)
	}
	if err := b.Reminders().MarkPlanned(ctx, today); err != nil {
		t.Fatal(err)
	}
	if accB, _ := b.Reminders().Account(ctx, def); accB.PlannedOn != today {
		t.Fatalf("B planned = %+v", accB)
	}
}

func TestTemplateCurrentIsReadOnlyAndTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	tp, err := a.Templates().Current(ctx, msgtemplate.KindDueToday)
	if err != nil || !tp.Enabled || !tp.Default || tp.Body != msgtemplate.DefaultText(msgtemplate.KindDueToday) {
		t.Fatalf("never saved = %+v, %v", tp, err)
	}
	if err := a.Templates().Save(ctx, msgtemplate.KindDueToday, "Oi {nome}"); err != nil {
		t.Fatal(err)
	}
	if err := a.Templates().SetEnabled(ctx, msgtemplate.KindOverdue, false); err != nil {
		t.Fatal(err)
	}
	if tp, _ := a.Templates().Current(ctx, msgtemplate.KindDueToday); tp.Body != "Oi {nome}" || tp.Default {
		t.Fatalf("A = %+v", tp)
	}
	if tp, _ := a.Templates().Current(ctx, msgtemplate.KindOverdue); tp.Enabled {
		t.Fatal("disabled kind reads enabled")
	}
	if tp, _ := b.Templates().Current(ctx, msgtemplate.KindDueToday); tp.Body == "Oi {nome}" {
		t.Fatal("B reads A's template")
	}
	if _, err := a.Templates().Current(ctx, "nada"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown kind = %v", err)
	}
}
