package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/store"
	"renovabot/store/storetest"
)

// register adds a reseller straight in the store with the given access.
func (h *harness) register(chat int64, name string, a store.Access) {
	h.t.Helper()
	if _, _, err := h.store.Tenant(chat).Account().RegisterAs(context.Background(), name, "", "America/Sao_Paulo", a); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) audit() []store.AuditEntry {
	h.t.Helper()
	h.waitIdle()
	log, err := h.store.AdminAudit(context.Background(), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	return log
}

func TestAdminPanelListSearchAndAccessActions(t *testing.T) {
	h := newHarness(t)
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana", LastName: "Lima"})
	h.srv.SetUser(telegramtest.User{ID: 900, FirstName: "Operador"})
	h.start()
	h.say(900, "/start", "Menu principal")
	h.say(101, "/start", "Boas-vindas")
	h.addClient(101, "Cliente da Ana", "5511987654321", "Mensal", 3000, hToday)
	trial := store.Access{Status: store.StatusTrial, Until: spTime(10, 12, 0, 0)}
	for i := range 20 {
		h.register(int64(5000+i), fmt.Sprintf("Revenda %02d", i), trial)
	}
	h.register(6000, "Pendente", store.Access{Status: store.StatusBlocked, AwaitingApproval: true})

	// The menu shows the panel to admins only.
	m := h.say(900, "/menu", "Menu principal")
	if !strings.Contains(buttonLabels(m), "🛠️ Admin") {
		t.Fatalf("admin menu = %s", buttonLabels(m))
	}
	m = h.click(900, "🛠️ Admin", "Painel do administrador")
	for _, want := range []string{"Revendedores: 23", "21 🧪 em teste", "1 ✅ ativo\n", "1 ⏳ aguardando aprovação", "aberto (teste grátis de 7 dias)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("panel lacks %q: %q", want, m.Text)
		}
	}

	// The list pages; pending requests first.
	m = h.click(900, "👥 Revendedores", "página 1 de 3")
	if !strings.HasPrefix(m.Keyboard[0][0].Text, "⏳ Pendente") {
		t.Fatalf("first row = %q", m.Keyboard[0][0].Text)
	}
	if !strings.Contains(m.Text, "clientes · WhatsApp ❌ · visto 28/11") {
		t.Fatalf("list line = %q", m.Text)
	}
	h.click(900, "Próxima ➡️", "página 2 de 3")
	h.click(900, "Próxima ➡️", "página 3 de 3")
	h.click(900, "⬅️ Anterior", "página 2 de 3")

	// Search by an accent-free piece of the name, then the card.
	h.click(900, "🔎 Buscar", "nome")
	h.say(900, "ana l", "1 revendedor para")
	m = h.click(900, "Ana Lima", "Situação: 🧪 Teste grátis até 05/12/2026")
	if !strings.Contains(m.Text, "Clientes: 1") || !strings.Contains(m.Text, "Chat: 101") {
		t.Fatalf("card = %q", m.Text)
	}
	// Search by chat id.
	h.click(900, "🛠️ Painel", "Painel do administrador")
	h.click(900, "🔎 Buscar", "nome")
	h.say(900, "101", "Ana Lima")

	// +7 days from the last day of the running trial.
	h.click(900, "Ana Lima", "Situação")
	h.click(900, "➕ 7 dias", "estendido até 12/12/2026")
	h.waitText(101, 0, "renovado até 12/12/2026")
	if r := h.reseller(101); r.Status != store.StatusActive || !r.AccessUntil.Equal(spTime(13, 12, 0, 0)) {
		t.Fatalf("after +7 = %+v", r)
	}
	// A typed date: invalid, past, then good.
	h.click(900, "📅 Até uma data", "Até que dia")
	h.say(900, "31/02/2027", "não existe")
	h.say(900, "10/11/2026", "já passou")
	h.say(900, "20/01/2027", "estendido até 20/01/2027")
	if r := h.reseller(101); !r.AccessUntil.Equal(time.Date(2027, 1, 21, 0, 0, 0, 0, spLoc)) {
		t.Fatalf("after date = %+v", r)
	}

	// Block: the reseller is told and refused; unblock brings them back.
	h.click(900, "⛔ Bloquear", "bloqueado. Os dados ficam guardados")
	h.waitText(101, 0, "foi bloqueado")
	h.say(101, "/clientes", "está bloqueado desde 28/11/2026")
	h.click(900, "✅ Desbloquear", "desbloqueado")
	h.waitText(101, 0, "foi liberado")
	h.say(101, "/clientes", "Clientes — todos (1)")

	// An admin's own card changes nothing, even with a forged button.
	if a := h.pressAnswer(900, CB(actAdmBlock, 900)); !a.Alert || !strings.Contains(a.Text, "sempre ativos") {
		t.Fatalf("blocking an admin answered %+v", a)
	}
	if !isUnlimited(h.reseller(900)) {
		t.Fatal("admin's access changed")
	}

	// Statistics and the audit log.
	h.click(900, "🛠️ Painel", "Painel do administrador")
	m = h.click(900, "📊 Estatísticas", "Estatísticas")
	for _, want := range []string{"Revendedores: 23", "🧪 em teste: 20", "✅ ativos: 2", "Clientes cadastrados: 1", "Lembretes enviados: hoje 0"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("stats lack %q: %q", want, m.Text)
		}
	}
	h.click(900, "🛠️ Painel", "Painel")
	m = h.click(900, "📜 Registro de ações", "Registro de ações")
	for _, want := range []string{
		"Operador (900) estendeu o acesso de Ana Lima (101): +7 dias, até 12/12/2026",
		"estendeu o acesso de Ana Lima (101): até 20/01/2027",
		"Operador (900) bloqueou Ana Lima (101)",
		"Operador (900) desbloqueou Ana Lima (101)",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("audit lacks %q: %q", want, m.Text)
		}
	}
	if log := h.audit(); len(log) != 4 {
		t.Fatalf("audit rows = %d", len(log))
	}
}

