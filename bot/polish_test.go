package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"renovabot/billing"
	"renovabot/bot/telegramtest"
	"renovabot/msgtemplate"
	"renovabot/store"
)

// Issue 13: the rounds of polish, as a reseller sees them.

// sendCSV sends a client file as the user and returns the import report.
func (h *harness) importCSV(chat int64, body string) telegramtest.Message {
	h.t.Helper()
	before := h.botMessageCount(chat)
	h.srv.SendDocument(chat, "clientes.csv", []byte(body), "")
	return h.waitText(chat, before, "Importação concluída")
}

// noGenderOrPluralMarks fails when a bot message of chat writes "(es)",
// "(s)" or "(a)" instead of agreeing with its count or name.
func noGenderOrPluralMarks(t *testing.T, h *harness, chat int64) {
	t.Helper()
	for _, m := range h.srv.BotMessages(chat) {
		for _, mark := range []string{"(es)", "(s)", "(a)", "o(a)"} {
			if strings.Contains(m.Text, mark) {
				t.Errorf("message writes %q:\n%s", mark, m.Text)
			}
		}
	}
}

// Item 7: a server name a client uses is in Configurações › Servidores,
// created on first use and matched ignoring case, whether typed in the
// wizard, set by an edit or imported; the wizard says "toque num botão"
// only when it shows server buttons.
func TestServersTypedEditedOrImportedAreListed(t *testing.T) {
	h := startedHarness(t, 101)
	newClient := func(name, phone, server string) telegramtest.Message {
		t.Helper()
		h.say(101, "/novo", "Qual o nome")
		h.say(101, name, "WhatsApp")
		h.say(101, phone, "Qual o plano")
		h.say(101, "mensal", "valor")
		h.say(101, "35", "vencimento")
		ask := h.say(101, "15/12/2026", "servidor")
		h.say(101, server, "observação")
		sum := h.say(101, "pular", "Confira o cadastro")
		h.say(101, "sim", "Cliente cadastrado")
		if !strings.Contains(sum.Text, "Servidor: ServidorX") {
			t.Errorf("summary of %s does not show the server as it is saved:\n%s", name, sum.Text)
		}
		return ask
	}
	ask := newClient("Ana", "11987650001", "ServidorX")
	if strings.Contains(ask.Text, "Toque num botão") {
		t.Errorf("server question with no server buttons says to touch one:\n%s\n%s", ask.Text, buttonLabels(ask))
	}
	ask = newClient("Bia", "11987650002", "servidorx")
	if !strings.Contains(ask.Text, "Toque num botão") || !strings.Contains(buttonLabels(ask), "ServidorX") {
		t.Errorf("server question with a server: %q, buttons %s", ask.Text, buttonLabels(ask))
	}

	// An edit to a new name, and an import with another one.
	h.openCard(101, "Ana")
	h.click(101, "✏️ Editar", "qual campo")
	h.click(101, "Servidor", "Qual o novo servidor")
	h.say(101, "Beta", "Servidor atualizado")
	h.importCSV(101, "nome;telefone;plano;valor;vencimento;servidor\nCaio;11987650003;Mensal;35;15/12/2026;Alfa Play\n")

	h.say(101, "/config", "Configurações")
	m := h.click(101, "🖥️ Servidores", "Seus servidores")
	for _, want := range []string{"ServidorX</b> — 1 cliente", "Beta</b> — 1 cliente", "Alfa Play</b> — 1 cliente"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("servers screen lacks %q:\n%s", want, m.Text)
		}
	}
	if n := strings.Count(strings.ToLower(m.Text), "servidorx"); n != 1 {
		t.Errorf("ServidorX listed %d times:\n%s", n, m.Text)
	}
	for _, c := range h.clients(101) {
		if c.Name == "Bia" && c.Server != "ServidorX" {
			t.Errorf("Bia's server stored as %q", c.Server)
		}
	}
	// A server clients use is not offered for removal.
	m = h.click(101, "ServidorX", "Clientes com este servidor: 1")
	if strings.Contains(buttonLabels(m), "Remover") {
		t.Errorf("a server in use offers removal: %s", buttonLabels(m))
	}
}

