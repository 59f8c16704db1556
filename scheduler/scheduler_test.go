package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"renovabot/billing"
	"renovabot/msgtemplate"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Default stages (-2, 0, +1): nothing before the send time, exactly the
// right reminders at it, nothing new on the next tick, a summary once.
func TestDefaultStagesAtSendTime(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	before := e.client(1, "Ana Antes", "5521900000001", today.AddDays(2))
	onDay := e.client(1, "Bia Hoje", "5521900000002", today)
	after := e.client(1, "Caio Ontem", "5521900000003", today.AddDays(-1))
	e.client(1, "Duda Amanhã", "5521900000004", today.AddDays(1))
	e.client(1, "Edu Anteontem", "5521900000005", today.AddDays(-2))

	e.at(t0) // 08:59
	if rows := e.rows(1); len(rows) != 0 || len(e.drv.Sends()) != 0 {
		t.Fatalf("before the send time: rows %+v, sends %d", rows, len(e.drv.Sends()))
	}
	e.at(sp(2026, 11, 28, 9, 0))
	rows := e.rows(1)
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	for c, want := range map[store.Client]struct {
		stage int
		kind  msgtemplate.Kind
		text  string
	}{
		before: {-2, msgtemplate.KindBeforeDue, "vence em 2 dias"},
		onDay:  {0, msgtemplate.KindDueToday, "vence hoje"},
		after:  {1, msgtemplate.KindOverdue, "venceu há 1 dia"},
	} {
		m := e.rowOf(1, c.ID)
		sent := e.sentTo(c.Phone)
		if m.Stage != want.stage || m.Kind != string(want.kind) || m.Status != store.MsgSent || m.SendOn != today ||
			m.DueDate != c.Due || m.WAID == "" || m.Attempts != 1 || len(sent) != 1 || sent[0].ID != m.WAID ||
			sent[0].ChatID != 1 || sent[0].Text != m.Body || !strings.Contains(m.Body, want.text) ||
			!strings.Contains(m.Body, strings.Fields(c.Name)[0]) {
			t.Errorf("%s: row %+v, sent %+v", c.Name, m, sent)
		}
	}
	sums := e.notes.summariesOf(1)
	if len(sums) != 1 || sums[0].Sent != 3 || sums[0].Failed != 0 || sums[0].DueToday != 1 || sums[0].DueTodayAmount != 3590 ||
		sums[0].Overdue != 2 || sums[0].OverdueAmount != 7180 || sums[0].Day != today {
		t.Fatalf("summaries = %+v", sums)
	}

	// The next ticks add nothing and send nothing again.
	e.at(sp(2026, 11, 28, 9, 1))
	e.at(sp(2026, 11, 28, 15, 0))
	if len(e.rows(1)) != 3 || len(e.drv.Sends()) != 3 || len(e.notes.summariesOf(1)) != 1 {
		t.Fatalf("after more ticks: %d rows, %d sends, %d summaries", len(e.rows(1)), len(e.drv.Sends()), len(e.notes.summariesOf(1)))
	}
}

