package bot

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/bot/telegramtest"
	"renovabot/store"
)

var spLoc = store.LoadLocation("America/Sao_Paulo")

// spTime is a wall-clock time in São Paulo.
func spTime(day, month, hour, min int) time.Time {
	return time.Date(2026, time.Month(month), day, hour, min, 0, 0, spLoc)
}

func (h *harness) reseller(chat int64) store.Reseller {
	h.t.Helper()
	h.waitIdle()
	r, err := h.store.Tenant(chat).Account().Get(context.Background())
	if err != nil {
		h.t.Fatalf("reseller %d: %v", chat, err)
	}
	return r
}

// pressAnswer presses data as chat and returns the bot's answer to it.
func (h *harness) pressAnswer(chat int64, data string) telegramtest.CallbackAnswer {
	h.t.Helper()
	return h.waitAnswer(h.srv.Press(chat, 1, data))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestOpenModeTrialExpiresByClock(t *testing.T) {
	h := newHarness(t)
	h.cfg.Access.Contact = "@suporte_renova"
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	h.start()
	m := h.say(101, "/start", "Boas-vindas")
	if !strings.Contains(m.Text, "7 dias de teste grátis, até 05/12/2026") || len(m.Keyboard) == 0 {
		t.Fatalf("welcome = %q", m.Text)
	}
	r := h.reseller(101)
	if r.Status != store.StatusTrial || !r.AccessUntil.Equal(spTime(6, 12, 0, 0)) {
		t.Fatalf("trial = %+v", r)
	}
	m = h.say(101, "/conta", "Minha conta")
	for _, want := range []string{"Teste grátis até 05/12/2026 (faltam 7 dias)", "Clientes: 0", "WhatsApp: ❌ não conectado", "Suporte: @suporte_renova"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("account lacks %q: %q", want, m.Text)
		}
	}
	if !strings.Contains(buttonURLs(m), "https://t.me/suporte_renova") {
		t.Errorf("no support link button: %v", m.Keyboard)
	}

	// Last second of 05/12: still in.
	h.clock.Set(spTime(5, 12, 23, 59))
	h.say(101, "/clientes", "Clientes")
	if !h.reseller(101).HasAccess(h.clock.Now()) {
		t.Fatal("no access on the last day")
	}
	// Midnight: expired, and /start shows why instead of the menu.
	h.clock.Set(spTime(6, 12, 0, 0))
	m = h.say(101, "/start", "expirou")
	for _, want := range []string{"expirou</b> em 06/12/2026", "@suporte_renova", "nada foi apagado", "/meusdados"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("expired status lacks %q: %q", want, m.HTML)
		}
	}
	if strings.Contains(m.Text, "Menu principal") {
		t.Fatal("expired reseller got the menu")
	}
	if h.reseller(101).State(h.clock.Now()) != store.StateExpired {
		t.Fatal("state is not expired")
	}
}