func TestAdminDeletesResellerWithTypedConfirmation(t *testing.T) {
	h := startedHarness(t, 900, 202, 303)
	linkByQR(t, h, 202, "5511912345678")
	storetest.Seed(t, h.store, h.clock.Now(), 202, "BRAVO", 900)
	storetest.Seed(t, h.store, h.clock.Now(), 303, "CHARLIE", 900)
	before303 := storetest.Rows(t, h.store, 303)
	if _, ok := h.waFake.DeviceJID(202); !ok {
		t.Fatal("no device file to remove")
	}

	h.say(900, "/admin", "Painel")
	h.click(900, "🔎 Buscar", "nome")
	h.say(900, "BRAVO", "Revenda BRAVO")
	h.click(900, "Revenda BRAVO", "Situação")
	h.click(900, "🗑️ Excluir", "digite o chat id 202")
	h.say(900, "303", "Não confere")
	h.say(900, "202", "Conta de Revenda BRAVO (chat 202) excluída")
	h.waitText(202, 0, "foi excluída pelo administrador")

	if _, ok := h.waFake.DeviceJID(202); ok {
		t.Fatal("device file of the deleted reseller still there")
	}
	left := storetest.Rows(t, h.store, 202)
	if len(left) != 1 || left["admin_audit"] != 1 {
		t.Fatalf("rows of the deleted reseller: %v", left)
	}
	after303 := storetest.Rows(t, h.store, 303)
	for k, v := range before303 {
		if after303[k] != v {
			t.Errorf("other reseller's %s: %d -> %d", k, v, after303[k])
		}
	}
	log := h.audit()
	if log[0].Action != store.AuditDelete || log[0].TargetID != 202 || log[0].AdminID != 900 {
		t.Fatalf("deletion not audited: %+v", log[0])
	}
	// The deleted chat is a stranger now.
	h.say(202, "/clientes", "Envie /start")
}