// Item 11: every CSV the bot sends starts with the UTF-8 byte order mark,
// so Excel on Windows shows "José", and an exported file imports back.
func TestEveryCSVStartsWithTheBOM(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	c := h.addClient(101, "José Conceição", "5511987654321", "Mensal", 3590, billing.Date{Year: 2026, Month: 11, Day: 10})
	if _, _, err := h.store.Tenant(101).Clients().Renew(ctx, c.ID, store.Renewal{ExpectDue: c.Due,
		NewDue: billing.Date{Year: 2026, Month: 12, Day: 10}, Anchor: 10, PaidOn: billing.Date{Year: 2026, Month: 11, Day: 9}}); err != nil {
		t.Fatal(err)
	}
	const bom = "\xEF\xBB\xBF"
	check := func(name string, data []byte) {
		t.Helper()
		if !bytes.HasPrefix(data, []byte(bom)) {
			t.Errorf("%s does not start with the UTF-8 BOM: %q", name, data[:min(len(data), 20)])
		}
		if !utf8.Valid(data) || !bytes.Contains(data, []byte("José Conceição")) && name != "modelo" {
			t.Errorf("%s lost the accents: %q", name, data)
		}
	}

	before := h.botMessageCount(101)
	h.srv.SendText(101, "/exportar")
	export := waitDocument(t, h, 101, before, "clientes-2026-11-28.csv")
	check("exportar", export)

	before = h.botMessageCount(101)
	h.srv.SendText(101, "/importar")
	check("modelo", waitDocument(t, h, 101, before, "modelo-clientes.csv"))

	h.say(101, "/relatorios", "escolha o período")
	h.click(101, "Este mês", "Relatório")
	before = h.botMessageCount(101)
	h.srv.Click(101, "📤 Pagamentos (.csv)")
	check("pagamentos", waitDocument(t, h, 101, before, "pagamentos-2026-11-01-a-2026-11-30.csv"))
	if _, err := h.store.Tenant(101).Messages().Log(ctx, store.NewMessage{ClientID: c.ID, ClientName: c.Name, Phone: c.Phone,
		Kind: string(msgtemplate.KindCharge), Origin: store.OriginManual, Status: store.MsgSent, WAID: "X1", Body: "oi"}); err != nil {
		t.Fatal(err)
	}
	before = h.botMessageCount(101)
	h.srv.Click(101, "📤 Mensagens (.csv)")
	check("mensagens", waitDocument(t, h, 101, before, "mensagens-2026-11-01-a-2026-11-30.csv"))

	// What /exportar wrote imports back: the BOM is not read as part of
	// the header.
	m := h.importCSV(101, string(export))
	if !strings.Contains(m.Text, "1 já cadastrado, ignorado (linha 2)") {
		t.Errorf("re-importing the export:\n%s", m.Text)
	}
}