// An expired reseller is refused on every command, every button and every
// wizard answer, keeps their data, may still use help and LGPD rights, and
// gets everything back when an admin extends the access.
func TestExpiredResellerBlockedEverywhereUntilExtended(t *testing.T) {
	h := startedHarness(t, 101, 900)
	c := h.addClient(101, "Cliente Guardado", "5511987654321", "Mensal", 3000, hToday.AddDays(3))
	// A menu on screen and a wizard left half-way, both from before the end.
	menu := h.say(101, "/menu", "Menu principal")
	h.say(101, "/novo", "Qual o nome")
	convBefore, _ := conversation(t, h, 101)

	h.clock.Set(spTime(6, 12, 9, 0))

	// The wizard: a typed answer and its buttons are refused, and it stays
	// where it was (what was typed so far is not lost).
	h.say(101, "Maria Souza", "expirou")
	if a := h.pressAnswer(101, CB(actWizard, convBefore.Token, convBefore.Step, "x")); !a.Alert || !strings.Contains(a.Text, "expirou") {
		t.Errorf("wizard button answered %+v", a)
	}
	if a := h.pressAnswer(101, CB(actWizardCancel, convBefore.Token)); !a.Alert {
		t.Errorf("wizard cancel button answered %+v", a)
	}
	if conv, ok := conversation(t, h, 101); !ok || conv.Step != convBefore.Step || conv.Token != convBefore.Token {
		t.Fatalf("wizard changed: %+v -> %+v", convBefore, conv)
	}
	// Every command but the open ones (/start, which always leaves a
	// wizard, shows the same status).
	for _, name := range sortedKeys(h.bot.commands) {
		if openCommands[name] {
			continue
		}
		h.say(101, "/"+name, "expirou")
	}
	// Plain text, and a file.
	h.say(101, "bom dia", "expirou")
	snap := h.snapshot(101)
	h.srv.SendDocument(101, "clientes.csv", []byte("nome;telefone\nZé;11987654321\n"), "")
	h.waitChange(101, snap, "expirou")
	// Every button, from the old menu and forged, with or without arguments.
	for _, row := range menu.Keyboard {
		for _, b := range row {
			if cb, _ := ParseCallback(b.Data); openCallbacks[cb.Action] {
				continue
			}
			if a := h.waitAnswer(h.srv.Press(101, menu.ID, b.Data)); !a.Alert || !strings.Contains(a.Text, "expirou em 06/12/2026") {
				t.Errorf("menu button %q answered %+v", b.Text, a)
			}
		}
	}
	for _, action := range sortedKeys(h.bot.callbacks) {
		if openCallbacks[action] {
			continue
		}
		for _, data := range []string{CB(action), CB(action, c.ID, "l", "all", 0)} {
			if a := h.pressAnswer(101, data); !a.Alert || !strings.Contains(a.Text, "expirou") {
				t.Errorf("button %q answered %+v", data, a)
			}
		}
	}
	// No data was lost or changed.
	if got := h.clients(101); len(got) != 1 || got[0] != c {
		t.Fatalf("clients after refusals = %+v", got)
	}

	// Help and the LGPD rights still work.
	h.say(101, "/ajuda", "Comandos disponíveis")
	n := len(h.srv.BotMessages(101))
	h.srv.SendText(101, "/meusdados")
	doc := h.waitDocument(101, n)
	if !strings.Contains(string(doc.Data), "Cliente Guardado") {
		t.Fatalf("export of an expired reseller lacks their client")
	}
	// /apagarconta opens its wizard, and /cancelar leaves it back to the status.
	h.say(101, "/apagarconta", "digite APAGAR")
	h.say(101, "/cancelar", "expirou")
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("/cancelar left the erase wizard running")
	}

	// The admin extends by a month: access is back, and the reseller is told.
	h.say(900, "/admin", "Painel do administrador")
	h.click(900, "👥 Revendedores", "Revendedores")
	h.click(900, "Usuário 101", "Situação: ⏰ Expirado desde 06/12/2026")
	h.click(900, "➕ 1 mês", "estendido até 06/01/2027")
	h.waitText(101, 0, "renovado até 06/01/2027")
	r := h.reseller(101)
	if r.State(h.clock.Now()) != store.StateActive || !r.AccessUntil.Equal(time.Date(2027, 1, 7, 0, 0, 0, 0, spLoc)) {
		t.Fatalf("after extension = %+v", r)
	}
	h.say(101, "/clientes", "Clientes — todos (1)")
}

// waitDocument waits for a document among the chat's bot messages from
// index from on.
func (h *harness) waitDocument(chat int64, from int) telegramtest.Document {
	h.t.Helper()
	var doc telegramtest.Document
	if !h.srv.Until(waitLimit, func() bool {
		msgs := h.srv.BotMessages(chat)
		for i := from; i < len(msgs); i++ {
			if msgs[i].Document != nil {
				doc = *msgs[i].Document
				return true
			}
		}
		return false
	}) {
		h.t.Fatalf("chat %d never got a document:\n%s", chat, h.dump(chat))
	}
	return doc
}

func buttonURLs(m telegramtest.Message) string {
	var out []string
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.URL != "" {
				out = append(out, b.URL)
			}
		}
	}
	return strings.Join(out, " ")
}

