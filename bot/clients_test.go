package bot

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/bot/telegramtest"
	"renovabot/clientcsv"
	"renovabot/store"
)

// harness "today" is 28/11/2026 (São Paulo).
var hToday = billing.Date{Year: 2026, Month: time.November, Day: 28}

func (h *harness) clients(chat int64) []store.Client {
	h.t.Helper()
	h.waitIdle()
	list, _, err := h.store.Tenant(chat).Clients().List(context.Background(), store.FilterAll, hToday, 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

func (h *harness) addClient(chat int64, name, phone, plan string, price int64, due billing.Date) store.Client {
	h.t.Helper()
	ctx := context.Background()
	p, err := h.store.Tenant(chat).Plans().FindByName(ctx, plan)
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := h.store.Tenant(chat).Clients().Create(ctx, store.NewClient{Name: name, Phone: phone, PlanID: p.ID, Price: price, Due: due})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) convStep(chat int64) string {
	h.t.Helper()
	h.waitIdle()
	c, ok := conversation(h.t, h, chat)
	if !ok {
		return ""
	}
	return c.Step
}

func startedHarness(t *testing.T, chats ...int64) *harness {
	t.Helper()
	h := newHarness(t)
	h.start()
	for _, c := range chats {
		h.say(c, "/start", "Boas-vindas")
	}
	return h
}

func TestNewClientTypingOnlyWithBadInputAtEveryStep(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/novo", "Qual o nome")

	// Each step refuses bad input with a clear message, keeps the step,
	// and writes no client.
	steps := []struct{ bad, want, good, next string }{
		{"J", "Nome muito curto", "João da Silva", "WhatsApp"},
		{"1234", "Telefone inválido", "(11) 98765-4321", "Qual o plano"},
		{"Ouro", "Plano “Ouro” não encontrado. Seus planos: Mensal, Bimestral, Trimestral, Semestral, Anual", "trimestral", "valor"},
		{"abc", "", "35,90", "vencimento"},
		{"31/02/2027", "31/02 não existe", "15/12/2026", "servidor"},
		{strings.Repeat("x", 101), "Servidor muito longo", "Servidor X", "observação"},
		{strings.Repeat("y", 501), "Observação muito longa", "pular", "Confira o cadastro"},
	}
	for _, s := range steps {
		before := h.convStep(101)
		m := h.say(101, s.bad, "⚠️")
		if s.want != "" && !strings.Contains(m.Text, s.want) {
			t.Fatalf("bad answer %q: got %q, want %q", s.bad, m.Text, s.want)
		}
		if h.convStep(101) != before {
			t.Fatalf("bad answer %q moved the wizard from %q to %q", s.bad, before, h.convStep(101))
		}
		if n := len(h.clients(101)); n != 0 {
			t.Fatalf("bad answer wrote %d clients", n)
		}
		h.say(101, s.good, s.next)
	}
	m, _ := h.srv.LastBotMessage(101)
	for _, want := range []string{"João da Silva", "+55 (11) 98765-4321", "Trimestral (3 meses)", "R$ 35,90", "15/12/2026", "Servidor X", "Observações: —"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("summary lacks %q:\n%s", want, m.Text)
		}
	}
	h.say(101, "talvez", "Toque em ✅ Confirmar")
	h.say(101, "editar", "Qual campo você quer corrigir?")
	h.say(101, "Observações", "Alguma observação?")
	h.say(101, "pular", "Confira o cadastro")
	card := h.say(101, "sim", "Cliente cadastrado")
	if !strings.Contains(card.Text, "João da Silva") || !strings.Contains(card.Text, "vence em 17 dias") {
		t.Fatalf("card = %q", card.Text)
	}
	list := h.clients(101)
	if len(list) != 1 {
		t.Fatalf("%d clients", len(list))
	}
	c := list[0]
	if c.Name != "João da Silva" || c.Phone != "5511987654321" || c.PlanName != "Trimestral" || c.Price != 3590 ||
		c.Due != (billing.Date{Year: 2026, Month: 12, Day: 15}) || c.AnchorDay != 15 || c.Server != "Servidor X" || c.Notes != "" {
		t.Fatalf("stored client = %+v", c)
	}
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("wizard still open after confirming")
	}
}