// Every admin button, forged by a reseller who is not an admin, is refused
// with the standard answer and changes nothing. Admin actions are named
// "adm...", so buttons added later are covered too.
func TestAdminCallbacksReplayedByNonAdmin(t *testing.T) {
	h := startedHarness(t, 900, 101, 202)
	h.register(303, "Pendente", store.Access{Status: store.StatusBlocked, AwaitingApproval: true})
	ctx := context.Background()
	before := map[int64]store.Reseller{202: h.reseller(202), 303: h.reseller(303), 900: h.reseller(900)}
	beforeRows := storetest.Rows(t, h.store, 202)
	msgs := len(h.srv.BotMessages(101))

	var actions []string
	for _, a := range sortedKeys(h.bot.callbacks) {
		if strings.HasPrefix(a, "adm") {
			actions = append(actions, a)
		}
	}
	if len(actions) < 14 {
		t.Fatalf("only %d admin actions found: %v", len(actions), actions)
	}
	for _, action := range actions {
		for _, data := range []string{
			CB(action), CB(action, 0), CB(action, 202), CB(action, 202, "1m"), CB(action, 202, "7d"),
			CB(action, 303, "t"), CB(action, 303, "3m"), CB(action, 900, 0),
		} {
			if a := h.pressAnswer(101, data); a.Text != txtNotFound || a.Alert {
				t.Errorf("non-admin pressing %q got %+v", data, a)
			}
		}
	}
	h.say(101, "/admin", "Comando desconhecido")
	m := h.say(101, "/menu", "Menu principal")
	if strings.Contains(buttonLabels(m), "Admin") {
		t.Fatalf("non-admin menu shows the panel: %s", buttonLabels(m))
	}

	h.waitIdle()
	for id, r := range before {
		if got := h.reseller(id); got != r {
			t.Errorf("reseller %d changed:\n before %+v\n after  %+v", id, r, got)
		}
	}
	after := storetest.Rows(t, h.store, 202)
	for k, v := range beforeRows {
		if after[k] != v {
			t.Errorf("202's %s changed: %d -> %d", k, v, after[k])
		}
	}
	if log, _ := h.store.AdminAudit(ctx, 10); len(log) != 0 {
		t.Fatalf("non-admin presses were audited: %+v", log)
	}
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("a forged admin button started a wizard")
	}
	// 101 saw only the two screens they asked for, no admin screen.
	for _, m := range h.srv.BotMessages(101)[msgs:] {
		if strings.Contains(m.Text, "Painel") || strings.Contains(m.Text, "Revendedores") || strings.Contains(m.Text, "Aviso") {
			t.Fatalf("non-admin saw an admin screen: %q", m.Text)
		}
	}
	if h.botMessageCount(202)+h.botMessageCount(303) != 1 { // 202's own welcome only
		t.Fatalf("targets were messaged: %d", h.botMessageCount(202)+h.botMessageCount(303))
	}
}