func TestApprovalModeBothWays(t *testing.T) {
	h := newHarness(t)
	h.cfg.Access = AccessConfig{Approval: true, Contact: "https://wa.me/5511999990000"}
	h.cfg.Admins = []int64{900, 901}
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana", Username: "ana_revenda"})
	h.srv.SetUser(telegramtest.User{ID: 202, FirstName: "Bruno"})
	h.start()
	// Admins are active without registering for approval.
	h.say(900, "/start", "Menu principal")
	h.say(901, "/start", "Menu principal")
	if r := h.reseller(900); !isUnlimited(r) {
		t.Fatalf("admin = %+v", r)
	}

	h.say(101, "/start", "Recebemos seu pedido")
	r := h.reseller(101)
	if r.State(h.clock.Now()) != store.StatePending || r.HasAccess(h.clock.Now()) {
		t.Fatalf("new chat in approval mode = %+v", r)
	}
	// Every admin is asked.
	for _, admin := range []int64{900, 901} {
		m := h.waitText(admin, 0, "Pedido de acesso")
		if !strings.Contains(m.Text, "Ana (@ana_revenda)") || !strings.Contains(m.Text, "101") ||
			!strings.Contains(buttonLabels(m), "Teste de 7 dias") || !strings.Contains(buttonLabels(m), "Recusar") {
			t.Fatalf("request to %d = %q [%s]", admin, m.Text, buttonLabels(m))
		}
	}
	// While waiting, everything says so; a second /start does not ask again.
	m := h.say(101, "/clientes", "aguardando aprovação")
	if !strings.Contains(m.Text, "desde 28/11/2026") || !strings.Contains(buttonURLs(m), "https://wa.me/5511999990000") {
		t.Fatalf("pending text = %q (%s)", m.Text, buttonURLs(m))
	}
	h.say(101, "/start", "aguardando aprovação")
	h.waitIdle()
	if n := countContaining(h.srv.BotMessages(900), "Pedido de acesso"); n != 1 {
		t.Fatalf("admin asked %d times", n)
	}

	// Admin 900 approves with a month; 101 is told and gets in.
	h.click(900, "✅ 1 mês", "Pedido de Ana aprovado")
	h.waitText(101, 0, "foi aprovado, até 28/12/2026")
	r = h.reseller(101)
	if r.State(h.clock.Now()) != store.StateActive || !r.AccessUntil.Equal(spTime(29, 12, 0, 0)) {
		t.Fatalf("approved = %+v", r)
	}
	h.click(101, "📋 Abrir o menu", "Menu principal")
	// Admin 901 presses Recusar on the same, already decided request.
	snap := h.snapshot(901)
	id, err := h.srv.Click(901, "❌ Recusar")
	if err != nil {
		t.Fatal(err)
	}
	if a := h.waitAnswer(id); a.Text != "Este pedido já foi decidido." {
		t.Fatalf("late refusal answered %+v", a)
	}
	h.waitChange(901, snap, "já tinha sido decidido")
	if h.reseller(101).State(h.clock.Now()) != store.StateActive {
		t.Fatal("late refusal changed the decision")
	}

	// 202 is refused by admin 901.
	h.say(202, "/start", "Recebemos seu pedido")
	h.waitText(901, 0, "Bruno")
	h.click(901, "❌ Recusar", "Pedido de Bruno recusado")
	h.waitText(202, 0, "foi recusado")
	r = h.reseller(202)
	if r.State(h.clock.Now()) != store.StateBlocked || r.AwaitingApproval {
		t.Fatalf("refused = %+v", r)
	}
	h.say(202, "/menu", "está bloqueado desde 28/11/2026")
	// And the audit names who decided what.
	h.say(900, "/admin", "Painel")
	m = h.click(900, "📜 Registro de ações", "Registro de ações")
	for _, want := range []string{"aprovou Ana (101): 1 mês, até 28/12/2026", "recusou Bruno (202)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("audit lacks %q: %q", want, m.Text)
		}
	}
}