// Polish: the messages CSV names kinds in pt-BR and writes every date as
// dd/mm/aaaa hh:mm, reminders included.
func TestMessagesCSVInPortuguese(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	tn := h.store.Tenant(101)
	c := h.addClient(101, "Ana", "5511987654321", "Mensal", 3590, hToday)
	if _, err := tn.Reminders().Plan(ctx, hToday, []store.ReminderStage{{Offset: 0, Kind: msgtemplate.KindDueToday}},
		[]store.PlanDay{{Day: hToday, Status: store.MsgPending}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.Messages().Log(ctx, store.NewMessage{ClientID: c.ID, ClientName: c.Name, Phone: c.Phone,
		Kind: string(msgtemplate.KindCharge), Origin: store.OriginManual, Status: store.MsgSent, WAID: "X1", Body: "cobrança"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.Messages().Log(ctx, store.NewMessage{Phone: "5511999990000", Kind: kindTest, Origin: store.OriginTest,
		Status: store.MsgSent, WAID: "X2", Body: testMessage}); err != nil {
		t.Fatal(err)
	}
	h.say(101, "/relatorios", "escolha o período")
	h.click(101, "Este mês", "Relatório")
	before := h.botMessageCount(101)
	h.srv.Click(101, "📤 Mensagens (.csv)")
	data := waitDocument(t, h, 101, before, "mensagens-2026-11-01-a-2026-11-30.csv")
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("messages CSV = %q, %v", rows, err)
	}
	dateTime := regexp.MustCompile(`^\d\d/\d\d/\d{4} \d\d:\d\d$`)
	kinds := map[string]bool{}
	for _, row := range rows[1:] {
		if !dateTime.MatchString(row[0]) {
			t.Errorf("date %q is not dd/mm/aaaa hh:mm: %q", row[0], row)
		}
		kinds[row[3]] = true
	}
	for _, want := range []string{"Vence hoje", "Cobrança", "Teste do WhatsApp"} {
		if !kinds[want] {
			t.Errorf("kinds %v lack %q", sortedKeys(kinds), want)
		}
	}
}

// Polish: counts agree with one ("1 cliente importado", "1 entregue"),
// names of unknown gender get neutral wording, message kinds agree with
// "ligado", and nothing writes "(es)".
func TestCountsAndNamesAgree(t *testing.T) {
	h := startedHarness(t, 101, 900)
	m := h.importCSV(101, "nome;telefone;plano;valor;vencimento\n"+
		"Maria Souza;11987650001;Mensal;35;20/11/2026\n"+
		"Maria Souza;11987650001;Mensal;35;20/11/2026\n"+
		"Sem Telefone;;Mensal;35;15/12/2026\n")
	for _, want := range []string{"✅ 1 cliente importado", "↪️ 1 já cadastrado, ignorado (linha 3)", "❌ 1 linha recusada:"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("import report lacks %q:\n%s", want, m.Text)
		}
	}
	paused := h.addClient(101, "Pausado", "5511987650002", "Mensal", 3590, hToday.AddDays(10))
	p := true
	if _, err := h.store.Tenant(101).Clients().Update(context.Background(), paused.ID, store.ClientPatch{Paused: &p}); err != nil {
		t.Fatal(err)
	}
	m = h.say(101, "/clientes", "Clientes")
	for _, want := range []string{"🔴 1 vencido ·", "⏸️ 1 pausado\n"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("list header lacks %q:\n%s", want, m.Text)
		}
	}

	// Renewing Maria: the confirmation does not guess her gender.
	h.click(101, "Maria Souza", "👤 Maria Souza")
	h.click(101, "🔄 Renovar", "Renovar Maria Souza")
	m = h.click(101, "➕ +1 mês", "Renovação de Maria Souza registrada")
	if strings.Contains(m.Text, "renovado") || strings.Contains(m.Text, "renovada") {
		t.Errorf("renewal confirmation guesses a gender:\n%s", m.Text)
	}

	// Message kinds agree with their names.
	h.say(101, "/config", "Configurações")
	m = h.click(101, "📝 Mensagens", "Os textos")
	for _, want := range []string{"Lembrete antes do vencimento — 🟢 ligado", "Boas-vindas — 🟢 ligadas", "Cobrança — 🟢 ligada"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("messages screen lacks %q:\n%s", want, m.Text)
		}
	}

	// The admin's notice to one reseller.
	h.say(900, "/admin", "Painel")
	h.click(900, "📣 Aviso geral", "para 1 revendedor com acesso ativo")
	m = h.say(900, "Manutenção às 22h", "Prévia")
	if !strings.Contains(m.Text, "Enviar para 1 revendedor com acesso ativo?") || !strings.Contains(buttonLabels(m), "📣 Enviar para 1 revendedor") {
		t.Errorf("broadcast preview = %q, buttons %s", m.Text, buttonLabels(m))
	}
	h.click(900, "📣 Enviar para 1 revendedor", "Aviso enviado")
	m = h.waitText(900, 0, "Aviso enviado")
	for _, want := range []string{"para 1 revendedor", "✅ 1 entregue", "🚫 0 bloquearam o bot", "⚠️ 0 falharam"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("broadcast result lacks %q:\n%s", want, m.Text)
		}
	}
	h.say(900, "/admin", "Painel")
	m = h.click(900, "🔎 Buscar", "nome")
	h.say(900, "usuário 101", "1 revendedor para")
	noGenderOrPluralMarks(t, h, 101)
	noGenderOrPluralMarks(t, h, 900)
}

