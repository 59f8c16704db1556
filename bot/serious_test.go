package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/bot/telegramtest"
	"renovabot/msgtemplate"
	"renovabot/store"
)

// Issue 13, "Serious" and "Medium" items: renewals never shorten paid
// time, editing keeps a field unless asked, markup is escaped once, any
// button outside a wizard ends it, reductions of access are confirmed,
// dates long past are confirmed, and /apagarconta wants the exact word.

// livePayments returns chat 101's payments of client id that were not undone.
func (h *harness) livePayments(id int64) []store.Payment {
	h.t.Helper()
	h.waitIdle()
	pays, err := h.store.Tenant(101).Payments().ForClient(context.Background(), id, 100)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []store.Payment
	for _, p := range pays {
		if !p.Undone {
			out = append(out, p)
		}
	}
	return out
}

// Item 1: a client paid until 10/02/2027 is not offered "a partir de hoje
// → 28/12/2026"; a forged press of it and a typed earlier date change
// nothing. An overdue client is offered it and it renews.
func TestRenewalNeverShortensPaidTime(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	paid := billing.Date{Year: 2027, Month: 2, Day: 10}
	c := h.addClient(101, "Carla", "5511987654321", "Mensal", 4590, paid)

	h.openCard(101, "Carla")
	m := h.click(101, "🔄 Renovar", "Renovar Carla")
	for _, row := range m.Keyboard {
		for _, bt := range row {
			if strings.Contains(bt.Text, "A partir de hoje") {
				t.Fatalf("a client paid until 10/02/2027 is offered %q", bt.Text)
			}
		}
	}
	buttonData(t, m, "➕ +1 mês → 10/03/2027")

	// The button a forged (or older build's) screen would carry.
	other := buttonData(t, m, "✍️ Outra data")
	once := strings.Split(other, "|")[4]
	if got := h.forge(101, CB(actRenewApply, c.ID, "t", compactDate(paid), once)); got != txtNotFound {
		t.Fatalf("forged 'a partir de hoje' answered %q", got)
	}
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Due != paid {
		t.Fatalf("forged press moved the due date to %v", got.Due)
	}

	// A typed date before the paid date is refused and the question stays.
	h.click(101, "✍️ Outra data", "Até quando")
	r := h.say(101, "29/12/2026", "⚠️")
	if !strings.Contains(r.Text, "precisa ser depois do vencimento atual (10/02/2027)") {
		t.Fatalf("earlier typed date answered:\n%s", r.Text)
	}
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Due != paid {
		t.Fatalf("typed earlier date moved the due date to %v", got.Due)
	}
	if pays := h.livePayments(c.ID); len(pays) != 0 {
		t.Fatalf("refused renewals recorded payments: %+v", pays)
	}
	h.say(101, "15/03/2027", "Novo vencimento: 15/03/2027")

	// The store keeps the rule whatever the screen.
	_, _, err := h.store.Tenant(101).Clients().Renew(ctx, c.ID, store.Renewal{
		ExpectDue: billing.Date{Year: 2027, Month: 3, Day: 15}, NewDue: billing.Date{Year: 2027, Month: 3, Day: 1}, Anchor: 1, PaidOn: hToday})
	if !errors.Is(err, store.ErrBackwards) {
		t.Fatalf("store renewal backwards: err = %v", err)
	}

	// An overdue client: "a partir de hoje" lands after its due date.
	late := h.addClient(101, "Bruno", "5511987654322", "Mensal", 3000, hToday.AddDays(-10))
	h.openCard(101, "Bruno")
	h.click(101, "🔄 Renovar", "Renovar Bruno")
	h.click(101, "📅 A partir de hoje → 28/12/2026", "Novo vencimento: 28/12/2026")
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, late.ID); got.Due != (billing.Date{Year: 2026, Month: 12, Day: 28}) {
		t.Fatalf("overdue client renewed from today to %v", got.Due)
	}
}