// A broadcast to 200 resellers goes through the Sender's limiter (25/s
// here: the fake clock must have been made to wait), reaches each of them
// exactly once, counts those who blocked the bot, and shows its progress
// by editing one message.
func TestBroadcastTo200RespectsLimitsAndCountsBlocked(t *testing.T) {
	h := newHarness(t)
	h.cfg.RateGlobal = 25
	h.cfg.RatePerChat = 1
	sends := &sendClock{clock: h.clock}
	h.setup = func(b *Bot) { sends.next, b.poll.next = b.poll.next, sends }
	h.start()
	h.say(900, "/start", "Menu principal")
	access := store.Access{Status: store.StatusTrial, Until: spTime(10, 12, 0, 0)}
	blocked := map[int64]bool{}
	for i := range 200 {
		id := int64(10000 + i)
		h.srv.SetUser(telegramtest.User{ID: id, FirstName: fmt.Sprintf("R%d", i)})
		h.register(id, fmt.Sprintf("R%d", i), access)
		if i%20 == 7 {
			h.srv.BlockBot(id, true)
			blocked[id] = true
		}
	}
	for i := range 5 { // no access: not recipients
		h.register(int64(20000+i), "Expirada", store.Access{Status: store.StatusTrial, Until: spTime(1, 11, 0, 0)})
	}
	h.waitIdle()

	h.say(900, "/admin", "Painel")
	h.click(900, "📣 Aviso geral", "200 revendedores com acesso ativo")
	h.say(900, "Manutenção <amanhã> às 3h & volta às 4h", "Prévia")
	first := sends.count()
	if _, err := h.srv.Click(900, "📣 Enviar para 200"); err != nil {
		t.Fatal(err)
	}
	final := h.waitText(900, 0, "Aviso enviado")
	during := sends.since(first)

	for _, want := range []string{"para 200 revendedores", "✅ 190 entregues", "🚫 10 bloquearam o bot", "⚠️ 0 falharam"} {
		if !strings.Contains(final.Text, want) {
			t.Errorf("result lacks %q: %q", want, final.Text)
		}
	}
	// One progress message, edited along the way.
	if n := countContaining(h.srv.BotMessages(900), "Enviando aviso") + countContaining(h.srv.BotMessages(900), "Aviso enviado"); n != 1 {
		t.Fatalf("%d progress messages", n)
	}
	if final.Edits < 200/broadcastProgressEvery {
		t.Fatalf("progress edited %d times", final.Edits)
	}
	// Each recipient once; nobody else.
	per := map[string]int{}
	forbidden := 0
	for _, c := range h.srv.Calls("sendMessage") {
		if strings.Contains(c.Params["text"], "Aviso do RenovaBot") && c.Params["chat_id"] != "900" { // 900 saw the preview
			per[c.Params["chat_id"]]++
			if c.Status == 403 {
				forbidden++
			}
			if !strings.Contains(c.Params["text"], "Manutenção &lt;amanhã&gt; às 3h &amp; volta") {
				t.Fatalf("text not escaped: %q", c.Params["text"])
			}
		}
	}
	if len(per) != 200 || forbidden != 10 {
		t.Fatalf("broadcast reached %d chats, %d forbidden", len(per), forbidden)
	}
	for chat, n := range per {
		if n != 1 {
			t.Fatalf("chat %s got the broadcast %d times", chat, n)
		}
		if strings.HasPrefix(chat, "2000") || chat == "900" {
			t.Fatalf("broadcast went to %s", chat)
		}
	}
	// The limiter spaced the sends on the (fake) clock: no second holds
	// more than the rate plus the burst (25 + 5), and 201 messages (the
	// progress message and 200) need at least (201-5)/25 s.
	if len(during) < 201 {
		t.Fatalf("only %d sendMessage calls seen", len(during))
	}
	for i := range during {
		n := 0
		for j := i; j < len(during) && during[j].Sub(during[i]) < time.Second; j++ {
			n++
		}
		if n > 30 {
			t.Fatalf("%d messages within one second from %v: the limiter was bypassed", n, during[i])
		}
	}
	if span, min := during[len(during)-1].Sub(during[0]), time.Duration(float64(201-5)/25*float64(time.Second)); span < min {
		t.Fatalf("201 sends took %v of clock time, want at least %v", span, min)
	}
	// Those who blocked the bot are marked, and the broadcast is audited.
	for id := range blocked {
		if r := h.reseller(id); r.UnreachableAt.IsZero() {
			t.Fatalf("blocked chat %d not marked unreachable", id)
		}
	}
	log := h.audit()
	if len(log) != 1 || log[0].Action != store.AuditBroadcast || !strings.Contains(log[0].Detail, "200 destinatários: 190 entregues, 10 bloquearam") {
		t.Fatalf("audit = %+v", log)
	}
}

// sendClock records the clock time of every sendMessage request, after
// the Sender's limiter let it go.
type sendClock struct {
	next  http.RoundTripper
	clock *clock.Fake
	mu    sync.Mutex
	at    []time.Time
}

func (s *sendClock) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/sendMessage") {
		s.mu.Lock()
		s.at = append(s.at, s.clock.Now())
		s.mu.Unlock()
	}
	return s.next.RoundTrip(req)
}

func (s *sendClock) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.at)
}

func (s *sendClock) since(i int) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.at[i:]...)
}

func TestBroadcastPreviewRewriteAndOneAtATime(t *testing.T) {
	h := startedHarness(t, 900, 101)
	h.say(900, "/admin", "Painel")
	h.click(900, "📣 Aviso geral", "para 1 revendedor com acesso ativo")
	h.say(900, "primeiro texto", "primeiro texto")
	h.click(900, "✏️ Reescrever", "Digite a mensagem")
	h.say(900, strings.Repeat("x", broadcastLimit+1), "o máximo é 3500")
	h.say(900, "texto final", "Prévia")
	h.say(900, "talvez", "Toque em 📣 Enviar")
	// While one broadcast runs, another cannot start.
	h.bot.broadcasting.Store(true)
	if a := h.pressAnswer(900, CB(actAdmBroadcast)); !a.Alert || !strings.Contains(a.Text, "Já há um aviso") {
		t.Fatalf("second broadcast answered %+v", a)
	}
	h.bot.broadcasting.Store(false)
	h.click(900, "📣 Enviar para 1", "Aviso enviado")
	m := h.waitText(101, 0, "Aviso do RenovaBot")
	if !strings.Contains(m.Text, "texto final") || strings.Contains(m.Text, "primeiro") {
		t.Fatalf("received = %q", m.Text)
	}
}