// A reseller whose Telegram name is blank is greeted without a gendered
// stand-in ("revendedor(a)").
func TestGreetingWithoutAName(t *testing.T) {
	if got := hello("Olá", "  "); got != "Olá" {
		t.Errorf("hello without a name = %q", got)
	}
	if got := hello("Olá de novo", "Ana <Lima>"); got != "Olá de novo, <b>Ana</b>" {
		t.Errorf("hello = %q", got)
	}
}

// Polish: the client card says where the due date stands once, and its
// copyable block holds only name, phone, plan, value and due date.
func TestClientCardDueOnceAndShortCopyBlock(t *testing.T) {
	h := startedHarness(t, 101)
	c := h.addClient(101, "Ana <Lima>", "5511987654321", "Mensal", 3590, hToday)
	server, notes := "Servidor 1", "MAC 00:1A"
	if _, err := h.store.Tenant(101).Clients().Update(context.Background(), c.ID, store.ClientPatch{Server: &server, Notes: &notes}); err != nil {
		t.Fatal(err)
	}
	m := h.openCard(101, "Ana <Lima>")
	if !strings.Contains(m.Text, "🟠 vence hoje (28/11/2026)") || strings.Contains(m.Text, "vence hoje — vence hoje") {
		t.Errorf("card status line:\n%s", m.Text)
	}
	wantPre := "<pre>Nome: Ana &lt;Lima&gt;\nTelefone: +55 (11) 98765-4321\nPlano: Mensal\nValor: R$ 35,90\nVencimento: 28/11/2026</pre>"
	if !strings.Contains(m.HTML, wantPre) {
		t.Errorf("card's copy block is not exactly name, phone, plan, value and due:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, "🖥️ Servidor: Servidor 1") || !strings.Contains(m.Text, "📝 MAC 00:1A") {
		t.Errorf("card lost the server or notes above the block:\n%s", m.Text)
	}
	// A client in good standing keeps its status word.
	h.addClient(101, "Bia", "5511987654322", "Mensal", 3590, hToday.AddDays(20))
	if m := h.openCard(101, "Bia"); !strings.Contains(m.Text, "🟢 em dia — vence em 20 dias (18/12/2026)") {
		t.Errorf("card of a client in good standing:\n%s", m.Text)
	}
}

// Polish: a question about a setting shows its current value as "Atual:",
// never "Hoje:"; a plan without a default price shows "Preço padrão: —".
func TestCurrentSettingIsAtual(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/config", "Configurações")
	h.click(101, "⏰ Lembretes", "Lembretes automáticos")
	for _, q := range []struct{ button, want string }{
		{"🕘 Horário de envio", "Atual: 09:00"},
		{"⏱️ Horário limite", "Atual: 21:00"},
		{"📆 Dias dos lembretes", "Atual: -2, 0, +1"},
		{"🌎 Fuso horário", "Atual: Brasília — America/Sao_Paulo"},
	} {
		m := h.click(101, q.button, q.want)
		if strings.Contains(m.Text, "Hoje:") {
			t.Errorf("%s says Hoje:\n%s", q.button, m.Text)
		}
		h.say(101, "/cancelar", "Operação cancelada")
		h.say(101, "/config", "Configurações")
		h.click(101, "⏰ Lembretes", "Lembretes automáticos")
	}
	h.say(101, "/config", "Configurações")
	h.click(101, "📦 Planos", "Seus planos")
	m := h.click(101, "Mensal", "Duração: 1 mês")
	if !strings.Contains(m.Text, "Preço padrão: —\n") {
		t.Errorf("plan without a default price:\n%s", m.Text)
	}
	h.click(101, "⏳ Duração", "(atual: 1 mês)")
	h.say(101, "/cancelar", "Operação cancelada")
	h.say(101, "/config", "Configurações")
	h.click(101, "📦 Planos", "Seus planos")
	h.click(101, "Mensal", "Duração: 1 mês")
	h.click(101, "💰 Preço", "(atual: sem preço padrão)")
}

// Polish: import errors give one short reason per field, without the
// parser's examples, ".;" joins or words cut in the middle, even when
// there are more refused lines than fit in one message.
func TestImportErrorsReadWell(t *testing.T) {
	h := startedHarness(t, 101)
	var sb strings.Builder
	sb.WriteString("nome;telefone;plano;valor;vencimento\n")
	sb.WriteString("Ana;98765-4321;Mensal;;31/02/2027\n") // line 2
	for i := range 150 {
		fmt.Fprintf(&sb, "Cliente %d;123;Mensal;abc;32/01\n", i)
	}
	m := h.importCSV(101, sb.String())
	if !strings.Contains(m.Text, "• linha 2 — telefone: falta o DDD; valor: vazio; vencimento: 31/02 não existe (fevereiro de 2027 tem 28 dias).") {
		t.Errorf("line 2 reasons:\n%s", m.Text)
	}
	for _, bad := range []string{"Telefone inválido", ".;", "Envie", "por exemplo"} {
		if strings.Contains(m.Text, bad) {
			t.Errorf("report contains %q:\n%s", bad, m.Text)
		}
	}
	lines := strings.Split(m.Text, "\n")
	listed := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "• linha ") {
			listed++
			if !strings.HasSuffix(l, ".") || strings.Contains(l, "…") {
				t.Errorf("reason cut: %q", l)
			}
		}
	}
	if listed == 0 || listed == 151 || !strings.Contains(m.Text, fmt.Sprintf("… e mais %d. Corrija", 151-listed)) {
		t.Errorf("%d of 151 lines listed, then:\n%s", listed, lines[len(lines)-1])
	}
	if n := utf8.RuneCountInString(m.Text); n > 4096 {
		t.Errorf("report has %d characters", n)
	}
}