// Item 3: every screen a reseller and an admin reach, with names full of
// "&" and "<...>", shows no markup as text: the "Clientes por situação"
// caption read "Previsto no mês: <b>R$ …</b>". telegramtest checks every
// text and caption of every end-to-end test the same way (CheckMarkup in
// newHarness); this walk makes sure the screens are visited at all.
func TestEveryScreenShowsMarkupOnlyAsFormatting(t *testing.T) {
	h := newHarness(t)
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Zé & <Cia>"})
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.say(900, "/start", "Boas-vindas")
	ctx := context.Background()
	tn := h.store.Tenant(101)
	if err := tn.Company().Save(ctx, store.Company{Name: "Loja & <Cia>", PixHolder: "Zé & Cia", City: "São Paulo"}); err != nil {
		t.Fatal(err)
	}
	plan, err := tn.Plans().FindByName(ctx, "Mensal")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tn.Clients().Create(ctx, store.NewClient{Name: "Ana & <Filhos>", Phone: "5511987654321", PlanID: plan.ID,
		Price: 112060, Due: hToday.AddDays(2), Server: "S&P <1>", Notes: "senha <123> & mac"})
	if err != nil {
		t.Fatal(err)
	}
	// A second client typed through the wizard, whose screens are walked too.
	h.say(101, "/novo", "Qual o nome")
	h.say(101, "Bia <Cia> & Filhos", "WhatsApp")
	h.say(101, "11987654322", "plano")
	h.say(101, "Mensal", "valor")
	h.say(101, "30", "vencimento")
	h.say(101, "25/11/2026", "servidor")
	h.say(101, "S&P <1>", "observação")
	h.say(101, "MAC <00:1A> & senha", "Confira o cadastro")
	h.say(101, "sim", "Cliente cadastrado")

	list := back{kind: "l", filter: store.FilterAll}
	screens := []string{
		CB(actMenu), CB(actList, string(store.FilterAll), 0), cardCB(c.ID, list), CB(actRenewMenu, c.ID),
		CB(actEditMenu, c.ID), CB(actDueDates), CB(actReports), CB(actReportShow, "30d"), CB(actReportCharts, "30d"),
		CB(actSettings), CB(actPlans), CB(actServers), CB(actTpl), CB(actCompany), CB(actRem), CB(actRemKinds),
		CB(actAccount), CB(actHelp), CB(actWA), CB(actImportHelp), CB(actExport),
	}
	for _, k := range msgtemplate.Kinds {
		screens = append(screens, CB(actTplView, string(k)))
	}
	for _, data := range screens {
		if got := h.forge(101, data); got == txtFailedShort || got == txtNotFound {
			t.Fatalf("screen %s answered %q", data, got)
		}
	}
	for _, data := range []string{CB(actAdmin), CB(actAdmList, 0), CB(actAdmCard, 101, 0), CB(actAdmStats), CB(actAdmAudit),
		CB(actReportAdmin, "30d")} {
		if got := h.forge(900, data); got == txtFailedShort || got == txtNotFound {
			t.Fatalf("admin screen %s answered %q", data, got)
		}
	}

	var caption string
	for _, m := range h.srv.BotMessages(101) {
		if m.Photo != nil && strings.Contains(m.Text, "Clientes por situação") {
			caption = m.Text
		}
	}
	if !strings.Contains(caption, "Ainda a receber no mês: R$ 1.150,60") || strings.Contains(caption, "<b>") {
		t.Fatalf("status chart caption reads:\n%s", caption)
	}
	for _, f := range h.srv.MarkupFaults() {
		t.Errorf("markup shown as text: %s", f)
	}
}

// Item 10: /apagarconta asks for APAGAR and takes nothing else: "apagar"
// and "Apagar" are refused, with the reason, and nothing is erased.
func TestEraseAccountRequiresTheExactWord(t *testing.T) {
	h := startedHarness(t, 101)
	c := h.addClient(101, "Carla", "5511987654321", "Mensal", 4590, hToday)
	h.say(101, "/apagarconta", "digite APAGAR")
	for _, typed := range []string{"apagar", "Apagar", "APAGAR!"} {
		m := h.say(101, typed, "⚠️")
		if !strings.Contains(m.Text, "Nada foi apagado") || !strings.Contains(m.Text, "letras maiúsculas") {
			t.Fatalf("%q answered:\n%s", typed, m.Text)
		}
		if _, err := h.store.Tenant(101).Clients().Get(context.Background(), c.ID); err != nil {
			t.Fatalf("%q erased the account: %v", typed, err)
		}
	}
	h.say(101, "APAGAR", "foram apagados")
	if _, err := h.store.Tenant(101).Account().Get(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("account after APAGAR: %v", err)
	}
}