func TestNewClientWithButtonsAndFieldEdit(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	mensal, _ := h.store.Tenant(101).Plans().FindByName(ctx, "Mensal")
	if err := h.store.Tenant(101).Plans().SetPrice(ctx, mensal.ID, 3000); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Tenant(101).Servers().Add(ctx, "Alpha"); err != nil {
		t.Fatal(err)
	}
	h.click(101, "➕ Novo cliente", "Qual o nome")
	h.say(101, "Mari", "WhatsApp")
	h.say(101, "31 98765 4321", "plano")
	h.click(101, "Mensal", "valor")
	h.click(101, "R$ 30,00 (preço do plano)", "vencimento")
	h.click(101, "28/12/2026 (1 mês)", "servidor")
	h.click(101, "Alpha", "observação")
	h.click(101, "⏭️ Pular", "Confira o cadastro")
	h.click(101, "✏️ Editar campo", "Qual campo")
	h.click(101, "Nome", "Qual o nome")
	m := h.say(101, "Mariana Souza", "Confira o cadastro")
	if !strings.Contains(m.Text, "Mariana Souza") || !strings.Contains(m.Text, "Alpha") || !strings.Contains(m.Text, "R$ 30,00") {
		t.Fatalf("summary after edit = %q", m.Text)
	}
	h.click(101, "✅ Confirmar", "Cliente cadastrado")
	c := h.clients(101)[0]
	if c.Name != "Mariana Souza" || c.Phone != "5531987654321" || c.Price != 3000 || c.Due != (billing.Date{Year: 2026, Month: 12, Day: 28}) || c.Server != "Alpha" {
		t.Fatalf("stored = %+v", c)
	}
}

func TestDuplicatePhoneWarnsWithOwnClientsOnly(t *testing.T) {
	h := startedHarness(t, 101, 202)
	h.addClient(101, "Ana Lima", "5511987654321", "Mensal", 3000, hToday)
	h.addClient(202, "Cliente do B", "5511987654321", "Mensal", 3000, hToday)
	h.say(101, "/novo", "Qual o nome")
	h.say(101, "Ana Segunda Tela", "WhatsApp")
	m := h.say(101, "11987654321", "Este número já está cadastrado para: Ana Lima (Mensal)")
	if strings.Contains(m.Text, "Cliente do B") {
		t.Fatal("warning names another reseller's client")
	}
}

