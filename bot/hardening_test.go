package bot

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"renovabot/store"
)

// Issue 12, from the reseller's and the admin's side: forged button values,
// buttons pressed twice, old buttons after a delete, invisible characters.

// forge presses data as chat on the newest bot message and returns the
// answer to the press, once the bot is done with it.
func (h *harness) forge(chat int64, data string) string {
	h.t.Helper()
	last, _ := h.srv.LastBotMessage(chat)
	a := h.waitAnswer(h.srv.Press(chat, last.ID, data))
	h.waitIdle()
	return a.Text
}

// A modified client can send any button data in its own chat. The new
// client wizard's price and due date buttons are read by the same rules as
// typed answers: a value no typed answer could give is "não encontrado ou
// expirado" and nothing is kept.
func TestForgedWizardButtonsMeetTypedLimits(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/novo", "Qual o nome")
	h.say(101, "Mari", "WhatsApp")
	h.say(101, "31 98765 4321", "plano")
	h.click(101, "Mensal", "valor")
	for _, v := range []string{"9223372036854775807", "10000001", "0", "-5", "35,90"} {
		conv, _ := conversation(t, h, 101)
		if got := h.forge(101, CB(actWizard, conv.Token, fPrice, v)); got != txtNotFound {
			t.Errorf("forged price %q answered %q", v, got)
		}
		if c, _ := conversation(t, h, 101); c.Step != fPrice || c.Data[fPrice] != "" {
			t.Fatalf("forged price %q kept: step %q, data %v", v, c.Step, c.Data)
		}
	}
	h.say(101, "35", "vencimento")
	for _, v := range []string{"9999-12-31", "2101-01-01", "0001-01-01", "1999-12-31", "2026-02-30", "amanhã?"} {
		conv, _ := conversation(t, h, 101)
		if got := h.forge(101, CB(actWizard, conv.Token, fDue, v)); got != txtNotFound {
			t.Errorf("forged due date %q answered %q", v, got)
		}
		if c, _ := conversation(t, h, 101); c.Step != fDue || c.Data[fDue] != "" {
			t.Fatalf("forged due date %q kept: step %q, data %v", v, c.Step, c.Data)
		}
	}
	// The real buttons still work.
	h.click(101, "Hoje", "servidor")
	h.say(101, "pular", "observação")
	h.say(101, "pular", "Confira o cadastro")
	h.click(101, "✅ Confirmar", "Cliente cadastrado")
	list := h.clients(101)
	if len(list) != 1 || list[0].Price != 3500 || list[0].Due != hToday {
		t.Fatalf("clients = %+v", list)
	}
}

