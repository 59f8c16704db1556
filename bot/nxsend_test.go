package bot

import (
	"context"
	"strings"
	"testing"

	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/scheduler"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Issue 13, item 5: the manual send's preview warns when the chosen kind
// contradicts the client's situation, offers the kind that fits, and the
// default texts read right either way ("vence em 73 dias", never "venceu
// em 73 dias"; "venceu há 10 dias", never "vence há 10 dias").
func TestSendPreviewWarnsWhenTheKindContradictsTheClient(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	linkByQR(t, h, 101, "5511987654321")
	future := h.addClient(101, "Maria Futura", "5511933334444", "Mensal", 3590, hToday.AddDays(73))
	late := h.addClient(101, "Olga Atrasada", "5511955556666", "Mensal", 3590, hToday.AddDays(-10))
	h.waFake.SetOnWhatsApp(future.Phone, "")
	h.waFake.SetOnWhatsApp(late.Phone, "")

	h.openCard(101, "Maria Futura")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	m := h.click(101, "Vencido", "É exatamente isto que o cliente vai ler")
	for _, want := range []string{
		"Esta mensagem não combina com Maria Futura",
		"“Vencido” é para quem já venceu, e Maria vence em 73 dias (09/02/2027). A mensagem certa é “Lembrete antes do vencimento”.",
		"Seu plano *Mensal* vence em 73 dias (09/02/2027)",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("misfit preview lacks %q:\n%s", want, m.Text)
		}
	}
	if labels := buttonLabels(m); !strings.Contains(labels, "✅ Enviar mesmo assim") || !strings.Contains(labels, "🔁 Usar “Lembrete antes do vencimento”") {
		t.Fatalf("misfit preview buttons: %s", labels)
	}
	// The offered kind: previewed, no warning, sent as it reads.
	m = h.click(101, "🔁 Usar “Lembrete antes do vencimento”", "Lembrete antes do vencimento para Maria Futura")
	if strings.Contains(m.Text, "não combina") || !strings.Contains(m.Text, "vence em 73 dias, no dia *09/02/2027*") {
		t.Fatalf("fitting preview:\n%s", m.Text)
	}
	buttonData(t, m, "✅ Enviar")
	h.click(101, "✅ Enviar", "Enviado")
	if s := h.sends(); len(s) != 1 || !strings.Contains(s[0].Text, "vence em 73 dias") {
		t.Fatalf("sends = %+v", s)
	}

	// A reminder to an overdue client, with "Vencido" switched off: warned,
	// told the fitting kind is off, no switch offered; sent anyway, it
	// reads right.
	if err := h.store.Tenant(101).Templates().SetEnabled(ctx, msgtemplate.KindOverdue, false); err != nil {
		t.Fatal(err)
	}
	h.openCard(101, "Olga Atrasada")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	m = h.click(101, "Lembrete antes do vencimento", "É exatamente isto que o cliente vai ler")
	if !strings.Contains(m.Text, "“Lembrete antes do vencimento” é para quem ainda vai vencer, e Olga venceu há 10 dias (18/11/2026). "+
		"A mensagem certa é “Vencido”, que está desligada") || strings.Contains(buttonLabels(m), "Usar") {
		t.Fatalf("overdue preview:\n%s\n%s", m.Text, buttonLabels(m))
	}
	h.click(101, "✅ Enviar mesmo assim", "Enviado")
	if s := h.sends(); len(s) != 2 || !strings.Contains(s[1].Text, "seu plano *Mensal* venceu há 10 dias, no dia *18/11/2026*") || strings.Contains(s[1].Text, "vence há") {
		t.Fatalf("sends = %+v", s)
	}
	// A kind that fits (the charge fits any day) shows no warning.
	h.openCard(101, "Olga Atrasada")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	if m := h.click(101, "Boas-vindas", "É exatamente isto"); !strings.Contains(m.Text, "não combina") {
		t.Fatalf("welcome to an overdue client not flagged:\n%s", m.Text)
	}
	h.click(101, "🔁 Outra mensagem", "Qual mensagem?")
	h.click(101, "Mensagem livre", "Digite a mensagem")
	if m := h.say(101, "Oi {primeiro_nome}", "Oi Olga"); strings.Contains(m.Text, "não combina") {
		t.Fatalf("free text flagged:\n%s", m.Text)
	}
}

