package scheduler

import (
	"errors"
	"strings"
	"testing"

	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Issue 13, item 6: with more reminders due than the daily cap lets out,
// the most urgent go first (overdue, the longest overdue first, then due
// today, then before the due date, the nearest first), whatever order they
// were planned in; the summary says what the cap held back, per day.
func TestDailyCapSendsMostUrgentFirst(t *testing.T) {
	e := newEnv(t, func(_ *Config, w *whatsapp.Config) { w.DailyCap = 4 })
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	if err := tn.Reminders().SetStages(e.ctx, store.DefaultStages([]int{-3, -1, 0, 1, 2})); err != nil {
		t.Fatal(err)
	}
	today := day(2026, 11, 28)
	// Planned in stage order (-3 first), so by id the least urgent come first.
	early1 := e.client(1, "Três Dias A", "5521900000001", today.AddDays(3))
	early2 := e.client(1, "Três Dias B", "5521900000002", today.AddDays(3))
	tomorrow := e.client(1, "Amanhã", "5521900000003", today.AddDays(1))
	dueToday := e.client(1, "Hoje", "5521900000004", today)
	late1 := e.client(1, "Ontem", "5521900000005", today.AddDays(-1))
	late2 := e.client(1, "Anteontem", "5521900000006", today.AddDays(-2))

	e.at(sp(2026, 11, 28, 9, 0))
	var order []string
	for _, s := range e.drv.Sends() {
		order = append(order, strings.TrimSuffix(s.To, "@s.whatsapp.net"))
	}
	want := []string{late2.Phone, late1.Phone, dueToday.Phone, tomorrow.Phone}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("sent to %v, want the most urgent first %v", order, want)
	}
	capReason := "Não enviado: limite diário de 4 mensagens do seu WhatsApp atingido."
	for _, c := range []store.Client{early1, early2} {
		if m := e.rowOf(1, c.ID); m.Status != store.MsgSkipped || m.Error != capReason || m.Stage != -3 {
			t.Fatalf("%s = %+v", c.Name, m)
		}
	}
	sums := e.notes.summariesOf(1)
	if len(sums) != 1 || sums[0].Sent != 4 || sums[0].Skipped != 2 {
		t.Fatalf("summary = %+v", sums)
	}
	why := sums[0].SkippedWhy
	if len(why) != 1 || why[0].Reason != capReason || why[0].Count != 2 || len(why[0].Stages) != 1 ||
		why[0].Stages[0] != (StageCount{Stage: -3, Count: 2}) {
		t.Fatalf("what the cap held back = %+v", why)
	}
}