// Custom stages across the year end, a leap day, and time zones: each
// reseller's day is its own.
func TestCustomStagesAcrossMonthYearAndZones(t *testing.T) {
	e := newEnv(t, nil)
	sp1 := e.reseller(1)
	manaus := e.resellerIn(2, "America/Manaus")
	e.link(1, "5511900000001")
	e.link(2, "5592900000002")
	stages := store.DefaultStages([]int{-3, -1, 0, 1, 3})
	for _, tn := range []store.Tenant{sp1, manaus} {
		if err := tn.Reminders().SetStages(e.ctx, stages); err != nil {
			t.Fatal(err)
		}
	}
	today := day(2026, 12, 30)
	want := map[string]int{}
	for i, due := range []billing.Date{day(2027, 1, 2), day(2026, 12, 31), today, day(2026, 12, 29), day(2026, 12, 27), day(2026, 12, 28), day(2027, 1, 1)} {
		for _, chat := range []int64{1, 2} {
			c := e.client(chat, "Cliente", fmt.Sprintf("552190%02d%05d", chat, i), due)
			if off := due.DaysUntil(today); off == -3 || off == -1 || off == 0 || off == 1 || off == 3 {
				want[c.Phone] = off
			}
		}
	}
	// 09:00 in São Paulo is 08:00 in Manaus: only São Paulo goes.
	e.at(sp(2026, 12, 30, 9, 0))
	if len(e.rows(1)) != 5 || len(e.rows(2)) != 0 {
		t.Fatalf("at 09:00 SP: %d and %d rows", len(e.rows(1)), len(e.rows(2)))
	}
	e.at(sp(2026, 12, 30, 10, 0)) // 09:00 in Manaus
	for _, chat := range []int64{1, 2} {
		rows := e.rows(chat)
		if len(rows) != 5 {
			t.Fatalf("chat %d rows = %+v", chat, rows)
		}
		for _, m := range rows {
			if off, ok := want[m.Phone]; !ok || off != m.Stage || m.SendOn != today || m.Status != store.MsgSent ||
				m.Kind != string(msgtemplate.KindForStage(off)) {
				t.Errorf("chat %d row %+v (want stage %d)", chat, m, off)
			}
		}
	}
	// Leap day: +1 of 29/02/2028 goes out on 01/03/2028.
	leap := e.client(1, "Bissexto", "5521977777777", day(2028, 2, 29))
	e.at(sp(2028, 3, 1, 9, 0))
	if m := e.rowOn(1, leap.ID, day(2028, 3, 1)); m.Stage != 1 || m.Status != store.MsgSent {
		t.Fatalf("leap row = %+v", m)
	}
	// Near midnight each zone has its own today: 23:30 in São Paulo is
	// 22:30 in Manaus, and a reseller in Noronha is already on the next day.
	noronha := e.resellerIn(3, "America/Noronha")
	e.link(3, "5581900000003")
	if err := noronha.Reminders().SetSendTime(e.ctx, 0); err != nil {
		t.Fatal(err)
	}
	next := e.client(3, "Virada", "5581911111111", day(2028, 3, 2))
	e.at(sp(2028, 3, 1, 23, 30))
	if m := e.rowOf(3, next.ID); m.SendOn != day(2028, 3, 2) || m.Stage != 0 || m.Status != store.MsgSent {
		t.Fatalf("Noronha row = %+v", m)
	}
}

// The process was down: missed days are recorded as skipped, not sent
// late; today's reminders go out when it is back.
func TestCatchUpAfterDowntime(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	e.link(1, "5511900000001")
	d0 := day(2026, 11, 28)
	e.at(sp(2026, 11, 28, 9, 0)) // planned 28/11 (nothing due)
	// Clients whose stages fall on 29/11 and 30/11 (missed) and 01/12.
	missed1 := e.client(1, "Perdido Um", "5521900000001", d0.AddDays(1))   // stage 0 on 29/11
	missed2 := e.client(1, "Perdido Dois", "5521900000002", d0.AddDays(4)) // -2 on 30/11 (missed), 0 on 02/12
	onTime := e.client(1, "No Dia", "5521900000003", d0.AddDays(3))        // -2 on 29/11 (missed), 0 on 01/12
	// A reminder of 28/11 left pending by the crash.
	leftover := e.client(1, "Sobrou", "5521900000004", d0)
	if _, err := e.st.Tenant(1).Reminders().Plan(e.ctx, d0, store.DefaultStages([]int{0}),
		[]store.PlanDay{{Day: d0, Status: store.MsgPending}}); err != nil {
		t.Fatal(err)
	}
	// Back on 01/12 at 10:30.
	e.clk.Set(sp(2026, 12, 1, 10, 30))
	e.tick()
	// Perdido Um had stage 0 on 29/11 and +1 on 30/11; Perdido Dois -2 on 30/11.
	for c, n := range map[store.Client]int{missed1: 2, missed2: 1} {
		var rows []store.Message
		for _, m := range e.rows(1) {
			if m.ClientID == c.ID {
				rows = append(rows, m)
			}
		}
		if len(rows) != n || len(e.sentTo(c.Phone)) != 0 {
			t.Errorf("%s: %+v", c.Name, rows)
		}
		for _, m := range rows {
			if m.Status != store.MsgSkipped || m.Error != reasonDayMissed {
				t.Errorf("%s: %+v", c.Name, m)
			}
		}
	}
	if m := e.rowOn(1, leftover.ID, d0); m.Status != store.MsgSkipped || m.Error != reasonDayMissed || len(e.sentTo(leftover.Phone)) != 0 {
		t.Errorf("leftover: %+v", m)
	}
	if m := e.rowOn(1, onTime.ID, day(2026, 12, 1)); m.Status != store.MsgSent || len(e.sentTo(onTime.Phone)) != 1 {
		t.Errorf("today's: %+v", m)
	}
	// Only today's summary is sent (the missed days' are not).
	if sums := e.notes.summariesOf(1); len(sums) != 1 || sums[0].Day != day(2026, 12, 1) || sums[0].Sent != 1 {
		t.Fatalf("summaries = %+v", sums)
	}
}