func TestClientCardRenewEditPauseDelete(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	c := h.addClient(101, "Carla", "5511987654321", "Mensal", 4590, billing.Date{Year: 2027, Month: 1, Day: 31})

	h.say(101, "/clientes", "Clientes")
	h.click(101, "Carla — 31/01", "vence em 64 dias")
	screen := h.click(101, "🔄 Renovar", "Renovar Carla")
	plusOne := buttonData(t, screen, "➕ +1 mês → 28/02/2027")
	m := h.click(101, "➕ +1 mês → 28/02/2027", "Renovação de Carla registrada")
	if !strings.Contains(m.Text, "Novo vencimento: 28/02/2027") || !strings.Contains(m.Text, "R$ 45,90") {
		t.Fatalf("confirmation = %q", m.Text)
	}
	pays, _ := h.store.Tenant(101).Payments().ForClient(ctx, c.ID, 10)
	if len(pays) != 1 || pays[0].Amount != 4590 || pays[0].PaidOn != hToday || pays[0].NewDue != (billing.Date{Year: 2027, Month: 2, Day: 28}) {
		t.Fatalf("ledger = %+v", pays)
	}
	// Pressing the same renewal button again renews nothing.
	renewData := ""
	for _, msg := range h.srv.BotMessages(101) {
		for _, row := range msg.Keyboard {
			for _, bt := range row {
				if strings.HasPrefix(bt.Data, "1|crp|") {
					renewData = bt.Data
				}
			}
		}
	}
	if renewData != "" {
		t.Fatal("renewal buttons still visible after renewing")
	}
	if a := h.waitAnswer(h.srv.Press(101, m.ID, plusOne)); !strings.Contains(a.Text, "já foi renovado") {
		t.Fatalf("replayed renewal answered %+v", a)
	}
	h.waitIdle()
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Due != (billing.Date{Year: 2027, Month: 2, Day: 28}) {
		t.Fatalf("replayed renewal changed due to %v", got.Due)
	}

	// Undo with the button the confirmation showed, then renew twice:
	// 31/01 -> 28/02 -> 31/03 (anchored, no drift).
	snap := h.snapshot(101)
	h.srv.Press(101, m.ID, buttonData(t, m, "↩️ Desfazer"))
	h.waitChange(101, snap, "Renovação desfeita")
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Due != (billing.Date{Year: 2027, Month: 1, Day: 31}) {
		t.Fatalf("after undo due = %v", got.Due)
	}
	h.click(101, "🔄 Renovar", "Renovar Carla")
	h.click(101, "➕ +1 mês → 28/02/2027", "Renovação de Carla registrada")
	h.click(101, "👤 Ver cliente", "Carla")
	h.click(101, "🔄 Renovar", "Renovar Carla")
	h.click(101, "➕ +1 mês → 31/03/2027", "Novo vencimento: 31/03/2027")

	// Renew from today and with another typed date.
	h.click(101, "👤 Ver cliente", "Carla")
	h.click(101, "🔄 Renovar", "Renovar Carla")
	h.click(101, "✍️ Outra data", "Até quando")
	h.say(101, "01/01/2020", "precisa ser depois")
	h.say(101, "10/05/2027", "Novo vencimento: 10/05/2027")
	got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID)
	if got.Due != (billing.Date{Year: 2027, Month: 5, Day: 10}) || got.AnchorDay != 10 {
		t.Fatalf("after typed renewal: %+v", got)
	}

	// Edit the value field by field.
	h.click(101, "👤 Ver cliente", "Carla")
	h.click(101, "✏️ Editar", "qual campo")
	h.click(101, "Valor", "atual: R$ 45,90")
	h.say(101, "zero", "⚠️")
	h.say(101, "50", "Valor atualizado")
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Price != 5000 {
		t.Fatalf("price = %d", got.Price)
	}

	// Pause and resume reminders.
	h.click(101, "⏸️ Pausar lembretes", "Lembretes automáticos pausados")
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); !got.Paused {
		t.Fatal("not paused")
	}
	h.click(101, "▶️ Retomar lembretes", "Carla")
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Paused {
		t.Fatal("not resumed")
	}

	// Delete with confirmation.
	h.click(101, "🗑️ Excluir", "Excluir Carla")
	h.click(101, "↩️ Não, voltar", "Carla")
	if len(h.clients(101)) != 1 {
		t.Fatal("'não' deleted the client")
	}
	h.click(101, "🗑️ Excluir", "Excluir")
	h.click(101, "🗑️ Sim, excluir", "Cadastro de Carla excluído")
	if len(h.clients(101)) != 0 {
		t.Fatal("client not deleted")
	}
}