// A row holding the largest int64 (written before the database refused it,
// or by hand) leaves the reseller's /clientes and the admin's report over
// every reseller working.
func TestExtremeRowKeepsListAndAdminReport(t *testing.T) {
	h := startedHarness(t, 101, 900)
	ctx := context.Background()
	for _, name := range []string{"Ana", "Bia"} {
		c := h.addClient(101, name, "5511987654321", "Mensal", 3000, hToday)
		if _, _, err := h.store.Tenant(101).Clients().Renew(ctx, c.ID, store.Renewal{ExpectDue: c.Due, NewDue: hToday.AddDays(3),
			Anchor: 1, PaidOn: hToday}); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite3", "file:"+h.store.Path()+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`PRAGMA ignore_check_constraints = ON`,
		`UPDATE clients SET price = 9223372036854775807`,
		`UPDATE payments SET amount = 9223372036854775807`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	m := h.say(101, "/clientes", "Clientes — todos (2)")
	if labels := buttonLabels(m); !strings.Contains(labels, "Ana") || !strings.Contains(labels, "Bia") {
		t.Fatalf("list = %q\n%s", m.Text, labels)
	}
	h.say(900, "/relatorios", "escolha o período")
	h.click(900, "Este mês", "Relatório")
	am := h.click(900, "🌐 Todos os revendedores", "Todos os revendedores")
	if !strings.Contains(am.Text, "Revendedores: 2") {
		t.Fatalf("admin report = %q", am.Text)
	}
	for _, chat := range []int64{101, 900} {
		for _, msg := range h.srv.BotMessages(chat) {
			if strings.Contains(msg.Text, txtFailed) {
				t.Fatalf("chat %d was told %q", chat, msg.Text)
			}
		}
	}
}

// A renewal button pressed again, even after the renewal was undone (the
// due date is back where the button expects it), renews once; the second
// press says so.
func TestRenewalButtonActsOnce(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	due := hToday.AddDays(-8) // 20/11/2026: overdue, so "a partir de hoje" is offered
	c := h.addClient(101, "Carla", "5511987654321", "Mensal", 4590, due)
	h.say(101, "/clientes", "Clientes")
	h.click(101, "Carla — 20/11", "Carla")
	m := h.click(101, "🔄 Renovar", "Renovar Carla")
	fromToday := buttonData(t, m, "📅 A partir de hoje → 28/12/2026")
	otherDate := buttonData(t, m, "✍️ Outra data")
	h.click(101, "📅 A partir de hoje → 28/12/2026", "registrada")

	last, _ := h.srv.LastBotMessage(101)
	a := h.waitAnswer(h.srv.Press(101, m.ID, fromToday))
	if !strings.Contains(a.Text, "já foi renovado") {
		t.Fatalf("second press answered %+v", a)
	}
	h.waitIdle()
	if pays := h.livePayments(c.ID); len(pays) != 1 {
		t.Fatalf("one button, %d payments: %+v", len(pays), pays)
	}
	if now, _ := h.srv.LastBotMessage(101); now.ID != last.ID || now.Text != last.Text {
		t.Fatalf("second press changed the confirmation:\n%s", now.Text)
	}
	// Undone, the due date is 20/11 again: the same button still does not
	// renew a second time.
	h.click(101, "↩️ Desfazer", "Renovação desfeita")
	if a := h.waitAnswer(h.srv.Press(101, m.ID, fromToday)); !strings.Contains(a.Text, "já foi renovado") {
		t.Fatalf("press after undo answered %+v", a)
	}
	h.waitIdle()
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Due != due {
		t.Fatalf("press after undo moved the due date to %v", got.Due)
	}
	// Redo it through a new screen, as a reseller would.
	h.click(101, "🔄 Renovar", "Renovar Carla")
	h.click(101, "📅 A partir de hoje → 28/12/2026", "registrada")
	// "Outra data" of the same screen asks the date, then says the same.
	before := h.botMessageCount(101)
	h.srv.Press(101, m.ID, otherDate)
	h.waitText(101, before, "Até quando")
	h.say(101, "10/01/2027", "já foi renovado")
	if pays := h.livePayments(c.ID); len(pays) != 1 {
		t.Fatalf("the same screen's typed date renewed again: %+v", pays)
	}
	// A new renewal screen renews again, as asked.
	h.click(101, "👤 Ver cliente", "Carla")
	h.click(101, "🔄 Renovar", "Renovar Carla")
	h.click(101, "➕ +1 mês → 28/01/2027", "registrada")
	if pays := h.livePayments(c.ID); len(pays) != 2 {
		t.Fatalf("%d payments after a second screen", len(pays))
	}
}

// The admin card's "+1 mês" pressed twice extends once.
func TestAdminCardButtonsActOnce(t *testing.T) {
	h := startedHarness(t, 900, 101)
	h.say(900, "/admin", "Painel do administrador")
	h.click(900, "👥 Revendedores", "Revendedores")
	card := h.click(900, "· 101", "Situação")
	plusMonth := buttonData(t, card, "➕ 1 mês")
	block := buttonData(t, card, "⛔ Bloquear")
	h.click(900, "➕ 1 mês", "estendido até 05/01/2027")
	want := h.reseller(101).AccessUntil

	for _, data := range []string{plusMonth, block} {
		a := h.waitAnswer(h.srv.Press(900, card.ID, data))
		if !a.Alert || !strings.Contains(a.Text, "já foi usado") {
			t.Fatalf("second press of %q answered %+v", data, a)
		}
	}
	if r := h.reseller(101); !r.AccessUntil.Equal(want) || r.Status != store.StatusActive {
		t.Fatalf("after the second press: %+v (want until %v)", r, want)
	}
	if log := h.audit(); len(log) != 1 {
		t.Fatalf("audit = %+v", log)
	}
	// The card shown after the change has buttons of its own.
	h.click(900, "⛔ Bloquear", "bloqueado")
	if r := h.reseller(101); r.Status != store.StatusBlocked {
		t.Fatalf("the new card's button did not act: %+v", r)
	}
}

// A deleted client's id is not given to the next client, so its old
// buttons ("Sim, excluir", the daily summary's) find nothing.
func TestOldButtonsOfADeletedClientFindNothing(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	h.addClient(101, "Antigo", "5511987654321", "Mensal", 3000, hToday)
	h.say(101, "/clientes", "Clientes")
	h.click(101, "Antigo", "Antigo")
	m := h.click(101, "🗑️ Excluir", "Excluir Antigo")
	yes := buttonData(t, m, "🗑️ Sim, excluir")
	old, _ := h.srv.LastBotMessage(101)
	h.click(101, "🗑️ Sim, excluir", "excluído")
	_ = old

	n := h.addClient(101, "Novo", "5511912345678", "Mensal", 3000, hToday)
	oldID, err := (Callback{Args: strings.Split(yes, "|")[2:]}).Int64(0)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID == oldID {
		t.Fatalf("the new client got the deleted client's id %d", oldID)
	}
	if got := h.forge(101, yes); got != txtNotFound {
		t.Fatalf("old 'Sim, excluir' answered %q", got)
	}
	summary := openNewCB(actCard, oldID, "l", string(store.FilterAll), 0)
	if got := h.forge(101, summary); got != txtNotFound {
		t.Fatalf("old summary button answered %q", got)
	}
	if _, err := h.store.Tenant(101).Clients().Get(ctx, n.ID); err != nil {
		t.Fatalf("the new client: %v", err)
	}
}

// Bidirectional and zero-width characters are dropped from typed text and
// from CSV cells before anything is stored.
func TestInvisibleCharactersAreStripped(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/novo", "Qual o nome")
	h.say(101, "\u202EAna\u200B Lima\u2066", "WhatsApp")
	h.say(101, "11 98765 4321", "plano")
	h.say(101, "\u200Dmensal", "valor")
	h.say(101, "35", "vencimento")
	h.say(101, "hoje", "servidor")
	h.say(101, "\u2067Alpha\u2069", "observação")
	h.say(101, "MAC\u200E 00:11\u202C", "Confira o cadastro")
	h.click(101, "✅ Confirmar", "Cliente cadastrado")

	h.say(101, "/config", "Configurações")
	h.click(101, "🏢 Dados da empresa", "Dados da empresa")
	h.click(101, "🏷️ Nome", "Qual")
	h.say(101, "Loja\u202E da\u200F Ana", "Salvo: Nome da empresa")
	if co := h.company(101); co.Name != "Loja da Ana" {
		t.Fatalf("company name = %q", co.Name)
	}

	csv := "nome;telefone;plano;valor;vencimento;servidor;observacoes\n" +
		"\u200BBia\u202D Souza;11912345678;Mensal;30;15/12/2026;\u2068Beta;nota\u200C um\n"
	before := h.botMessageCount(101)
	h.srv.SendDocument(101, "clientes.csv", []byte(csv), "")
	h.waitText(101, before, "1 cliente")

	got := map[string]store.Client{}
	for _, c := range h.clients(101) {
		got[c.Name] = c
	}
	if c, ok := got["Ana Lima"]; !ok || c.Server != "Alpha" || c.Notes != "MAC 00:11" || c.PlanName != "Mensal" {
		t.Fatalf("typed client = %+v (all: %v)", c, sortedKeys(got))
	}
	if c, ok := got["Bia Souza"]; !ok || c.Server != "Beta" || c.Notes != "nota um" {
		t.Fatalf("imported client = %+v (all: %v)", c, sortedKeys(got))
	}
}