func countContaining(msgs []telegramtest.Message, s string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

func TestApprovalWithTrial(t *testing.T) {
	h := newHarness(t)
	h.cfg.Access = AccessConfig{Approval: true, TrialDays: 3}
	h.start()
	h.say(900, "/start", "Menu principal")
	h.say(303, "/start", "Recebemos seu pedido")
	h.waitText(900, 0, "Pedido de acesso")
	h.click(900, "✅ Teste de 3 dias", "aprovado")
	h.waitText(303, 0, "3 dias de teste grátis, até 01/12/2026")
	if r := h.reseller(303); r.State(h.clock.Now()) != store.StateTrial || !r.AccessUntil.Equal(spTime(2, 12, 0, 0)) {
		t.Fatalf("approved with trial = %+v", r)
	}
}

func TestAccessNoticesThreeDaysAndOneDayBefore(t *testing.T) {
	h := startedHarness(t, 101, 202)
	ctx := context.Background()
	notices := func(chat int64) int {
		return countContaining(h.srv.BotMessages(chat), "Seu acesso ao RenovaBot termina")
	}
	run := func() {
		t.Helper()
		if err := h.bot.AccessNotices(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Trial until the end of 05/12. Nothing yet on 28/11.
	run()
	if notices(101) != 0 {
		t.Fatal("notice a week ahead")
	}
	// 02/12 at night: the window opened, but it is night in São Paulo.
	h.clock.Set(spTime(2, 12, 22, 0))
	run()
	if notices(101) != 0 {
		t.Fatal("notice sent at night")
	}
	// 02/12 morning: three days left.
	h.clock.Set(spTime(2, 12, 9, 30))
	run()
	m := h.waitText(101, 0, "termina em 3 dias, em 05/12/2026")
	if !strings.Contains(buttonLabels(m), "Minha conta") {
		t.Fatalf("notice buttons: %s", buttonLabels(m))
	}
	// Once only, however often the tick runs.
	run()
	h.clock.Set(spTime(3, 12, 10, 0))
	run()
	if notices(101) != 1 {
		t.Fatalf("3-day notice sent %d times", notices(101))
	}
	// The day before the last: "amanhã"; then nothing more.
	h.clock.Set(spTime(4, 12, 9, 0))
	run()
	h.waitText(101, 0, "termina amanhã, 05/12/2026")
	h.clock.Set(spTime(5, 12, 10, 0))
	run()
	run()
	if notices(101) != 2 || countContaining(h.srv.BotMessages(101), "último dia") != 0 {
		t.Fatalf("notices = %d", notices(101))
	}
	// 202's notices were sent once each as well, independently of 101.
	if notices(202) != 2 {
		t.Fatalf("202 got %d notices", notices(202))
	}

	// An extension is a new end: its notices are armed again. A send that
	// fails is tried again on the next tick.
	r := h.reseller(101)
	if _, _, err := h.store.AdminSetAccess(ctx, store.AccessChange{Admin: 900, Target: 101,
		Access: store.Access{Status: store.StatusActive, Until: accessEnd(billing.Date{Year: 2026, Month: 12, Day: 8}, r.Location())},
		Action: store.AuditExtend}); err != nil {
		t.Fatal(err)
	}
	h.srv.Fail(telegramtest.Fault{Method: "sendMessage", ChatID: 101, Code: 500, Description: "Internal Server Error", Times: 6})
	if err := h.bot.AccessNotices(ctx); err == nil {
		t.Fatal("failed notice reported no error")
	}
	run()
	h.waitText(101, 0, "termina em 3 dias, em 08/12/2026")
	// A reseller who blocked the bot is not retried forever.
	h.srv.BlockBot(202, true)
	h.waitIdle()
	if _, _, err := h.store.AdminSetAccess(ctx, store.AccessChange{Admin: 900, Target: 202,
		Access: store.Access{Status: store.StatusActive, Until: accessEnd(billing.Date{Year: 2026, Month: 12, Day: 8}, r.Location())},
		Action: store.AuditExtend}); err != nil {
		t.Fatal(err)
	}
	run()
	run()
	h.waitIdle()
	sends := 0
	for _, c := range h.srv.Calls("sendMessage") {
		if c.Params["chat_id"] == "202" && c.Status == 403 {
			sends++
		}
	}
	if sends != 1 {
		t.Fatalf("notice to a chat that blocked the bot tried %d times", sends)
	}
}

func TestMyAccountShowsWhatsAppAndClients(t *testing.T) {
	h := startedHarness(t, 101)
	h.addClient(101, "Ana", "5511987654321", "Mensal", 3000, hToday)
	h.addClient(101, "Bia", "5511987654322", "Mensal", 3000, hToday)
	linkByQR(t, h, 101, "5511912345678")
	m := h.say(101, "/menu", "Menu principal")
	if !strings.Contains(buttonLabels(m), "👤 Minha conta") || strings.Contains(buttonLabels(m), "Admin") {
		t.Fatalf("menu = %s", buttonLabels(m))
	}
	m = h.click(101, "👤 Minha conta", "Minha conta")
	for _, want := range []string{"Clientes: 2", "WhatsApp: ✅ conectado (+55 (11) 91234-5678)", "Suporte: o administrador do bot", "Teste grátis até 05/12/2026"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("account lacks %q: %q", want, m.Text)
		}
	}
	if buttonURLs(m) != "" {
		t.Errorf("link button without a contact: %s", buttonURLs(m))
	}
	h.click(101, "📱 WhatsApp", "WhatsApp conectado")
}