func TestListPagesAndFilters(t *testing.T) {
	h := startedHarness(t, 101)
	for i := range 25 {
		h.addClient(101, fmt.Sprintf("Cliente %02d", i), "5511987654321", "Mensal", 1000, hToday.AddDays(i-5))
	}
	m := h.say(101, "/clientes", "Clientes —")
	if !strings.Contains(m.Text, "todos (25)") || !strings.Contains(m.Text, "Página 1 de 3") ||
		!strings.Contains(m.Text, "5 vencidos") || !strings.Contains(m.Text, "1 hoje") {
		t.Fatalf("header = %q", m.Text)
	}
	if n := countClientButtons(m); n != 10 {
		t.Fatalf("page 1 has %d clients", n)
	}
	if !strings.Contains(m.Keyboard[0][0].Text, "🔴 Cliente 00 — 23/11") {
		t.Fatalf("first button = %q (sorted by due date)", m.Keyboard[0][0].Text)
	}
	m = h.click(101, "Próxima ➡️", "Página 2 de 3")
	m = h.click(101, "Próxima ➡️", "Página 3 de 3")
	if n := countClientButtons(m); n != 5 {
		t.Fatalf("page 3 has %d clients", n)
	}
	h.click(101, "⬅️ Anterior", "Página 2 de 3")
	m = h.click(101, "🔴 Vencidos", "vencidos (5)")
	if n := countClientButtons(m); n != 5 {
		t.Fatalf("overdue filter lists %d", n)
	}
	for _, row := range m.Keyboard[:5] {
		if !strings.HasPrefix(row[0].Text, "🔴") {
			t.Fatalf("overdue filter shows %q", row[0].Text)
		}
	}
	m = h.click(101, "🟠 Hoje", "vencem hoje (1)")
	if !strings.Contains(m.Keyboard[0][0].Text, "🟠 Cliente 05") {
		t.Fatalf("today filter = %q", m.Keyboard[0][0].Text)
	}
	h.click(101, "🟡 7 dias", "próximos 7 dias (7)")
	h.click(101, "⏸️ Pausados", "Nenhum cliente neste filtro")
	m = h.say(101, "/vencimentos", "Vencimentos")
	for _, want := range []string{"Vencidos</b>: 5 — R$ 50,00", "Vencem hoje</b>: 1 — R$ 10,00", "Próximos 7 dias</b>: 7 — R$ 70,00", "… e mais"} {
		if !strings.Contains(m.HTML, want) && !strings.Contains(m.Text, want) {
			t.Errorf("vencimentos lacks %q:\n%s", want, m.HTML)
		}
	}
	h.click(101, "🔴 Vencidos (5)", "vencidos (5)")
}

func countClientButtons(m telegramtest.Message) int {
	n := 0
	for _, row := range m.Keyboard {
		if len(row) == 1 && strings.HasPrefix(row[0].Data, "1|"+actCard+"|") {
			n++
		}
	}
	return n
}

func TestSearchFindsJoaoByJOAO(t *testing.T) {
	h := startedHarness(t, 101, 202)
	h.addClient(101, "João Conceição", "5511987654321", "Mensal", 1000, hToday)
	h.addClient(101, "Maria", "5531912345678", "Mensal", 1000, hToday)
	h.addClient(202, "João do B", "5511900001111", "Mensal", 1000, hToday)

	m := h.say(101, "/buscar JOAO", "1 cliente encontrado")
	if countClientButtons(m) != 1 || !strings.Contains(m.Keyboard[0][0].Text, "João Conceição") {
		t.Fatalf("search result = %+v", m.Keyboard)
	}
	h.click(101, "João Conceição", "João Conceição")
	h.click(101, "⬅️ Voltar", "1 cliente encontrado")
	// Through the button and a typed query; by phone digits too.
	h.click(101, "🔎 Nova busca", "Digite parte do")
	h.say(101, "91234", "1 cliente encontrado")
	h.say(101, "/buscar zzz", "Nenhum cliente encontrado")
	// B's search never shows A's clients.
	m = h.say(202, "/buscar joao", "1 cliente encontrado")
	if !strings.Contains(m.Keyboard[0][0].Text, "João do B") {
		t.Fatalf("B's search = %+v", m.Keyboard)
	}
}