// The summary's reasons group every skipped reminder (not only the first
// listed ones) by reason, the largest first, and by day, most urgent first.
func TestSkipReasonsGrouping(t *testing.T) {
	got := skipReasons([]store.SkipGroup{
		{Reason: "cap", Stage: -2, Count: 100},
		{Reason: "parado", Stage: 0, Count: 60},
		{Reason: "parado", Stage: 1, Count: 50},
		{Reason: "cap", Stage: -1, Count: 2},
		{Reason: "pausado", Stage: 0, Count: 1},
	})
	want := []SkipReason{
		{Reason: "parado", Count: 110, Stages: []StageCount{{1, 50}, {0, 60}}},
		{Reason: "cap", Count: 102, Stages: []StageCount{{-1, 2}, {-2, 100}}},
		{Reason: "pausado", Count: 1, Stages: []StageCount{{0, 1}}},
	}
	if len(got) != len(want) {
		t.Fatalf("groups = %+v", got)
	}
	for i := range want {
		if got[i].Reason != want[i].Reason || got[i].Count != want[i].Count || len(got[i].Stages) != len(want[i].Stages) {
			t.Fatalf("group %d = %+v, want %+v", i, got[i], want[i])
		}
		for j := range want[i].Stages {
			if got[i].Stages[j] != want[i].Stages[j] {
				t.Fatalf("group %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	}
}

// chargeAtDue makes tn's due-day reminder the charge, with complete Pix
// data, and returns the company.
func chargeAtDue(t *testing.T, e *env, tn store.Tenant) store.Company {
	t.Helper()
	co := store.Company{Name: "Loja", PixKey: "loja@example.com", PixHolder: "Loja LTDA", City: "Sao Paulo"}
	if err := tn.Company().Save(e.ctx, co); err != nil {
		t.Fatal(err)
	}
	if err := tn.Reminders().SetStages(e.ctx, []store.ReminderStage{{Offset: 0, Kind: msgtemplate.KindCharge}}); err != nil {
		t.Fatal(err)
	}
	return co
}

// Issue 13, item 12: a reminder with {pix_copia_cola} goes as two messages
// from the reseller's session, the text (pointing below) and then the code
// alone; both ids and texts are in the reminder's row.
func TestPixCodeGoesAloneRightAfterTheReminder(t *testing.T) {
	e := newEnv(t, nil)
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	co := chargeAtDue(t, e, tn)
	today := day(2026, 11, 28)
	c := e.client(1, "Ana Pix", "5521900000001", today)
	e.at(sp(2026, 11, 28, 9, 0))

	want, err := compose.Render(msgtemplate.DefaultText(msgtemplate.KindCharge), c, co, today)
	if err != nil || want.Pix == "" {
		t.Fatalf("render: %+v %v", want, err)
	}
	sent := e.sentTo(c.Phone)
	if len(sent) != 2 || sent[0].Text != want.Text || sent[1].Text != want.Pix || !strings.HasPrefix(sent[1].Text, "000201") ||
		!strings.Contains(sent[0].Text, compose.PixPointer) || strings.Contains(sent[0].Text, "000201") ||
		sent[0].ChatID != 1 || sent[1].ChatID != 1 || sent[0].ID == sent[1].ID {
		t.Fatalf("sent = %+v", sent)
	}
	m := e.rowOf(1, c.ID)
	if m.Status != store.MsgSent || m.WAID != sent[0].ID || m.Body != sent[0].Text || m.FollowWAID != sent[1].ID || m.FollowBody != sent[1].Text {
		t.Fatalf("row = %+v", m)
	}
	// A phone that could not decrypt the code asks for it again: it is
	// found in the log by its own id.
	phone, body, ok, err := tn.Messages().SentText(e.ctx, m.FollowWAID)
	if err != nil || !ok || phone != c.Phone || body != want.Pix {
		t.Fatalf("SentText(code id) = %q %q %v %v", phone, body, ok, err)
	}
	if sums := e.notes.summariesOf(1); len(sums) != 1 || sums[0].Sent != 1 {
		t.Fatalf("the pair counts as one reminder: %+v", sums)
	}
}

// When the code's message fails after the text left, the reminder is
// retried as it was claimed: the same two ids, so the client's phone keeps
// one copy of the text and gets the code once.
func TestPixCodeFailureRetriesBothUnderTheirIDs(t *testing.T) {
	e := newEnv(t, nil)
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	chargeAtDue(t, e, tn)
	c := e.client(1, "Ana Pix", "5521900000001", day(2026, 11, 28))
	e.drv.FailNextSend(1, nil) // the text goes
	e.drv.FailNextSend(1, &whatsapp.TransientError{Err: errors.New("timeout")})
	e.at(sp(2026, 11, 28, 9, 0))
	m := e.rowOf(1, c.ID)
	sent := e.sentTo(c.Phone)
	if m.Status != store.MsgPending || m.Attempts != 1 || m.Error != reasonTransient || m.WAID == "" || m.FollowWAID == "" ||
		len(sent) != 1 || sent[0].ID != m.WAID {
		t.Fatalf("after the code failed: row %+v, sent %+v", m, sent)
	}
	e.at(sp(2026, 11, 28, 9, 2))
	after := e.rowOf(1, c.ID)
	sent = e.sentTo(c.Phone)
	if after.Status != store.MsgSent || after.WAID != m.WAID || after.FollowWAID != m.FollowWAID || len(sent) != 3 {
		t.Fatalf("after the retry: row %+v, sent %+v", after, sent)
	}
	ids := map[string]int{}
	for _, s := range sent {
		ids[s.ID]++
	}
	if len(ids) != 2 || ids[m.WAID] != 2 || ids[m.FollowWAID] != 1 || sent[2].Text != after.FollowBody {
		t.Fatalf("ids sent = %v (text %s, code %s)", ids, m.WAID, m.FollowWAID)
	}
}

// A reminder left "sending" by a crash with its code part is resent as
// stored: both texts under both stored ids.
func TestInterruptedPixReminderResentWithBothIDs(t *testing.T) {
	e := newEnv(t, nil)
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	c := e.client(1, "Ana", "5521900000001", today)
	rem := tn.Reminders()
	if _, err := rem.Plan(e.ctx, today, []store.ReminderStage{{Offset: 0, Kind: msgtemplate.KindCharge}},
		[]store.PlanDay{{Day: today, Status: store.MsgPending}}); err != nil {
		t.Fatal(err)
	}
	m, _, _ := rem.NextOutbox(e.ctx, e.clk.Now(), 0)
	claim := store.ReminderClaim{WAID: "3EB0CRASHTEXT", Phone: c.Phone, ClientName: c.Name, Body: "texto de antes do crash",
		FollowWAID: "3EB0CRASHCODE", FollowBody: "00020126codigo"}
	if ok, err := rem.Claim(e.ctx, m.ID, claim); !ok || err != nil {
		t.Fatal(ok, err)
	}
	e.at(sp(2026, 11, 28, 9, 5))
	sent := e.sentTo(c.Phone)
	if len(sent) != 2 || sent[0].ID != claim.WAID || sent[0].Text != claim.Body || sent[1].ID != claim.FollowWAID || sent[1].Text != claim.FollowBody {
		t.Fatalf("resend = %+v", sent)
	}
	if m := e.rowOf(1, c.ID); m.Status != store.MsgSent || m.WAID != claim.WAID || m.FollowWAID != claim.FollowWAID {
		t.Fatalf("row = %+v", m)
	}
}

// Issue 13, item 13: a reminder whose text uses a variable that is empty
// (the company's name, the client's server) is not sent; the reseller is
// told which field to fill, in the row and the daily summary. A client who
// has the field gets the reminder.
func TestReminderWithAnEmptyVariableIsHeld(t *testing.T) {
	e := newEnv(t, nil)
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	if err := tn.Templates().Save(e.ctx, msgtemplate.KindDueToday, "Oi {primeiro_nome}, seu plano vence {dias}.\n{empresa}"); err != nil {
		t.Fatal(err)
	}
	if err := tn.Templates().Save(e.ctx, msgtemplate.KindBeforeDue, "Oi {primeiro_nome}, seu acesso ao {servidor} vence {dias}."); err != nil {
		t.Fatal(err)
	}
	noCompany := e.client(1, "Ana Hoje", "5521900000001", today)
	noServer := e.client(1, "Bia Sem Servidor", "5521900000002", today.AddDays(2))
	plan, err := tn.Plans().FindByName(e.ctx, "Mensal")
	if err != nil {
		t.Fatal(err)
	}
	withServer, err := tn.Clients().Create(e.ctx, store.NewClient{Name: "Caio Com Servidor", Phone: "5521900000003", PlanID: plan.ID,
		Price: 3590, Due: today.AddDays(2), Server: "Alfa"})
	if err != nil {
		t.Fatal(err)
	}
	e.drv.SetOnWhatsApp(withServer.Phone, "")

	e.at(sp(2026, 11, 28, 9, 0))
	for _, tc := range []struct {
		c      store.Client
		reason string
	}{
		{noCompany, "Não enviado: {empresa} ficaria em branco para este cliente. Preencha o nome da empresa em ⚙️ Configurações › 🏢 Dados da empresa."},
		{noServer, "Não enviado: {servidor} ficaria em branco para este cliente. Preencha o servidor no cadastro do cliente."},
	} {
		if m := e.rowOf(1, tc.c.ID); m.Status != store.MsgFailed || m.Error != tc.reason || m.Attempts != 0 || len(e.sentTo(tc.c.Phone)) != 0 {
			t.Errorf("%s: row %+v, sent %+v", tc.c.Name, m, e.sentTo(tc.c.Phone))
		}
	}
	if sent := e.sentTo(withServer.Phone); len(sent) != 1 || sent[0].Text != "Oi Caio, seu acesso ao Alfa vence em 2 dias." {
		t.Fatalf("client with the field: %+v", sent)
	}
	sums := e.notes.summariesOf(1)
	if len(sums) != 1 || sums[0].Sent != 1 || sums[0].Failed != 2 || len(sums[0].FailedList) != 2 {
		t.Fatalf("summary = %+v", sums)
	}
	for _, p := range sums[0].FailedList {
		if p.ClientID == noCompany.ID && !strings.Contains(p.Reason, "o nome da empresa") ||
			p.ClientID == noServer.ID && !strings.Contains(p.Reason, "o servidor no cadastro do cliente") {
			t.Errorf("summary line %+v", p)
		}
	}

	// With the name filled in, the next day's reminder goes.
	if err := tn.Company().Save(e.ctx, store.Company{Name: "Loja da Ana"}); err != nil {
		t.Fatal(err)
	}
	next := e.client(1, "Duda Amanhã", "5521900000004", today.AddDays(1))
	e.at(sp(2026, 11, 29, 9, 0))
	if sent := e.sentTo(next.Phone); len(sent) != 1 || sent[0].Text != "Oi Duda, seu plano vence hoje.\nLoja da Ana" {
		t.Fatalf("after filling the name: %+v", sent)
	}
}