// Polish: after a wizard's button is tapped, its question stays as it was
// sent (bold, code), with the chosen answer under it.
func TestWizardButtonKeepsTheQuestionsFormatting(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/novo", "Qual o nome")
	h.say(101, "Ana", "WhatsApp")
	q := h.say(101, "11987654321", "Qual o plano")
	m := h.click(101, "Mensal", "✔️ Mensal")
	if m.ID != q.ID {
		t.Fatalf("the answered question is message %d, want %d", m.ID, q.ID)
	}
	if !strings.Contains(m.HTML, "Qual o <b>plano</b>?") || !strings.Contains(m.HTML, "✔️ <b>Mensal</b>") {
		t.Errorf("answered question lost its formatting:\n%s", m.HTML)
	}
}

// Polish: confirmations replaced on screen act once. An old "Sim,
// desconectar" pressed after the number was linked again unlinks nothing.
func TestUnlinkConfirmationActsOnce(t *testing.T) {
	h := startedHarness(t, 101)
	linkByQR(t, h, 101, "5511987654321")
	h.say(101, "/whatsapp", "WhatsApp conectado")
	ask := h.click(101, "🔌 Desconectar", "Desconectar seu WhatsApp?")
	yes := buttonData(t, ask, "🔌 Sim, desconectar")
	h.click(101, "🔌 Sim, desconectar", "WhatsApp desconectado")

	// Linked again, then the old confirmation pressed a second time.
	h.say(101, "/whatsapp", "não está conectado")
	if _, err := h.srv.Click(101, "🔗 Conectar com QR code"); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, func() bool { return len(photoMessages(h, 101)) == 2 }) {
		t.Fatal("no second QR code")
	}
	if err := h.waFake.CompletePairing(101, "5511987654321"); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, func() bool { return strings.Contains(photoMessages(h, 101)[1].Text, "Conectado como") }) {
		t.Fatal("not linked again")
	}
	a := h.waitAnswer(h.srv.Press(101, ask.ID, yes))
	if !a.Alert || !strings.Contains(a.Text, "já foi usado") {
		t.Fatalf("second press answered %+v", a)
	}
	h.waitIdle()
	if _, err := h.store.Tenant(101).WhatsApp().Session(context.Background()); err != nil {
		t.Fatalf("the second press unlinked the new link: %v", err)
	}
	h.say(101, "/whatsapp", "WhatsApp conectado")
}