// Item 2: while editing, "pular" and ✅ Manter keep the stored notes or
// server, 🗑️ Apagar erases them, and the card says which happened.
func TestEditingOptionalFieldSkipKeepsIt(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	tn := h.store.Tenant(101)
	plan, err := tn.Plans().FindByName(ctx, "Mensal")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tn.Clients().Create(ctx, store.NewClient{Name: "Carla", Phone: "5511987654321", PlanID: plan.ID, Price: 3000,
		Due: hToday.AddDays(20), Server: "Alfa", Notes: "MAC 00:1A senha 1234"})
	if err != nil {
		t.Fatal(err)
	}
	stored := func() store.Client {
		t.Helper()
		h.waitIdle()
		got, err := tn.Clients().Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	edit := func(field string) telegramtest.Message {
		t.Helper()
		h.openCard(101, "Carla")
		h.click(101, "✏️ Editar", "qual campo")
		return h.click(101, field, "Editando Carla")
	}

	q := edit("Observações")
	card := h.say(101, "pular", "👤 Carla")
	if got := stored(); got.Notes != "MAC 00:1A senha 1234" {
		t.Fatalf("'pular' while editing changed the notes to %q", got.Notes)
	}
	if !strings.Contains(card.Text, "Observações mantidas: nada mudou.") {
		t.Fatalf("kept notes reported as:\n%s", card.Text)
	}
	buttonData(t, q, "✅ Manter")
	buttonData(t, q, "🗑️ Apagar")
	edit("Servidor")
	h.say(101, "pular", "Servidor mantido: nada mudou.")
	edit("Observações")
	h.click(101, "✅ Manter", "Observações mantidas")
	if got := stored(); got.Notes != "MAC 00:1A senha 1234" || got.Server != "Alfa" {
		t.Fatalf("kept fields changed: %+v", got)
	}

	edit("Observações")
	h.click(101, "🗑️ Apagar", "Observações apagadas.")
	if got := stored(); got.Notes != "" {
		t.Fatalf("Apagar left the notes %q", got.Notes)
	}
	// Nothing left to erase: only Manter is offered.
	if q := edit("Observações"); strings.Contains(buttonLabels(q), "Apagar") {
		t.Fatalf("empty notes offer %s", buttonLabels(q))
	}
	h.say(101, "Nova senha 999", "Observações atualizadas.")
	edit("Servidor")
	h.say(101, "apagar", "Servidor apagado: o cliente ficou sem servidor.")
	if got := stored(); got.Notes != "Nova senha 999" || got.Server != "" {
		t.Fatalf("after typed notes and erased server: %+v", got)
	}
}

// Item 4: in the middle of /novo, 👥 Clientes on an older message shows
// the list and ends the wizard, saying so in one line; the next text is
// not taken as the wizard's answer. A press refused before anything was
// shown keeps the wizard; a button that starts another wizard says so
// before its question; /menu says so too.
func TestMenuButtonsLeaveTheWizard(t *testing.T) {
	h := startedHarness(t, 101)
	h.addClient(101, "Carla", "5511987654321", "Mensal", 3000, hToday.AddDays(5))
	h.say(101, "/novo", "Qual o nome")
	q := h.say(101, "Maria Souza", "WhatsApp")

	// A stale button (a deleted client's card) changes nothing.
	if got := h.forge(101, cardCB(99999, back{kind: "l", filter: store.FilterAll})); got != txtNotFound {
		t.Fatalf("stale card answered %q", got)
	}
	if step := h.convStep(101); step != fPhone {
		t.Fatalf("a refused press moved the wizard to %q", step)
	}

	before := h.botMessageCount(101)
	h.click(101, "👥 Clientes", "Clientes — todos (1)")
	note := h.waitText(101, before, "Você saiu de Novo cliente")
	if strings.Count(note.Text, "\n") != 0 {
		t.Fatalf("the notice is not one line:\n%s", note.Text)
	}
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("the wizard is still running after 👥 Clientes")
	}
	for _, m := range h.srv.BotMessages(101) {
		if m.ID == q.ID && len(m.Keyboard) != 0 {
			t.Fatalf("the left question keeps its buttons: %v", m.Keyboard)
		}
	}
	m := h.say(101, "maria", "Não entendi")
	if strings.Contains(m.Text, "Telefone inválido") {
		t.Fatalf("text after leaving answered as the wizard's:\n%s", m.Text)
	}
	if n := len(h.clients(101)); n != 1 {
		t.Fatalf("%d clients", n)
	}

	// A button that starts another wizard: the line comes before its question.
	h.say(101, "/novo", "Qual o nome")
	before = h.botMessageCount(101)
	h.forge(101, CB(actSearchAsk))
	msgs := h.srv.BotMessages(101)[before:]
	if len(msgs) < 2 || !strings.Contains(msgs[0].Text, "Você saiu de Novo cliente") {
		t.Fatalf("messages after 🔎 Buscar in a wizard: %q", texts(msgs))
	}
	if c, ok := conversation(t, h, 101); !ok || c.Flow != flowSearch {
		t.Fatalf("conversation after 🔎 Buscar = %+v, %v", c, ok)
	}
	// /menu says so as well.
	menu := h.say(101, "/menu", "Menu principal")
	if !strings.Contains(menu.Text, "Você saiu de Buscar") {
		t.Fatalf("/menu in a wizard:\n%s", menu.Text)
	}
}