// Issue 13, item 5: each kind's preview on the template screen uses a
// client it is written for (the one due nearest to when it is sent), or
// the sample client when the reseller has none.
func TestTemplatePreviewUsesAClientTheKindFits(t *testing.T) {
	h := startedHarness(t, 101, 202)
	h.addClient(101, "Olga Atrasada", "5511911110001", "Mensal", 3590, hToday.AddDays(-10))
	h.addClient(101, "Hugo Hoje", "5511911110002", "Mensal", 3590, hToday)
	h.addClient(101, "Paulo Próximo", "5511911110003", "Mensal", 3590, hToday.AddDays(5))
	h.addClient(101, "Rui Renovado", "5511911110004", "Mensal", 3590, hToday.AddDays(40))
	h.say(101, "/config", "Configurações")
	h.click(101, "📝 Mensagens", "Os textos")
	for _, tc := range []struct{ button, client, reads string }{
		{"🟢 Lembrete antes do vencimento", "Paulo Próximo", "vence em 5 dias"},
		{"🟢 Vence hoje", "Hugo Hoje", "vence hoje"},
		{"🟢 Vencido", "Olga Atrasada", "venceu há 10 dias"},
		{"🟢 Renovação confirmada", "Rui Renovado", "Próximo vencimento: *07/01/2027*"},
		{"🟢 Boas-vindas", "Hugo Hoje", "Próximo vencimento: *28/11/2026*"},
	} {
		m := h.click(101, tc.button, "Prévia com seu cliente "+tc.client)
		if !strings.Contains(m.Text, tc.reads) {
			t.Errorf("%s previews with %s but reads:\n%s", tc.button, tc.client, m.Text)
		}
		h.click(101, "⬅️ Mensagens", "Os textos")
	}
	// Only an overdue client: the reminder before the due date previews
	// with the sample, the overdue one with the client.
	h.addClient(202, "Zé Atrasado", "5511922220001", "Mensal", 3590, hToday.AddDays(-3))
	h.say(202, "/config", "Configurações")
	h.click(202, "📝 Mensagens", "Os textos")
	if m := h.click(202, "🟢 Lembrete antes do vencimento", "Prévia com um cliente de exemplo"); !strings.Contains(m.Text, "Olá, Maria!") {
		t.Fatalf("sample preview:\n%s", m.Text)
	}
	h.click(202, "⬅️ Mensagens", "Os textos")
	h.click(202, "🟢 Vencido", "Prévia com seu cliente Zé Atrasado")
}

// Issue 13, item 5: Lembretes › Mensagem de cada dia warns when a day gets
// a kind that contradicts it ("3 dias antes: Vence hoje"), and the screens
// keep flagging it.
func TestStageKindThatContradictsItsDayIsFlagged(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/config", "Configurações")
	h.click(101, "⏰ Lembretes", "Lembretes automáticos")
	h.click(101, "📆 Dias dos lembretes", "Em quais dias")
	h.say(101, "-3, 0, +1", "Dias dos lembretes: -3, 0, +1")
	h.click(101, "📝 Mensagem de cada dia", "Escolha o dia")
	m := h.click(101, "3 dias antes: Lembrete antes do vencimento", "Qual mensagem sai 3 dias antes")
	labels := buttonLabels(m)
	for _, want := range []string{"Lembrete antes do vencimento (recomendada)", "Vence hoje ⚠️", "Vencido ⚠️", "Cobrança"} {
		if !strings.Contains(labels, want) {
			t.Errorf("chooser lacks %q: %s", want, labels)
		}
	}
	m = h.click(101, "Vence hoje ⚠️", "3 dias antes agora envia “Vence hoje”")
	if !strings.Contains(m.Text, "Não combina com este dia: “Vence hoje” é para o dia do vencimento, e este lembrete sai 3 dias antes") ||
		!strings.Contains(m.Text, "o certo é “Lembrete antes do vencimento”") ||
		!strings.Contains(buttonLabels(m), "⚠️ 3 dias antes: Vence hoje") {
		t.Fatalf("after choosing a contradicting kind:\n%s\n%s", m.Text, buttonLabels(m))
	}
	if st, _ := h.reminderSettings(101).Stage(-3); st.Kind != msgtemplate.KindDueToday {
		t.Fatalf("the reseller's choice was not saved: %+v", st)
	}
	m = h.click(101, "⬅️ Lembretes", "Lembretes automáticos")
	if !strings.Contains(m.Text, "3 dias antes (-3): Vence hoje — ⚠️ não combina com este dia (o certo é “Lembrete antes do vencimento”)") ||
		strings.Contains(m.Text, "No dia do vencimento (0): Vence hoje — ⚠️") {
		t.Fatalf("Lembretes screen:\n%s", m.Text)
	}
	// The charge fits any day: no warning.
	h.click(101, "📝 Mensagem de cada dia", "Escolha o dia")
	h.click(101, "⚠️ 3 dias antes: Vence hoje", "Qual mensagem sai 3 dias antes")
	if m := h.click(101, "Cobrança", "3 dias antes agora envia “Cobrança”"); strings.Contains(m.Text, "Não combina") || strings.Contains(buttonLabels(m), "⚠️") {
		t.Fatalf("charge flagged:\n%s\n%s", m.Text, buttonLabels(m))
	}
}