// An old "Sim, restaurar" pressed after the text was edited again does not
// throw the new text away.
func TestRestoreConfirmationActsOnce(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	tp := h.store.Tenant(101).Templates()
	if err := tp.Save(ctx, msgtemplate.KindBeforeDue, "Meu texto {nome}"); err != nil {
		t.Fatal(err)
	}
	h.say(101, "/config", "Configurações")
	h.click(101, "📝 Mensagens", "Os textos")
	h.click(101, "Lembrete antes do vencimento", "texto seu")
	ask := h.click(101, "↩️ Restaurar padrão", "Restaurar o texto padrão")
	yes := buttonData(t, ask, "↩️ Sim, restaurar")
	h.click(101, "↩️ Sim, restaurar", "Texto padrão restaurado")

	if err := tp.Save(ctx, msgtemplate.KindBeforeDue, "Texto novo {nome}"); err != nil {
		t.Fatal(err)
	}
	a := h.waitAnswer(h.srv.Press(101, ask.ID, yes))
	if !a.Alert || !strings.Contains(a.Text, "já foi usado") {
		t.Fatalf("second press answered %+v", a)
	}
	h.waitIdle()
	if got := h.template(101, msgtemplate.KindBeforeDue).Body; got != "Texto novo {nome}" {
		t.Fatalf("the second press restored over the new text: %q", got)
	}
}

// An old "Sim, pausar" pressed after the reminders were resumed does not
// pause them again (nor an old "Retomar" resume them).
func TestPauseConfirmationActsOnce(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/config", "Configurações")
	h.click(101, "⏰ Lembretes", "Lembretes automáticos")
	ask := h.click(101, "⏸️ Pausar todos os lembretes", "Pausar todos os lembretes automáticos?")
	yes := buttonData(t, ask, "⏸️ Sim, pausar")
	m := h.click(101, "⏸️ Sim, pausar", "Lembretes automáticos pausados")
	resume := buttonData(t, m, "▶️ Retomar os lembretes")
	h.click(101, "▶️ Retomar os lembretes", "retomados")

	a := h.waitAnswer(h.srv.Press(101, ask.ID, yes))
	if !a.Alert || !strings.Contains(a.Text, "já foi usado") {
		t.Fatalf("second press of Sim, pausar answered %+v", a)
	}
	if h.reminderSettings(101).Paused {
		t.Fatal("an old Sim, pausar paused the reminders again")
	}
	// Paused anew; the old Retomar does not resume.
	h.click(101, "⏸️ Pausar todos os lembretes", "Pausar todos")
	h.click(101, "⏸️ Sim, pausar", "Lembretes automáticos pausados")
	a = h.waitAnswer(h.srv.Press(101, m.ID, resume))
	if !a.Alert || !strings.Contains(a.Text, "já foi usado") {
		t.Fatalf("second press of Retomar answered %+v", a)
	}
	if !h.reminderSettings(101).Paused {
		t.Fatal("an old Retomar resumed the reminders")
	}
}

// The admin card's "Desbloquear" acts once (issue 12 made the card's
// buttons act once; kept here with the other confirmations).
func TestUnblockActsOnce(t *testing.T) {
	h := startedHarness(t, 900, 101)
	h.say(900, "/admin", "Painel")
	h.click(900, "👥 Revendedores", "Revendedores")
	h.click(900, "· 101", "Situação")
	card := h.click(900, "⛔ Bloquear", "bloqueado")
	unblock := buttonData(t, card, "✅ Desbloquear")
	h.click(900, "✅ Desbloquear", "desbloqueado")
	h.click(900, "⛔ Bloquear", "bloqueado")
	a := h.waitAnswer(h.srv.Press(900, card.ID, unblock))
	if !a.Alert || !strings.Contains(a.Text, "já foi usado") {
		t.Fatalf("second press answered %+v", a)
	}
	if r := h.reseller(101); r.Status != store.StatusBlocked {
		t.Fatalf("an old Desbloquear unblocked: %+v", r)
	}
}