func texts(msgs []telegramtest.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}

// Item 8: the admin's "Até uma data" earlier than the running access's end
// is a reduction: confirmed first, and worded as a change to the admin,
// the reseller and the audit log. A later date extends as before.
func TestAdminEarlierDateIsAConfirmedReduction(t *testing.T) {
	h := newHarness(t)
	h.srv.SetUser(telegramtest.User{ID: 900, FirstName: "Operador"})
	h.start()
	h.say(900, "/start", "Menu principal")
	paidEnd := time.Date(2027, 2, 11, 0, 0, 0, 0, spLoc) // last day 10/02/2027
	h.register(101, "Ana Lima", store.Access{Status: store.StatusActive, Until: paidEnd})
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})

	h.say(900, "/admin", "Painel do administrador")
	h.forge(900, CB(actAdmCard, 101, 0))
	h.click(900, "📅 Até uma data", "Até que dia")
	q := h.say(900, "15/12/2026", "Reduzir o acesso de Ana Lima?")
	if !strings.Contains(q.Text, "vale até 10/02/2027") || strings.Contains(q.Text, "estendido") {
		t.Fatalf("confirmation:\n%s", q.Text)
	}
	if r := h.reseller(101); !r.AccessUntil.Equal(paidEnd) {
		t.Fatalf("access changed before confirming: %v", r.AccessUntil)
	}
	h.click(900, "✏️ Outra data", "Até que dia")
	h.say(900, "10/02/2027", "já vai até 10/02/2027")
	h.say(900, "15/12/2026", "Reduzir o acesso")
	card := h.click(900, "✂️ Sim, reduzir até 15/12/2026", "Situação")
	if !strings.Contains(card.Text, "Acesso de Ana Lima alterado: agora vai até 15/12/2026 (antes até 10/02/2027)") ||
		strings.Contains(card.Text, "estendido") {
		t.Fatalf("admin card after the reduction:\n%s", card.Text)
	}
	told := h.waitText(101, 0, "foi alterado")
	if !strings.Contains(told.Text, "agora vai até 15/12/2026") || strings.Contains(told.Text, "renovado") || strings.Contains(told.Text, "Obrigado") {
		t.Fatalf("reseller told:\n%s", told.Text)
	}
	if r := h.reseller(101); !r.AccessUntil.Equal(time.Date(2026, 12, 16, 0, 0, 0, 0, spLoc)) {
		t.Fatalf("access after the reduction: %v", r.AccessUntil)
	}
	log := h.audit()
	if len(log) != 1 || log[0].Action != store.AuditReduce || log[0].Detail != "até 15/12/2026 (antes até 10/02/2027)" {
		t.Fatalf("audit = %+v", log)
	}

	// A later date extends at once, as before.
	h.click(900, "📅 Até uma data", "Até que dia")
	h.say(900, "20/12/2026", "estendido até 20/12/2026")
	h.waitText(101, 0, "renovado até 20/12/2026")
	h.say(900, "/admin", "Painel")
	h.click(900, "📜 Registro de ações", "reduziu o acesso de Ana Lima (101): até 15/12/2026 (antes até 10/02/2027)")
}