// Every client action of reseller A, replayed from reseller B's chat with
// A's callback data and ids, answers "não encontrado" and changes nothing.
func TestClientActionsReplayedByAnotherReseller(t *testing.T) {
	h := startedHarness(t, 101, 202)
	ctx := context.Background()
	c := h.addClient(101, "Ana", "5511987654321", "Mensal", 3000, billing.Date{Year: 2026, Month: 12, Day: 10})
	pay, _, err := h.store.Tenant(101).Clients().Renew(ctx, c.ID, store.Renewal{ExpectDue: c.Due,
		NewDue: billing.Date{Year: 2027, Month: 1, Day: 10}, Anchor: 10, PaidOn: hToday})
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := h.store.Tenant(101).Plans().FindByName(ctx, "Mensal")
	srv, _ := h.store.Tenant(101).Servers().Add(ctx, "Alpha")
	before, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID)
	exp := compactDate(before.Due)

	for _, data := range []string{
		CB(actCard, c.ID, "l", "all", 0),
		CB(actPause, c.ID, 1, "l", "all", 0),
		CB(actDeleteAsk, c.ID, "l", "all", 0),
		CB(actDeleteYes, c.ID),
		CB(actRenewMenu, c.ID),
		CB(actRenewApply, c.ID, "p", exp),
		CB(actRenewApply, c.ID, "t", exp),
		CB(actRenewOther, c.ID, exp),
		CB(actRenewUndo, pay.ID),
		CB(actEditMenu, c.ID),
		CB(actEditField, c.ID, fName),
		CB(actPlanView, plan.ID),
		CB(actPlanEdit, plan.ID, "nome"),
		CB(actPlanDelAsk, plan.ID),
		CB(actPlanDelYes, plan.ID),
		CB(actServerView, srv.ID),
		CB(actServerRename, srv.ID),
		CB(actServerDelAsk, srv.ID),
		CB(actServerDelYes, srv.ID),
	} {
		id := h.srv.Press(202, 1, data)
		if a := h.waitAnswer(id); a.Text != txtNotFound {
			t.Errorf("B pressing %q got %q, want %q", data, a.Text, txtNotFound)
		}
	}
	h.waitIdle()
	after, err := h.store.Tenant(101).Clients().Get(ctx, c.ID)
	if err != nil || after != before {
		t.Fatalf("A's client changed:\n before %+v\n after  %+v (%v)", before, after, err)
	}
	if p, _ := h.store.Tenant(101).Payments().Get(ctx, pay.ID); p.Undone {
		t.Fatal("B undid A's renewal")
	}
	if _, err := h.store.Tenant(101).Plans().Get(ctx, plan.ID); err != nil {
		t.Fatal("B removed A's plan")
	}
	if _, err := h.store.Tenant(101).Servers().Get(ctx, srv.ID); err != nil {
		t.Fatal("B removed A's server")
	}
	if _, ok := conversation(t, h, 202); ok {
		t.Fatal("B's replay started a wizard on A's data")
	}
	// And B's own screens never list A's client.
	m := h.say(202, "/clientes", "Clientes")
	if strings.Contains(m.Text, "Ana") || countClientButtons(m) != 0 {
		t.Fatalf("B's list shows A's client: %q", m.Text)
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	h := startedHarness(t, 101)
	csv := "nome;telefone;plano;valor;vencimento;servidor;observacoes\n" +
		"Ana Lima;(11) 98765-4321;mensal;35,90;15/12/2026;Alpha;MAC 00:11\n" +
		"Bruno;31 3765-4321;Trimestral;R$ 90;01/01/2027;;\n" +
		"Carla \"Cacau\";11912345678;Anual;1.200,00;28/11/2026;;\"linha 1\nlinha 2\"\n" +
		"Telefone Ruim;1234;Mensal;10;15/12/2026;;\n" +
		"Plano Ruim;11987650000;Ouro;10;15/12/2026;;\n"
	before := h.botMessageCount(101)
	h.srv.SendDocument(101, "clientes.csv", []byte(csv), "")
	m := h.waitText(101, before, "Importação concluída")
	for _, want := range []string{"3 clientes importados", "2 linhas recusadas", "linha 6 — telefone: faltam dígitos.", "linha 7 — plano: “Ouro” não existe"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("report lacks %q:\n%s", want, m.Text)
		}
	}
	if n := len(h.clients(101)); n != 3 {
		t.Fatalf("%d clients after import", n)
	}

	before = h.botMessageCount(101)
	h.srv.SendText(101, "/exportar")
	h.waitText(101, before, "3 clientes")
	doc, _ := h.srv.LastBotMessage(101)
	if doc.Document == nil || !strings.HasSuffix(doc.Document.Name, ".csv") {
		t.Fatalf("export is not a CSV document: %+v", doc)
	}
	rows, refused, err := clientcsv.Parse(bytes.NewReader(doc.Document.Data), hToday)
	if err != nil || len(refused) != 0 || len(rows) != 3 {
		t.Fatalf("export does not re-parse: %v %v %d", err, refused, len(rows))
	}
	got := map[string]clientcsv.Row{}
	for _, r := range rows {
		got[r.Name] = r
	}
	if r := got["Carla \"Cacau\""]; r.Notes != "linha 1\nlinha 2" || r.Value != 120000 || r.Plan != "Anual" || r.Phone != "5511912345678" {
		t.Fatalf("round trip of Carla = %+v", r)
	}
	if r := got["Ana Lima"]; r.Server != "Alpha" || r.Due != (billing.Date{Year: 2026, Month: 12, Day: 15}) {
		t.Fatalf("round trip of Ana = %+v", r)
	}
	// Importing the export again changes nothing: every row is already there.
	before = h.botMessageCount(101)
	h.srv.SendDocument(101, "export.csv", doc.Document.Data, "")
	m = h.waitText(101, before, "Importação concluída")
	if !strings.Contains(m.Text, "0 clientes importados") || !strings.Contains(m.Text, "3 já cadastrados") {
		t.Fatalf("re-import report = %q", m.Text)
	}
	// A file that is not CSV is explained, not imported.
	h.srv.SendDocument(101, "foto.jpg", []byte{1, 2, 3}, "")
	h.waitText(101, before, "só sei importar planilhas")
	h.say(101, "/importar", "Importar clientes")
	h.srv.Until(waitLimit, func() bool {
		m, _ := h.srv.LastBotMessage(101)
		return m.Document != nil && m.Document.Name == "modelo-clientes.csv"
	})
}