// Issue 13, item 6: past the daily cap, the summary says what was held
// back, by reason and reminder day, when there are too many to name.
func TestDailySummaryShowsWhatTheCapHeldBack(t *testing.T) {
	h := startedHarness(t, 101)
	capReason := "Não enviado: limite diário de 150 mensagens do seu WhatsApp atingido."
	list := make([]scheduler.Problem, 10)
	for i := range list {
		list[i] = scheduler.Problem{ClientID: 0, Name: "Cliente", Stage: -2, Reason: capReason}
	}
	if err := h.bot.DailySummary(context.Background(), 101, scheduler.DaySummary{
		Day: hToday, Sent: 150, Skipped: 103, SkippedList: list,
		SkippedWhy: []scheduler.SkipReason{
			{Reason: capReason, Count: 102, Stages: []scheduler.StageCount{{Stage: -1, Count: 2}, {Stage: -2, Count: 100}}},
			{Reason: "Não enviado: cliente excluído.", Count: 1, Stages: []scheduler.StageCount{{Stage: 0, Count: 1}}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	m := h.waitText(101, 0, "Lembretes de hoje")
	for _, want := range []string{
		"Não enviados: 103",
		"• " + capReason + " — 102 (1 dia antes: 2 · 2 dias antes: 100)",
		"• Não enviado: cliente excluído. — 1 (no dia do vencimento: 1)",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("summary lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "Cliente (2 dias antes)") {
		t.Errorf("summary names clients instead of counting:\n%s", m.Text)
	}
}

// Issue 13, item 12: a manual send whose code message fails after the text
// left says so (not "não enviado"), and logs the attempt.
func TestManualSendWhenOnlyThePixCodeFails(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	linkByQR(t, h, 101, "5511987654321")
	co := store.Company{Name: "Loja", PixKey: "loja@exemplo.com.br", PixHolder: "Loja Ltda", City: "Recife"}
	if err := h.store.Tenant(101).Company().Save(ctx, co); err != nil {
		t.Fatal(err)
	}
	c := h.addClient(101, "Maria Cliente", "5511933334444", "Mensal", 3590, hToday.AddDays(2))
	h.waFake.SetOnWhatsApp(c.Phone, "")
	h.openCard(101, "Maria Cliente")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	m := h.click(101, "Cobrança", "Logo em seguida, numa mensagem só com ele")
	want, _ := compose.Render(msgtemplate.DefaultText(msgtemplate.KindCharge), c, co, hToday)
	if !strings.Contains(m.Text, compose.PixPointer) || !strings.Contains(m.Text, want.Pix) {
		t.Fatalf("preview does not show the two messages:\n%s", m.Text)
	}
	h.waFake.FailNextSend(101, nil)
	h.waFake.FailNextSend(101, &whatsapp.RateLimitedError{})
	m = h.click(101, "✅ Enviar", "Enviado sem o código Pix")
	if !strings.Contains(m.Text, "a mensagem “Cobrança” saiu, mas a do Pix copia e cola não") || !strings.Contains(m.Text, "O WhatsApp pediu uma pausa") ||
		!strings.Contains(m.Text, "Cobrança + código Pix — ❌ falhou") {
		t.Fatalf("card:\n%s", m.Text)
	}
	s := h.sends()
	l := h.messages(101)
	if len(s) != 1 || s[0].Text != want.Text || len(l) != 1 || l[0].Status != store.MsgFailed || l[0].WAID != s[0].ID ||
		l[0].FollowBody != want.Pix || l[0].FollowWAID == "" {
		t.Fatalf("sends %+v, log %+v", s, l)
	}
}

// Issue 13, item 13: the automatic welcome is not sent while a variable it
// uses is empty (the default ends with {empresa}); the reseller is told
// what to fill, and can still send it from the preview.
func TestAutomaticWelcomeHeldWhileTheCompanyNameIsEmpty(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	if err := h.store.Tenant(101).Company().Save(ctx, store.Company{WelcomeAuto: true}); err != nil {
		t.Fatal(err)
	}
	linkByQR(t, h, 101, "5511987654321")
	h.waFake.SetOnWhatsApp("5511911110002", "")
	h.waFake.SetOnWhatsApp("5511911110003", "")
	card := createByWizard(h, 101, "Bia Dois", "11 91111-0002")
	if !strings.Contains(card.Text, "Boas-vindas automáticas não enviadas: {empresa} ficaria em branco para este cliente. "+
		"Preencha o nome da empresa em ⚙️ Configurações › 🏢 Dados da empresa.") {
		t.Fatalf("card:\n%s", card.Text)
	}
	if labels := buttonLabels(card); !strings.Contains(labels, "🏢 Dados da empresa") || !strings.Contains(labels, "📤 Enviar boas-vindas") {
		t.Fatalf("buttons: %s", labels)
	}
	if len(h.sends()) != 0 || len(h.messages(101)) != 0 {
		t.Fatal("a welcome with an empty company name was sent or logged")
	}
	// Filled in: the next client gets it, signed.
	if err := h.store.Tenant(101).Company().Save(ctx, store.Company{Name: "Loja da Bia", WelcomeAuto: true}); err != nil {
		t.Fatal(err)
	}
	card = createByWizard(h, 101, "Caio Três", "11 91111-0003")
	if s := h.sends(); !strings.Contains(card.Text, "Boas-vindas enviadas") || len(s) != 1 || !strings.HasSuffix(s[0].Text, "\n\nLoja da Bia") {
		t.Fatalf("card:\n%s\nsends %+v", card.Text, s)
	}
}

// Issue 13, item 13, on the settings screen: a day whose message uses an
// empty company field sends nothing, one using a client field skips the
// clients without it; the Lembretes screen says which.
func TestRemindersScreenNamesTheFieldsToFill(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	tp := h.store.Tenant(101).Templates()
	if err := tp.Save(ctx, msgtemplate.KindBeforeDue, "Oi {primeiro_nome}, seu acesso ao {servidor} {quando_vence}."); err != nil {
		t.Fatal(err)
	}
	if err := tp.Save(ctx, msgtemplate.KindDueToday, "Oi {primeiro_nome}, {quando_vence}. {empresa}"); err != nil {
		t.Fatal(err)
	}
	h.say(101, "/config", "Configurações")
	m := h.click(101, "⏰ Lembretes", "Lembretes automáticos")
	for _, want := range []string{
		"2 dias antes (-2): Lembrete antes do vencimento — ⚠️ clientes sem o servidor no cadastro não recebem",
		"No dia do vencimento (0): Vence hoje — ⚠️ falta o nome da empresa em Dados da empresa, este dia não envia",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("Lembretes lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "1 dia depois (+1): Vencido — ⚠️") {
		t.Errorf("the default overdue text flagged:\n%s", m.Text)
	}
}

// The longest template, with the Pix code after it, every gap a client can
// have and a kind that contradicts the client (warning, offer), still fits
// the send preview and the template screen (the fake Bot API refuses a
// message over 4096 characters like Telegram).
func TestLongestTemplateWithPixCodeAndWarningsFits(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	linkByQR(t, h, 101, "5511987654321")
	if err := h.store.Tenant(101).Company().Save(ctx, store.Company{PixKey: "loja@exemplo.com.br", PixHolder: "Loja", City: "Recife"}); err != nil {
		t.Fatal(err)
	}
	c := h.addClient(101, strings.Repeat("Nome Longo ", 9), "5511933334444", "Mensal", 3590, hToday.AddDays(-3))
	h.waFake.SetOnWhatsApp(c.Phone, "")
	tail := "{pix_copia_cola}{empresa}{empresa_telefone}{servidor}{observacoes}"
	body := strings.Repeat("😀", msgtemplate.MaxLen-len([]rune(tail))) + tail
	if _, err := msgtemplate.Parse(body); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Tenant(101).Templates().Save(ctx, msgtemplate.KindRenewed, body); err != nil {
		t.Fatal(err)
	}
	h.say(101, "/config", "Configurações")
	h.click(101, "📝 Mensagens", "Os textos")
	h.click(101, "🟢 Renovação confirmada", "Prévia cortada aqui")
	h.say(101, "/clientes", "Clientes")
	h.click(101, "Nome Longo Nome Longo", "👤 Nome Longo")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	m := h.click(101, "Renovação confirmada", "Esta mensagem não combina com")
	if !strings.Contains(m.Text, "Logo em seguida, numa mensagem só com ele") || !strings.Contains(m.Text, "Em branco para este cliente") {
		t.Fatalf("preview:\n%.300s", m.Text)
	}
	h.click(101, "✅ Enviar mesmo assim", "e o código Pix logo em seguida")
	for _, method := range []string{"sendMessage", "editMessageText"} {
		for _, call := range h.srv.Calls(method) {
			if call.Status != 200 {
				t.Fatalf("Telegram refused a screen (%s %d): %.200s", method, call.Status, call.Params["text"])
			}
		}
	}
}

// The longest daily summary (every list full of the longest names and
// reasons, six reminder days) still fits one Telegram message.
func TestLongestDailySummaryFits(t *testing.T) {
	h := startedHarness(t, 101)
	long := scheduler.Problem{ClientID: 1, Name: strings.Repeat("N", 200), Stage: -30, Reason: strings.Repeat("r", 500)}
	stages := []scheduler.StageCount{{Stage: 30, Count: 99999}, {Stage: 29, Count: 99999}, {Stage: 28, Count: 99999}, {Stage: -28, Count: 99999}, {Stage: -29, Count: 99999}, {Stage: -30, Count: 99999}}
	var why []scheduler.SkipReason
	for range 20 {
		why = append(why, scheduler.SkipReason{Reason: strings.Repeat("m", 500), Count: 599994, Stages: stages})
	}
	list := make([]scheduler.Problem, scheduler.SummaryListLimit)
	for i := range list {
		list[i] = long
	}
	if err := h.bot.DailySummary(context.Background(), 101, scheduler.DaySummary{Day: hToday, Sent: 99999, Failed: 99999, Skipped: 99999,
		FailedList: list, SkippedList: list, SkippedWhy: why, DueToday: 99999, DueTodayAmount: 1 << 40, Overdue: 99999, OverdueAmount: 1 << 40}); err != nil {
		t.Fatal(err)
	}
	m := h.waitText(101, 0, "Lembretes de hoje")
	if n := len([]rune(m.Text)); n > 4096 || !strings.Contains(m.Text, "… e mais 16\n") {
		t.Fatalf("summary of %d characters:\n%s", n, m.Text)
	}
}

// Issue 13, item 12: the messages CSV shows a message with its Pix code,
// as the client received it.
func TestMessagesCSVShowsThePixCodeAfterTheText(t *testing.T) {
	h := startedHarness(t, 101)
	c := h.addClient(101, "Ana", "5511987654321", "Mensal", 3590, hToday)
	if _, err := h.store.Tenant(101).Messages().Log(context.Background(), store.NewMessage{ClientID: c.ID, ClientName: c.Name, Phone: c.Phone,
		Kind: string(msgtemplate.KindCharge), Origin: store.OriginManual, Status: store.MsgSent, WAID: "X1", Body: "Segue 👇",
		FollowWAID: "X2", FollowBody: "00020126codigo"}); err != nil {
		t.Fatal(err)
	}
	h.say(101, "/relatorios", "escolha o período")
	h.click(101, "Este mês", "Relatório")
	before := h.botMessageCount(101)
	h.srv.Click(101, "📤 Mensagens (.csv)")
	data := waitDocument(t, h, 101, before, "mensagens-2026-11-01-a-2026-11-30.csv")
	if !strings.Contains(string(data), "\"Segue 👇\n00020126codigo\"") {
		t.Fatalf("messages CSV = %q", data)
	}
}