func TestAccessCut(t *testing.T) {
	now := harnessNow // 28/11/2026
	end := time.Date(2027, 2, 11, 0, 0, 0, 0, spLoc)
	dec15 := billing.Date{Year: 2026, Month: 12, Day: 15}
	mar1 := billing.Date{Year: 2027, Month: 3, Day: 1}
	res := func(st store.ResellerStatus, until time.Time) store.Reseller {
		return store.Reseller{Status: st, AccessUntil: until, Timezone: "America/Sao_Paulo"}
	}
	for _, c := range []struct {
		name string
		r    store.Reseller
		last billing.Date
		want bool
	}{
		{"earlier than a running end", res(store.StatusActive, end), dec15, true},
		{"later than a running end", res(store.StatusActive, end), mar1, false},
		{"trial, earlier", res(store.StatusTrial, end), dec15, true},
		{"no end at all", res(store.StatusActive, time.Time{}), mar1, true},
		{"blocked with a later end kept", res(store.StatusBlocked, end), dec15, true},
		{"access already over", res(store.StatusActive, now.Add(-time.Hour)), dec15, false},
		{"expired", res(store.StatusExpired, end), dec15, false},
	} {
		if got := accessCut(c.r, now, c.last); got != c.want {
			t.Errorf("%s: accessCut = %v, want %v", c.name, got, c.want)
		}
	}
}

// Item 9: a typed due date more than a year in the past asks "É isso
// mesmo?" before it is saved, in the new-client wizard, the due date edit
// and a renewal's typed date; a CSV row with one is refused with why.
func TestDateLongPastAsksFirst(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	h.say(101, "/novo", "Qual o nome")
	h.say(101, "Dora", "WhatsApp")
	h.say(101, "11987654321", "plano")
	h.say(101, "Mensal", "valor")
	h.say(101, "30", "vencimento")
	q := h.say(101, "01/01/2020", "É isso mesmo?")
	if !strings.Contains(q.Text, "01/01/2020 foi há mais de um ano (2523 dias)") {
		t.Fatalf("confirmation:\n%s", q.Text)
	}
	if step := h.convStep(101); step != fDue {
		t.Fatalf("an unconfirmed date moved the wizard to %q", step)
	}
	h.click(101, "✏️ Corrigir", "Qual o vencimento")
	h.say(101, "01/01/2020", "É isso mesmo?")
	h.say(101, "15/12/2026", "servidor") // another date replaces it
	h.say(101, "/cancelar", "cancelada")

	h.say(101, "/novo", "Qual o nome")
	h.say(101, "Dora", "WhatsApp")
	h.say(101, "11987654321", "plano")
	h.say(101, "Mensal", "valor")
	h.say(101, "30", "vencimento")
	h.say(101, "01/01/2020", "É isso mesmo?")
	h.say(101, "sim", "servidor")
	h.say(101, "pular", "observação")
	h.say(101, "pular", "Confira o cadastro")
	h.say(101, "sim", "Cliente cadastrado")
	dora := h.clientNamed(101, "Dora")
	if dora.Due != (billing.Date{Year: 2020, Month: 1, Day: 1}) {
		t.Fatalf("confirmed date stored as %v", dora.Due)
	}

	// The due date edit.
	h.openCard(101, "Dora")
	h.click(101, "✏️ Editar", "qual campo")
	h.click(101, "Vencimento", "Editando Dora")
	h.say(101, "10/10/2024", "É isso mesmo?")
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, dora.ID); got.Due != dora.Due {
		t.Fatalf("unconfirmed edit saved %v", got.Due)
	}
	h.click(101, "✅ Sim, é 10/10/2024", "Vencimento atualizado")
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, dora.ID); got.Due != (billing.Date{Year: 2024, Month: 10, Day: 10}) {
		t.Fatalf("confirmed edit saved %v", got.Due)
	}

	// A renewal's typed date, after the due date but long past.
	h.click(101, "🔄 Renovar", "Renovar Dora")
	h.click(101, "✍️ Outra data", "Até quando")
	h.say(101, "10/11/2024", "É isso mesmo?")
	if pays := h.livePayments(dora.ID); len(pays) != 0 {
		t.Fatalf("unconfirmed renewal recorded %+v", pays)
	}
	h.click(101, "✅ Sim, é 10/11/2024", "Novo vencimento: 10/11/2024")

	// Imports cannot ask: the row is refused with the reason.
	before := h.botMessageCount(101)
	h.srv.SendDocument(101, "clientes.csv", []byte("nome;telefone;plano;valor;vencimento\n"+
		"Eva;11987650001;Mensal;30;01/01/2020\nFabi;11987650002;Mensal;30;15/12/2026\n"), "")
	m := h.waitText(101, before, "Importação concluída")
	if !strings.Contains(m.Text, "linha 2 — vencimento: 01/01/2020 foi há mais de um ano (2523 dias)") {
		t.Fatalf("import report:\n%s", m.Text)
	}
	for _, c := range h.clients(101) {
		if c.Name == "Eva" {
			t.Fatalf("a row due 01/01/2020 was imported: %+v", c)
		}
	}
}