func TestPlansAndServersSettings(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	h.say(101, "/config", "Configurações")
	h.click(101, "📦 Planos", "Seus planos")
	h.click(101, "➕ Novo plano", "Nome do novo plano")
	h.say(101, "mensal", "Você já tem um plano chamado")
	h.say(101, "Mensal 2 telas", "Quantos meses")
	h.say(101, "40", "Duração inválida")
	h.click(101, "1", "Preço padrão")
	h.say(101, "45", "Plano criado")
	p, err := h.store.Tenant(101).Plans().FindByName(ctx, "mensal 2 telas")
	if err != nil || p.Months != 1 || p.Price != 4500 {
		t.Fatalf("plan = %+v, %v", p, err)
	}
	h.click(101, "💰 Preço", "Novo preço padrão")
	h.click(101, "Sem preço padrão", "Plano atualizado")
	h.click(101, "✏️ Nome", "Novo nome")
	h.say(101, "Duas Telas", "Plano atualizado")
	h.click(101, "🗑️ Remover plano", "Remover o plano")
	h.click(101, "🗑️ Sim, remover", "Seus planos")
	if _, err := h.store.Tenant(101).Plans().FindByName(ctx, "Duas Telas"); err == nil {
		t.Fatal("plan not removed")
	}
	// A plan with clients cannot be removed.
	h.addClient(101, "Ana", "5511987654321", "Anual", 1000, hToday)
	h.click(101, "Anual", "Clientes neste plano: 1")
	m, _ := h.srv.LastBotMessage(101)
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.Contains(b.Text, "Remover") {
				t.Fatal("remove offered for a plan with clients")
			}
		}
	}

	h.say(101, "/config", "Configurações")
	h.click(101, "🖥️ Servidores", "Nenhum servidor")
	h.click(101, "➕ Novo servidor", "Nome do novo servidor")
	h.say(101, "Alpha", "Servidor cadastrado")
	h.click(101, "✏️ Renomear", "Novo nome para")
	h.say(101, "Beta", "Servidor renomeado")
	h.click(101, "🗑️ Remover", "Remover")
	h.click(101, "🗑️ Sim, remover", "Nenhum servidor")
}