// After the latest time nothing is sent that day: a late first tick records
// the day's reminders as skipped, and reminders still waiting at the
// latest time are closed with both reasons.
func TestLatestTimeCutoff(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	e.link(1, "5511900000001")
	late := e.client(1, "Tarde", "5521900000001", day(2026, 11, 28))
	e.at(sp(2026, 11, 28, 21, 30))
	m := e.rowOf(1, late.ID)
	if m.Status != store.MsgSkipped || m.Error != "Não enviado até o horário limite (21:00)." || len(e.drv.Sends()) != 0 {
		t.Fatalf("late row = %+v", m)
	}
	if sums := e.notes.summariesOf(1); len(sums) != 1 || sums[0].Skipped != 1 || sums[0].SkippedList[0].ClientID != late.ID {
		t.Fatalf("summary = %+v", sums)
	}

	// Reseller 2 has no WhatsApp: the row waits all day and closes at 21:00.
	e.reseller(2)
	waits := e.client(2, "Espera", "5521900000002", day(2026, 11, 29))
	e.at(sp(2026, 11, 29, 9, 0))
	if m := e.rowOf(2, waits.ID); m.Status != store.MsgPending || m.Error != reasonNotLinked {
		t.Fatalf("waiting row = %+v", m)
	}
	e.at(sp(2026, 11, 29, 20, 59))
	if len(e.notes.summariesOf(2)) != 0 {
		t.Fatal("summary before the day was done")
	}
	e.at(sp(2026, 11, 29, 21, 0))
	if m := e.rowOf(2, waits.ID); m.Status != store.MsgSkipped || m.Error != "Não enviado até o horário limite (21:00). WhatsApp não conectado." {
		t.Fatalf("closed row = %+v", m)
	}
	if sums := e.notes.summariesOf(2); len(sums) != 1 || sums[0].Skipped != 1 {
		t.Fatalf("summary = %+v", sums)
	}
}

// Renewal, a new due date, pausing and deleting cancel pending reminders;
// the normal tick plans what the new state calls for.
func TestClientChangesCancelAndTickReplans(t *testing.T) {
	e := newEnv(t, nil)
	tn := e.reseller(1) // no WhatsApp yet: reminders wait
	today := day(2026, 11, 28)
	renewed := e.client(1, "Renovou", "5521900000001", today)
	moved := e.client(1, "Mudou", "5521900000002", today)
	paused := e.client(1, "Pausou", "5521900000003", today)
	deleted := e.client(1, "Saiu", "5521900000004", today)
	kept := e.client(1, "Ficou", "5521900000005", today)
	moveIn := e.client(1, "Entra Hoje", "5521900000006", today.AddDays(10))
	e.at(sp(2026, 11, 28, 9, 0))
	if len(e.rows(1)) != 5 {
		t.Fatalf("rows = %+v", e.rows(1))
	}
	cl := tn.Clients()
	pay, _, err := cl.Renew(e.ctx, renewed.ID, store.Renewal{ExpectDue: today, NewDue: day(2026, 12, 28), Anchor: 28, PaidOn: today})
	if err != nil {
		t.Fatal(err)
	}
	later, yes, nowDue := today.AddDays(7), true, today
	if _, err := cl.Update(e.ctx, moved.ID, store.ClientPatch{Due: &later}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Update(e.ctx, paused.ID, store.ClientPatch{Paused: &yes}); err != nil {
		t.Fatal(err)
	}
	if err := cl.Delete(e.ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Update(e.ctx, moveIn.ID, store.ClientPatch{Due: &nowDue}); err != nil {
		t.Fatal(err)
	}
	e.pair(1, "5511900000001")
	e.at(sp(2026, 11, 28, 9, 2))
	// Only the untouched client and the one whose due date moved to today
	// got a message.
	for _, c := range []store.Client{renewed, moved, paused, deleted} {
		if n := len(e.sentTo(c.Phone)); n != 0 {
			t.Errorf("%s got %d messages", c.Name, n)
		}
	}
	for _, c := range []store.Client{kept, moveIn} {
		if n := len(e.sentTo(c.Phone)); n != 1 {
			t.Errorf("%s got %d messages", c.Name, n)
		}
	}
	if m := e.rowOf(1, renewed.ID); m.Status != store.MsgCancelled || m.Error != store.CancelRenewed {
		t.Fatalf("renewed row = %+v", m)
	}
	// Undoing the renewal restores the due date: the next tick sends the
	// reminder that was cancelled (it never went out).
	if _, err := cl.UndoRenewal(e.ctx, pay.ID); err != nil {
		t.Fatal(err)
	}
	e.at(sp(2026, 11, 28, 9, 3))
	if m := e.rowOf(1, renewed.ID); m.Status != store.MsgSent || len(e.sentTo(renewed.Phone)) != 1 {
		t.Fatalf("after undo = %+v", m)
	}
}

// A paused client and a paused, blocked or expired reseller get nothing.
func TestPausedAndWithoutAccessSkipped(t *testing.T) {
	e := newEnv(t, nil)
	today := day(2026, 11, 28)
	for chat := int64(1); chat <= 4; chat++ {
		e.reseller(chat)
		e.link(chat, fmt.Sprintf("55119000000%02d", chat))
		e.client(chat, "Cliente", fmt.Sprintf("55219000000%02d", chat), today)
	}
	yes := true
	pc := e.client(1, "Pausado", "5521911111111", today)
	if _, err := e.st.Tenant(1).Clients().Update(e.ctx, pc.ID, store.ClientPatch{Paused: &yes}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Tenant(2).Reminders().SetPaused(e.ctx, true, ""); err != nil {
		t.Fatal(err)
	}
	e.sql(`UPDATE resellers SET status = 'blocked' WHERE chat_id = 3`)
	e.sql(`UPDATE resellers SET access_until = ? WHERE chat_id = 4`, sp(2026, 11, 28, 8, 0).Unix())
	e.at(sp(2026, 11, 28, 9, 0))
	if n := len(e.rows(1)); n != 1 || len(e.sentTo("5521900000001")) != 1 || len(e.sentTo(pc.Phone)) != 0 {
		t.Fatalf("reseller 1: %d rows", n)
	}
	for chat := int64(2); chat <= 4; chat++ {
		if rows := e.rows(chat); len(rows) != 0 || len(e.notes.summariesOf(chat)) != 0 {
			t.Errorf("reseller %d: rows %+v", chat, rows)
		}
	}
	// Resuming later the same day plans today's reminders on the next tick.
	if err := e.st.Tenant(2).Reminders().SetPaused(e.ctx, false, ""); err != nil {
		t.Fatal(err)
	}
	e.at(sp(2026, 11, 28, 11, 0))
	if len(e.sentTo("5521900000002")) != 1 {
		t.Fatal("resumed reseller's reminder not sent")
	}
	// Access given back on a later day: the days without access are not
	// recorded as missed (they were not owed).
	e.at(sp(2026, 11, 29, 9, 0))
	e.at(sp(2026, 11, 30, 9, 0))
	e.sql(`UPDATE resellers SET status = 'active' WHERE chat_id = 3`)
	e.client(3, "Depois", "5521933333333", day(2026, 12, 1))
	e.at(sp(2026, 12, 1, 9, 0))
	rows := e.rows(3)
	if len(rows) != 1 || rows[0].Status != store.MsgSent || rows[0].SendOn != day(2026, 12, 1) {
		t.Fatalf("reseller 3 after access returned: %+v", rows)
	}
}

// Without WhatsApp the reminders wait, the reseller is told once a day,
// and they go out once linked, rendered with the client's current data.
func TestNotLinkedWaitsThenSends(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	today := day(2026, 11, 28)
	a := e.client(1, "Ana", "5521900000001", today)
	e.client(1, "Bia", "5521900000002", today.AddDays(2))
	e.at(sp(2026, 11, 28, 9, 0))
	e.at(sp(2026, 11, 28, 9, 1))
	e.at(sp(2026, 11, 28, 9, 30))
	w := e.notes.waitingOf(1)
	if len(w) != 1 || w[0].Count != 2 || w[0].Reason != WaitNotLinked {
		t.Fatalf("waiting notices = %+v", w)
	}
	for _, m := range e.rows(1) {
		if m.Status != store.MsgPending || m.Attempts != 0 || m.Error != reasonNotLinked {
			t.Fatalf("waiting row = %+v", m)
		}
	}
	name := "Ana Paula"
	if _, err := e.st.Tenant(1).Clients().Update(e.ctx, a.ID, store.ClientPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	e.pair(1, "5511900000001")
	e.at(sp(2026, 11, 28, 9, 31))
	if len(e.drv.Sends()) != 2 {
		t.Fatalf("sends after linking = %d", len(e.drv.Sends()))
	}
	if m := e.rowOf(1, a.ID); m.Status != store.MsgSent || m.ClientName != "Ana Paula" || !strings.Contains(m.Body, "Olá, Ana!") {
		t.Fatalf("row = %+v", m)
	}
	if sums := e.notes.summariesOf(1); len(sums) != 1 || sums[0].Sent != 2 {
		t.Fatalf("summary = %+v", sums)
	}
	// The next day the notice comes again (Ana's +1 and Caio's 0).
	if err := e.wa.Unlink(e.ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.client(1, "Caio", "5521900000003", today.AddDays(1))
	e.at(sp(2026, 11, 29, 9, 0))
	if w := e.notes.waitingOf(1); len(w) != 2 || w[1].Count != 2 {
		t.Fatalf("next day's notice = %+v", w)
	}
}

// A passing error is retried later with the same WhatsApp id; a permanent
// one fails with the reason and shows in the summary.
func TestTransientRetriedPermanentReported(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	retried := e.client(1, "Instável", "5521900000001", today)
	nowa := e.client(1, "Sem Zap", "5521900000002", today)
	e.sql(`UPDATE clients SET phone = '5521900000099' WHERE id = ?`, nowa.ID) // a number not on WhatsApp
	e.drv.FailNextSend(1, &whatsapp.TransientError{Err: errors.New("timeout")})
	e.at(sp(2026, 11, 28, 9, 0))
	m := e.rowOf(1, retried.ID)
	if m.Status != store.MsgPending || m.Attempts != 1 || m.Error != reasonTransient || m.WAID == "" {
		t.Fatalf("after the failure = %+v", m)
	}
	firstID := m.WAID
	if f := e.rowOf(1, nowa.ID); f.Status != store.MsgFailed || !strings.Contains(f.Error, "não tem WhatsApp") || f.Attempts != 1 {
		t.Fatalf("permanent = %+v", f)
	}
	e.at(sp(2026, 11, 28, 9, 1)) // before the backoff: nothing
	if len(e.drv.Sends()) != 0 || len(e.notes.summariesOf(1)) != 0 {
		t.Fatal("retried before the backoff, or summary while a retry is pending")
	}
	e.at(sp(2026, 11, 28, 9, 2))
	m = e.rowOf(1, retried.ID)
	sent := e.sentTo(retried.Phone)
	if m.Status != store.MsgSent || m.Attempts != 2 || len(sent) != 1 || sent[0].ID != firstID || m.WAID != firstID {
		t.Fatalf("after the retry = %+v, sent %+v", m, sent)
	}
	sums := e.notes.summariesOf(1)
	if len(sums) != 1 || sums[0].Sent != 1 || sums[0].Failed != 1 || sums[0].FailedList[0].ClientID != nowa.ID ||
		sums[0].FailedList[0].Name != "Sem Zap" || !strings.Contains(sums[0].FailedList[0].Reason, "não tem WhatsApp") {
		t.Fatalf("summary = %+v", sums)
	}
}

func TestTransientGivesUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t, func(c *Config, _ *whatsapp.Config) { c.MaxAttempts = 3 })
	e.reseller(1)
	e.link(1, "5511900000001")
	c := e.client(1, "Instável", "5521900000001", day(2026, 11, 28))
	for range 3 {
		e.drv.FailNextSend(1, &whatsapp.TransientError{Err: errors.New("timeout")})
	}
	e.at(sp(2026, 11, 28, 9, 0))
	e.at(sp(2026, 11, 28, 9, 2))
	e.at(sp(2026, 11, 28, 9, 6))
	m := e.rowOf(1, c.ID)
	if m.Status != store.MsgFailed || m.Attempts != 3 || m.Error != "Falhou após 3 tentativas. "+reasonTransient {
		t.Fatalf("row = %+v", m)
	}
}

// Reseller A's reminders leave only through A's session, to A's clients,
// even when B has a client with the same number.
func TestIsolationTwoTenants(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	e.reseller(2)
	e.link(1, "5511900000001")
	e.link(2, "5511900000002")
	today := day(2026, 11, 28)
	owner := map[string]int64{}
	for i := range 5 {
		for _, chat := range []int64{1, 2} {
			phone := fmt.Sprintf("552190%02d%05d", chat, i)
			e.client(chat, "Cliente", phone, today)
			owner[phone+"@s.whatsapp.net"] = chat
		}
	}
	shared := "5521988888888"
	e.client(1, "Comum A", shared, today)
	e.client(2, "Comum B", shared, today)
	if err := e.st.Tenant(1).Company().Save(e.ctx, store.Company{Name: "Loja da Ana"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Tenant(1).Templates().Save(e.ctx, msgtemplate.KindDueToday, "{primeiro_nome}, vence hoje. {empresa}"); err != nil {
		t.Fatal(err)
	}
	e.at(sp(2026, 11, 28, 9, 0))
	sends := e.drv.Sends()
	if len(sends) != 12 {
		t.Fatalf("sends = %d", len(sends))
	}
	jid := map[int64]string{1: "5511900000001:7@s.whatsapp.net", 2: "5511900000002:7@s.whatsapp.net"}
	for _, s := range sends {
		if s.DeviceJID != jid[s.ChatID] {
			t.Errorf("sent by %d through device %s", s.ChatID, s.DeviceJID)
		}
		if s.To == shared+"@s.whatsapp.net" {
			if (s.ChatID == 1) != strings.Contains(s.Text, "Loja da Ana") {
				t.Errorf("shared number got %q from %d", s.Text, s.ChatID)
			}
			continue
		}
		if owner[s.To] != s.ChatID {
			t.Errorf("%s got a reminder from %d, owner %d", s.To, s.ChatID, owner[s.To])
		}
		if s.ChatID == 2 && strings.Contains(s.Text, "Loja da Ana") {
			t.Errorf("B's client got A's company: %q", s.Text)
		}
	}
	if len(e.sentTo(shared)) != 2 {
		t.Fatal("each reseller's client with the shared number gets one message")
	}
}

// A reminder left "sending" by a crash is resent as stored with its id.
func TestInterruptedSendResentWithSameID(t *testing.T) {
	e := newEnv(t, nil)
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	c := e.client(1, "Ana", "5521900000001", today)
	rem := tn.Reminders()
	if _, err := rem.Plan(e.ctx, today, store.DefaultStages([]int{0}), []store.PlanDay{{Day: today, Status: store.MsgPending}}); err != nil {
		t.Fatal(err)
	}
	m, _, _ := rem.NextOutbox(e.ctx, e.clk.Now(), 0)
	if ok, err := rem.Claim(e.ctx, m.ID, store.ReminderClaim{WAID: "3EB0CRASHED", Phone: c.Phone, ClientName: c.Name, Body: "texto de antes do crash"}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	e.at(sp(2026, 11, 28, 9, 5))
	sent := e.sentTo(c.Phone)
	if len(sent) != 1 || sent[0].ID != "3EB0CRASHED" || sent[0].Text != "texto de antes do crash" {
		t.Fatalf("resend = %+v", sent)
	}
	if m := e.rowOf(1, c.ID); m.Status != store.MsgSent || m.WAID != "3EB0CRASHED" {
		t.Fatalf("row = %+v", m)
	}
}

// A disabled template skips its stage; a PIX text without PIX data fails
// with a reason the reseller can act on.
func TestTemplateOffAndNeedsPix(t *testing.T) {
	e := newEnv(t, nil)
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	if err := tn.Templates().SetEnabled(e.ctx, msgtemplate.KindOverdue, false); err != nil {
		t.Fatal(err)
	}
	if err := tn.Reminders().SetStages(e.ctx, []store.ReminderStage{{Offset: -2, Kind: msgtemplate.KindBeforeDue},
		{Offset: 0, Kind: msgtemplate.KindCharge}, {Offset: 1, Kind: msgtemplate.KindOverdue}}); err != nil {
		t.Fatal(err)
	}
	off := e.client(1, "Vencido", "5521900000001", today.AddDays(-1))
	pix := e.client(1, "Pix", "5521900000002", today)
	ok := e.client(1, "Antes", "5521900000003", today.AddDays(2))
	e.at(sp(2026, 11, 28, 9, 0))
	if m := e.rowOf(1, off.ID); m.Status != store.MsgSkipped || m.Error != "Não enviado: a mensagem “Vencido” está desativada." {
		t.Fatalf("disabled = %+v", m)
	}
	if m := e.rowOf(1, pix.ID); m.Status != store.MsgFailed || m.Attempts != 0 || len(e.sentTo(pix.Phone)) != 0 ||
		m.Error != "Não enviado: {pix_copia_cola}, {pix_chave} e {pix_titular} ficariam em branco para este cliente. "+
			"Preencha a chave Pix, o titular e a cidade em ⚙️ Configurações › 🏢 Dados da empresa." {
		t.Fatalf("needs pix = %+v", m)
	}
	if m := e.rowOf(1, ok.ID); m.Status != store.MsgSent {
		t.Fatalf("ok = %+v", m)
	}
	sums := e.notes.summariesOf(1)
	if len(sums) != 1 || sums[0].Sent != 1 || sums[0].Failed != 1 || sums[0].Skipped != 1 || sums[0].FailedList[0].ClientID != pix.ID {
		t.Fatalf("summary = %+v", sums)
	}
	// With the PIX data complete the charge text goes out (next day's +1
	// of the same client uses the disabled kind and stays off).
	if err := tn.Company().Save(e.ctx, store.Company{Name: "Loja", PixKey: "loja@example.com", PixHolder: "Loja LTDA", City: "Sao Paulo"}); err != nil {
		t.Fatal(err)
	}
	again := e.client(1, "Pix Ok", "5521900000004", today.AddDays(1))
	e.at(sp(2026, 11, 29, 9, 0))
	if m := e.rowOn(1, again.ID, today.AddDays(1)); m.Status != store.MsgSent || !strings.HasPrefix(m.FollowBody, "000201") {
		t.Fatalf("charge with PIX = %+v", m)
	}
}

// The daily cap of the reseller's WhatsApp closes the rest of the day's
// reminders with that reason.
func TestDailyCapClosesTheDay(t *testing.T) {
	e := newEnv(t, func(_ *Config, w *whatsapp.Config) { w.DailyCap = 1 })
	e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	first := e.client(1, "Primeiro", "5521900000001", today)
	second := e.client(1, "Segundo", "5521900000002", today)
	third := e.client(1, "Terceiro", "5521900000003", today)
	e.at(sp(2026, 11, 28, 9, 0))
	if m := e.rowOf(1, first.ID); m.Status != store.MsgSent {
		t.Fatalf("first = %+v", m)
	}
	for _, c := range []store.Client{second, third} {
		if m := e.rowOf(1, c.ID); m.Status != store.MsgSkipped || m.Error != "Não enviado: limite diário de 1 mensagem do seu WhatsApp atingido." {
			t.Fatalf("%s = %+v", c.Name, m)
		}
	}
	if sums := e.notes.summariesOf(1); len(sums) != 1 || sums[0].Sent != 1 || sums[0].Skipped != 2 {
		t.Fatalf("summary = %+v", sums)
	}
}

// A summary that could not be delivered is tried again on a later tick.
func TestSummaryRetriedWhenTelegramFails(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	e.link(1, "5511900000001")
	e.client(1, "Ana", "5521900000001", day(2026, 11, 28))
	e.notes.setFail(errors.New("telegram down"))
	e.at(sp(2026, 11, 28, 9, 0))
	e.notes.setFail(nil)
	if len(e.notes.summariesOf(1)) != 0 {
		t.Fatal("summary recorded while failing")
	}
	e.at(sp(2026, 11, 28, 9, 1))
	e.at(sp(2026, 11, 28, 9, 2))
	if sums := e.notes.summariesOf(1); len(sums) != 1 || sums[0].Sent != 1 {
		t.Fatalf("summaries = %+v", sums)
	}
}

func TestAdminDigestOncePerDay(t *testing.T) {
	e := newEnv(t, func(c *Config, _ *whatsapp.Config) {
		c.AdminDigest, c.AdminLocation, c.AdminTime = true, saoPaulo, 9*60
	})
	e.reseller(1)
	e.reseller(2)
	e.link(1, "5511900000001")
	e.client(1, "Ana", "5521900000001", day(2026, 11, 28))
	e.client(2, "Bia", "5521900000002", day(2026, 11, 28)) // B not linked
	e.at(sp(2026, 11, 28, 9, 0))
	e.at(sp(2026, 11, 28, 22, 0))
	e.at(sp(2026, 11, 29, 8, 59))
	if len(e.notes.admin) != 1 || e.notes.admin[0].Day != day(2026, 11, 27) {
		t.Fatalf("first digest = %+v", e.notes.admin)
	}
	e.at(sp(2026, 11, 29, 9, 0))
	e.at(sp(2026, 11, 29, 9, 1))
	if len(e.notes.admin) != 2 {
		t.Fatalf("digests = %+v", e.notes.admin)
	}
	if d := e.notes.admin[1]; d.Day != day(2026, 11, 28) || d.Resellers != 2 || d.Sent != 1 || d.Skipped != 1 || d.Failed != 0 {
		t.Fatalf("digest = %+v", d)
	}
}

// blockingWA never completes a send until the context ends.
type blockingWA struct{ started chan string }

func (b *blockingWA) Send(ctx context.Context, _ int64, _, _ string, o whatsapp.SendOptions) (string, error) {
	b.started <- o.MessageID
	<-ctx.Done()
	return "", ctx.Err()
}
func (b *blockingWA) NewMessageID() string { return "3EB0BLOCKED" }

// Start ticks at once; Stop interrupts a send in flight, which stays
// "sending" with its id for the next run.
func TestStartTicksAtOnceAndStopKeepsSendingRow(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	c := e.client(1, "Ana", "5521900000001", day(2026, 11, 28))
	e.clk.Set(sp(2026, 11, 28, 9, 0))
	wa := &blockingWA{started: make(chan string, 1)}
	s, err := New(Config{}, Deps{Store: e.st, WhatsApp: wa, Notifier: e.notes, Clock: e.clk})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	select {
	case id := <-wa.started:
		if id != "3EB0BLOCKED" {
			t.Fatalf("id = %q", id)
		}
	case <-e.ctx.Done():
		t.Fatal("the first tick did not run at start")
	}
	s.Stop()
	if m := e.rowOf(1, c.ID); m.Status != store.MsgSending || m.WAID != "3EB0BLOCKED" {
		t.Fatalf("after stop = %+v", m)
	}
	// Ticking a stopped scheduler starts nothing.
	if err := s.Tick(e.ctx); err != nil {
		t.Fatal(err)
	}
}
