package bot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"renovabot/bot/telegramtest"
	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/pix"
	"renovabot/store"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

func (h *harness) messages(chat int64) []store.Message {
	h.t.Helper()
	h.waitIdle()
	list, err := h.store.Tenant(chat).Messages().Recent(context.Background(), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// openCard shows a client's card through the list.
func (h *harness) openCard(chat int64, name string) telegramtest.Message {
	h.t.Helper()
	h.say(chat, "/clientes", "Clientes")
	return h.click(chat, name, "👤 "+name)
}

// buttonData returns the callback data of the button labelled label.
func buttonData(t *testing.T, m telegramtest.Message, label string) string {
	t.Helper()
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == label {
				return b.Data
			}
		}
	}
	t.Fatalf("no button %q in %s", label, buttonLabels(m))
	return ""
}

// sends returns what the fake WhatsApp sent, once the bot is idle.
func (h *harness) sends() []whatsapptest.Sent {
	h.waitIdle()
	return h.waFake.Sends()
}

// Two resellers with different company data send the same kind of message
// side by side: each client gets exactly the rendered text, from their own
// reseller's session, with their own reseller's data only.
func TestManualSendRendersOwnCompanyFromOwnSession(t *testing.T) {
	h := startedHarness(t, 101, 202)
	ctx := context.Background()
	linkByQR(t, h, 101, "5511987654321")
	linkByQR(t, h, 202, "5531987654321")
	coA := store.Company{Name: "Loja A", Phone: "5511911110000", PixKey: "a@lojaa.com.br", PixHolder: "Ana Alves", City: "Campinas"}
	coB := store.Company{Name: "Loja B", Phone: "5581922220000", PixKey: "b@lojab.com.br", PixHolder: "Bruno Bezerra", City: "Recife"}
	if err := h.store.Tenant(101).Company().Save(ctx, coA); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Tenant(202).Company().Save(ctx, coB); err != nil {
		t.Fatal(err)
	}
	ca := h.addClient(101, "Maria Cliente", "5511933334444", "Mensal", 3590, hToday.AddDays(2))
	cb := h.addClient(202, "Mário Cliente", "5511955556666", "Mensal", 4000, hToday.AddDays(5))
	h.waFake.SetOnWhatsApp(ca.Phone, "")
	h.waFake.SetOnWhatsApp(cb.Phone, "")

	// A writes their own charge text (a typo first).
	h.say(101, "/config", "Configurações")
	h.click(101, "📝 Mensagens", "Os textos")
	h.click(101, "🟢 Cobrança", "Prévia com seu cliente Maria Cliente")
	h.click(101, "✏️ Editar", "Editar: Cobrança")
	h.say(101, "Olá {primeiro_nome}, pague {valorr}", "Você quis dizer {valor}?")
	bodyA := "Olá {primeiro_nome}! {empresa} ({empresa_telefone}) cobra {valor}, vence {dias}.\nPix: {pix_chave} ({pix_titular})\n{pix_copia_cola}"
	h.say(101, bodyA, "Mensagem salva")

	sendVia := func(chat int64, name, kindLabel string) (preview telegramtest.Message, card telegramtest.Message) {
		h.openCard(chat, name)
		h.click(chat, "📤 Enviar mensagem", "Qual mensagem?")
		preview = h.click(chat, kindLabel, "É exatamente isto que o cliente vai ler")
		card = h.click(chat, "✅ Enviar", "Enviado")
		return preview, card
	}

	wantA, err := compose.Render(bodyA, ca, coA, hToday)
	if err != nil || wantA.NeedsPix() || len(wantA.Missing) != 0 || wantA.Pix == "" {
		t.Fatalf("render A: %+v, %v", wantA, err)
	}
	preview, card := sendVia(101, "Maria Cliente", "Cobrança")
	if !strings.Contains(preview.Text, wantA.Text) || !strings.Contains(preview.Text, wantA.Pix) {
		t.Fatalf("preview is not the message:\n%s\n-- want --\n%s\n%s", preview.Text, wantA.Text, wantA.Pix)
	}
	// The text, then the Pix code alone: two messages.
	sends := h.sends()
	if len(sends) != 2 || sends[0].ChatID != 101 || sends[0].To != ca.Phone+"@s.whatsapp.net" || sends[0].Text != wantA.Text ||
		sends[1].ChatID != 101 || sends[1].To != sends[0].To || sends[1].Text != wantA.Pix || sends[1].ID == sends[0].ID {
		t.Fatalf("sends = %+v\nwant text %q then %q", sends, wantA.Text, wantA.Pix)
	}
	if !strings.Contains(card.Text, "📨 Mensagens") || !strings.Contains(card.Text, "28/11 12:") || !strings.Contains(card.Text, "Cobrança + código Pix — ✔️ enviado") {
		t.Fatalf("card history:\n%s", card.Text)
	}
	logged, err := h.store.Tenant(101).Messages().ForClient(ctx, ca.ID, 10)
	if err != nil || len(logged) != 1 {
		t.Fatalf("A's log = %+v, %v", logged, err)
	}
	if l := logged[0]; l.Origin != store.OriginManual || l.Kind != string(msgtemplate.KindCharge) || l.Status != store.MsgSent ||
		l.WAID != sends[0].ID || l.Body != wantA.Text || l.FollowWAID != sends[1].ID || l.FollowBody != wantA.Pix ||
		l.Phone != ca.Phone || l.ClientName != ca.Name {
		t.Fatalf("A's log row = %+v", l)
	}

	// Pressing the same Enviar again sends nothing.
	id := h.srv.Press(101, preview.ID, buttonData(t, preview, "✅ Enviar"))
	if a := h.waitAnswer(id); a.Text != txtNotFound {
		t.Fatalf("second press answered %q", a.Text)
	}
	if n := len(h.sends()); n != 2 {
		t.Fatalf("second press sent again (%d sends)", n)
	}

	// B, default charge text, own data.
	wantB, err := compose.Render(msgtemplate.DefaultText(msgtemplate.KindCharge), cb, coB, hToday)
	if err != nil || wantB.NeedsPix() {
		t.Fatalf("render B: %+v, %v", wantB, err)
	}
	sendVia(202, "Mário Cliente", "Cobrança")
	sends = h.sends()
	if len(sends) != 4 || sends[2].ChatID != 202 || sends[2].To != cb.Phone+"@s.whatsapp.net" || sends[2].Text != wantB.Text ||
		sends[3].ChatID != 202 || sends[3].Text != wantB.Pix {
		t.Fatalf("B's send = %+v", sends[2:])
	}
	for _, s := range []struct {
		text        string
		own, others []string
	}{
		{sends[0].Text + sends[1].Text, []string{"Loja A", "a@lojaa.com.br", "Ana Alves"}, []string{"Loja B", "lojab", "Bruno", "Recife", "BEZERRA", "Bezerra"}},
		{sends[2].Text + sends[3].Text, []string{"b@lojab.com.br", "Bruno Bezerra", "Recife"}, []string{"Loja A", "lojaa", "Ana Alves", "Campinas"}},
	} {
		for _, w := range s.own {
			if !strings.Contains(s.text, w) {
				t.Errorf("message lacks its reseller's %q:\n%s", w, s.text)
			}
		}
		for _, w := range s.others {
			if strings.Contains(s.text, w) {
				t.Errorf("message carries the other reseller's %q:\n%s", w, s.text)
			}
		}
	}
	// The PIX code in B's message pays B's key, B's client's value.
	code := compose.Values(cb, coB, hToday)["pix_copia_cola"]
	if p, err := pix.ParseBRCode(code); err != nil || sends[3].Text != code || p.Key != "b@lojab.com.br" || p.Amount != 4000 {
		t.Fatalf("B's code %+v, %v", p, err)
	}
	if got := h.messages(202); len(got) != 1 || got[0].ClientID != cb.ID {
		t.Fatalf("B's log = %+v", got)
	}
	if got := h.messages(101); len(got) != 1 {
		t.Fatalf("A's log has %d rows", len(got))
	}

	// Receipts show on the card.
	if err := h.store.Tenant(101).Messages().Receipt(ctx, sends[0].ID, store.MsgRead); err != nil {
		t.Fatal(err)
	}
	if m := h.openCard(101, "Maria Cliente"); !strings.Contains(m.Text, "Cobrança + código Pix — 👀 lido") {
		t.Fatalf("card after receipt:\n%s", m.Text)
	}
}

func TestManualSendRefusalsAndFailures(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	c := h.addClient(101, "Maria Cliente", "5511933334444", "Mensal", 3590, hToday.AddDays(2))
	h.waFake.SetOnWhatsApp(c.Phone, "")

	// Not linked: told to connect, with the button; no wizard, no log.
	h.openCard(101, "Maria Cliente")
	m := h.click(101, "📤 Enviar mensagem", "Seu WhatsApp não está conectado")
	if !strings.Contains(buttonLabels(m), "📱 Conectar WhatsApp") {
		t.Fatalf("no connect button: %s", buttonLabels(m))
	}
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("a send wizard started while unlinked")
	}
	if n := len(h.messages(101)); n != 0 || len(h.sends()) != 0 {
		t.Fatalf("unlinked attempt logged %d rows", n)
	}

	linkByQR(t, h, 101, "5511987654321")
	if err := h.store.Tenant(101).Templates().SetEnabled(ctx, msgtemplate.KindOverdue, false); err != nil {
		t.Fatal(err)
	}
	h.openCard(101, "Maria Cliente")
	m = h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	if labels := buttonLabels(m); strings.Contains(labels, "Vencido") || !strings.Contains(labels, "Mensagem livre") || !strings.Contains(labels, "Cobrança") {
		t.Fatalf("kinds offered: %s", labels)
	}
	h.say(101, "não sei", "Toque no botão da mensagem")

	// The charge needs PIX data: no Enviar, a way to fill it, and a forged
	// confirm is refused.
	m = h.click(101, "Cobrança", "Esta mensagem não pode ser enviada")
	if labels := buttonLabels(m); strings.Contains(labels, "Enviar") || !strings.Contains(labels, "🏢 Dados da empresa") {
		t.Fatalf("needs-PIX preview offers %s", labels)
	}
	conv, _ := conversation(t, h, 101)
	text, _ := compose.Render(msgtemplate.DefaultText(msgtemplate.KindCharge), c, store.Company{}, hToday)
	h.srv.Press(101, m.ID, CB(actWizard, conv.Token, "previa", confirmPrefix+digest(text.Text)))
	h.waitText(101, 0, "Nada foi enviado: falta a chave Pix, o titular e a cidade")
	if len(h.sends()) != 0 || len(h.messages(101)) != 0 {
		t.Fatal("a message needing PIX was sent or logged")
	}

	// A free text: bad syntax refused, rewrite, send exactly the text.
	h.click(101, "🔁 Outra mensagem", "Qual mensagem?")
	h.click(101, "Mensagem livre", "Digite a mensagem para Maria Cliente")
	h.say(101, "Oi {primeiro_nome", "Chave “{” aberta")
	h.say(101, "Oi {primeiro_nome}! {{teste}}", "Oi Maria! {teste}")
	h.say(101, "sim", "Toque em ✅ Enviar para enviar esta mensagem")
	if len(h.sends()) != 0 {
		t.Fatal("typing in the preview sent the message")
	}
	h.click(101, "✏️ Reescrever", "Texto anterior")
	h.say(101, "Oi {primeiro_nome}, pagamento recebido.", "Oi Maria, pagamento recebido.")
	h.click(101, "✅ Enviar", "Enviado")
	if s := h.sends(); len(s) != 1 || s[0].Text != "Oi Maria, pagamento recebido." || s[0].ChatID != 101 {
		t.Fatalf("sends = %+v", s)
	}
	if l := h.messages(101); len(l) != 1 || l[0].Kind != string(msgtemplate.KindFree) || l[0].Body != "Oi Maria, pagamento recebido." {
		t.Fatalf("log = %+v", l)
	}

	// The data changed between preview and confirm: the new text is shown,
	// not sent unseen.
	h.openCard(101, "Maria Cliente")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	h.click(101, "Boas-vindas", "R$ 35,90")
	price := int64(4990)
	if _, err := h.store.Tenant(101).Clients().Update(ctx, c.ID, store.ClientPatch{Price: &price}); err != nil {
		t.Fatal(err)
	}
	m = h.click(101, "✅ Enviar", "A mensagem mudou desde a prévia")
	if !strings.Contains(m.Text, "R$ 49,90") || len(h.sends()) != 1 {
		t.Fatalf("changed message:\n%s", m.Text)
	}
	h.click(101, "✅ Enviar", "Enviado")
	if s := h.sends(); len(s) != 2 || !strings.Contains(s[1].Text, "R$ 49,90") {
		t.Fatalf("sends = %+v", s)
	}

	// WhatsApp refuses: the pt-BR reason, and a failed row in the history.
	h.waFake.FailNextSend(101, &whatsapp.RateLimitedError{})
	h.openCard(101, "Maria Cliente")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	h.click(101, "Vence hoje", "Prévia")
	m = h.click(101, "✅ Enviar", "Não enviado")
	if !strings.Contains(m.Text, "O WhatsApp pediu uma pausa") || !strings.Contains(m.Text, "Vence hoje — ❌ falhou") {
		t.Fatalf("failure card:\n%s", m.Text)
	}
	l := h.messages(101)
	if len(l) != 3 || l[0].Status != store.MsgFailed || l[0].Kind != string(msgtemplate.KindDueToday) || l[0].Error == "" || l[0].WAID != "" {
		t.Fatalf("failed row = %+v", l[0])
	}

	// A number that is not on WhatsApp.
	other := h.addClient(101, "Sem Zap", "5511977778888", "Mensal", 3000, hToday.AddDays(4))
	h.openCard(101, "Sem Zap")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	h.click(101, "Boas-vindas", "Prévia")
	m = h.click(101, "✅ Enviar", "Este número não tem WhatsApp")
	if got, _ := h.store.Tenant(101).Messages().ForClient(ctx, other.ID, 5); len(got) != 1 || got[0].Status != store.MsgFailed {
		t.Fatalf("not-on-WhatsApp row = %+v", got)
	}

	// Unlinked between preview and confirm: told to connect; nothing left,
	// so nothing is logged.
	h.openCard(101, "Maria Cliente")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	h.click(101, "Boas-vindas", "Prévia")
	if err := h.wa.Unlink(ctx, 101); err != nil {
		t.Fatal(err)
	}
	before := len(h.messages(101))
	m = h.click(101, "✅ Enviar", "Não enviado")
	if !strings.Contains(m.Text, "Seu WhatsApp não está conectado") || !strings.Contains(buttonLabels(m), "📱 Conectar WhatsApp") {
		t.Fatalf("unlinked confirm:\n%s\n%s", m.Text, buttonLabels(m))
	}
	if n := len(h.messages(101)); n != before {
		t.Fatalf("an attempt that never left was logged (%d -> %d rows)", before, n)
	}
	if n := len(h.sends()); n != 2 {
		t.Fatalf("%d sends", n)
	}
}

// Reseller B replaying A's send buttons (A's client ids, A's wizard) gets
// "não encontrado" and nothing is sent, logged or started.
func TestSendButtonsReplayedByAnotherReseller(t *testing.T) {
	h := startedHarness(t, 101, 202)
	linkByQR(t, h, 101, "5511987654321")
	linkByQR(t, h, 202, "5531987654321")
	ca := h.addClient(101, "Maria Cliente", "5511933334444", "Mensal", 3590, hToday.AddDays(2))
	h.waFake.SetOnWhatsApp(ca.Phone, "")
	h.openCard(101, "Maria Cliente")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	preview := h.click(101, "Boas-vindas", "Prévia")
	convA, _ := conversation(t, h, 101)
	m := h.say(202, "/menu", "Menu principal")

	for _, data := range []string{
		CB(actSendStart, ca.ID),
		CB(actSendKind, ca.ID, string(msgtemplate.KindRenewed)),
		CB(actSendKind, ca.ID, string(msgtemplate.KindWelcome)),
		buttonData(t, preview, "✅ Enviar"),
		buttonData(t, preview, "🔁 Outra mensagem"),
		CB(actWizardCancel, convA.Token),
		CB(actCard, ca.ID, "l", "all", 0),
		CB(actSendKind, ca.ID, "inexistente"),
		CB(actSendKind, ca.ID, string(msgtemplate.KindFree)),
	} {
		id := h.srv.Press(202, m.ID, data)
		if a := h.waitAnswer(id); a.Text != txtNotFound {
			t.Errorf("B pressing %q got %q", data, a.Text)
		}
	}
	if n := len(h.sends()); n != 0 {
		t.Fatalf("B's replay sent %d messages", n)
	}
	if len(h.messages(101)) != 0 || len(h.messages(202)) != 0 {
		t.Fatal("B's replay logged messages")
	}
	if _, ok := conversation(t, h, 202); ok {
		t.Fatal("B's replay started a wizard")
	}
	if c, _ := conversation(t, h, 101); c.Token != convA.Token || c.Step != "previa" {
		t.Fatalf("A's wizard changed: %+v", c)
	}
	// A's own press still works.
	h.click(101, "✅ Enviar", "Enviado")
	if s := h.sends(); len(s) != 1 || s[0].ChatID != 101 {
		t.Fatalf("sends = %+v", s)
	}
}

func TestRenewalOffersConfirmationWhenOnAndConnected(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	c := h.addClient(101, "Maria Cliente", "5511933334444", "Mensal", 3590, hToday.AddDays(2))
	h.waFake.SetOnWhatsApp(c.Phone, "")
	renew := func() telegramtest.Message {
		h.openCard(101, "Maria Cliente")
		h.click(101, "🔄 Renovar", "Renovar Maria Cliente")
		return h.click(101, "➕ +1 mês", "Renovação de Maria Cliente registrada!")
	}
	// Not linked: no offer.
	if m := renew(); strings.Contains(buttonLabels(m), "Enviar confirmação") {
		t.Fatalf("offer while unlinked: %s", buttonLabels(m))
	}
	linkByQR(t, h, 101, "5511987654321")
	m := renew()
	fresh, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID)
	if !strings.Contains(m.Text, fresh.Due.BR()) {
		t.Fatalf("renewal text:\n%s", m.Text)
	}
	preview := h.click(101, "📤 Enviar confirmação de renovação", "Prévia")
	want, _ := compose.Render(msgtemplate.DefaultText(msgtemplate.KindRenewed), fresh, store.Company{}, hToday)
	if !strings.Contains(preview.Text, want.Text) || !strings.Contains(want.Text, fresh.Due.BR()) {
		t.Fatalf("preview:\n%s\nwant %q", preview.Text, want.Text)
	}
	h.click(101, "✅ Enviar", "Enviado")
	if s := h.sends(); len(s) != 1 || s[0].Text != want.Text {
		t.Fatalf("sends = %+v", s)
	}
	if l := h.messages(101); len(l) != 1 || l[0].Kind != string(msgtemplate.KindRenewed) || l[0].Origin != store.OriginManual {
		t.Fatalf("log = %+v", l)
	}
	// The kind switched off: no offer.
	if err := h.store.Tenant(101).Templates().SetEnabled(ctx, msgtemplate.KindRenewed, false); err != nil {
		t.Fatal(err)
	}
	if m := renew(); strings.Contains(buttonLabels(m), "Enviar confirmação") {
		t.Fatalf("offer with the kind off: %s", buttonLabels(m))
	}
	// A stale offer button of a kind now off is refused.
	id := h.srv.Press(101, m.ID, CB(actSendKind, c.ID, string(msgtemplate.KindRenewed)))
	if a := h.waitAnswer(id); !a.Alert || !strings.Contains(a.Text, "está desligada") {
		t.Fatalf("offer of a kind off answered %+v", a)
	}
}

// createByWizard registers a client by typing every answer.
func createByWizard(h *harness, chat int64, name, phone string) telegramtest.Message {
	h.t.Helper()
	h.say(chat, "/novo", "Qual o nome")
	h.say(chat, name, "WhatsApp")
	h.say(chat, phone, "Qual o plano")
	h.say(chat, "mensal", "valor")
	h.say(chat, "35", "vencimento")
	h.say(chat, "15/12/2026", "servidor")
	h.say(chat, "pular", "observação")
	h.say(chat, "pular", "Confira o cadastro")
	return h.say(chat, "sim", "Cliente cadastrado")
}

func (h *harness) clientNamed(chat int64, name string) store.Client {
	h.t.Helper()
	for _, c := range h.clients(chat) {
		if c.Name == name {
			return c
		}
	}
	h.t.Fatalf("no client %q", name)
	return store.Client{}
}

func TestWelcomeOfferedOrSentOnCreate(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	co := store.Company{Name: "Loja A", WelcomeAuto: true}
	if err := h.store.Tenant(101).Company().Save(ctx, co); err != nil {
		t.Fatal(err)
	}
	// Not linked: created, no offer, nothing sent.
	card := createByWizard(h, 101, "Ana Um", "11 91111-0001")
	if strings.Contains(card.Text, "Boas-vindas") || strings.Contains(buttonLabels(card), "boas-vindas") {
		t.Fatalf("unlinked card:\n%s\n%s", card.Text, buttonLabels(card))
	}
	h.clientNamed(101, "Ana Um")

	linkByQR(t, h, 101, "5511987654321")
	for _, p := range []string{"5511911110002", "5511911110003"} {
		h.waFake.SetOnWhatsApp(p, "")
	}
	// Automatic: sent at once, exactly the rendered text, and logged.
	card = createByWizard(h, 101, "Bia Dois", "11 91111-0002")
	if !strings.Contains(card.Text, "📤 Boas-vindas enviadas pelo seu WhatsApp.") || !strings.Contains(card.Text, "Boas-vindas — ✔️ enviado") {
		t.Fatalf("auto welcome card:\n%s", card.Text)
	}
	bia := h.clientNamed(101, "Bia Dois")
	want, _ := compose.Render(msgtemplate.DefaultText(msgtemplate.KindWelcome), bia, co, hToday)
	if s := h.sends(); len(s) != 1 || s[0].Text != want.Text || s[0].ChatID != 101 || !strings.Contains(s[0].Text, "Loja A") {
		t.Fatalf("sends = %+v\nwant %q", s, want.Text)
	}
	if l, _ := h.store.Tenant(101).Messages().ForClient(ctx, bia.ID, 5); len(l) != 1 || l[0].Kind != string(msgtemplate.KindWelcome) || l[0].Status != store.MsgSent {
		t.Fatalf("log = %+v", l)
	}

	// Automatic but the number is not on WhatsApp: the client exists, the
	// heading says why, and the offer is there to retry.
	card = createByWizard(h, 101, "Caio Três", "11 91111-0009")
	if !strings.Contains(card.Text, "Boas-vindas automáticas não enviadas") || !strings.Contains(card.Text, "Este número não tem WhatsApp") ||
		!strings.Contains(buttonLabels(card), "📤 Enviar boas-vindas") {
		t.Fatalf("failed auto welcome card:\n%s\n%s", card.Text, buttonLabels(card))
	}
	h.clientNamed(101, "Caio Três")

	// Offered, not automatic: the button goes through the preview.
	co.WelcomeAuto = false
	if err := h.store.Tenant(101).Company().Save(ctx, co); err != nil {
		t.Fatal(err)
	}
	card = createByWizard(h, 101, "Duda Quatro", "11 91111-0003")
	if strings.Contains(card.Text, "enviadas") || !strings.Contains(buttonLabels(card), "📤 Enviar boas-vindas") {
		t.Fatalf("offer card:\n%s\n%s", card.Text, buttonLabels(card))
	}
	n := len(h.sends())
	h.click(101, "📤 Enviar boas-vindas", "Prévia")
	h.click(101, "✅ Enviar", "Enviado")
	if s := h.sends(); len(s) != n+1 || !strings.Contains(s[n].Text, "Olá, Duda!") {
		t.Fatalf("sends = %+v", s[n:])
	}

	// Automatic with a welcome that needs PIX data the reseller lacks: not
	// sent, told what to fill, nothing logged.
	co.WelcomeAuto = true
	if err := h.store.Tenant(101).Company().Save(ctx, co); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Tenant(101).Templates().Save(ctx, msgtemplate.KindWelcome, "Bem-vindo! Pague com {pix_copia_cola}"); err != nil {
		t.Fatal(err)
	}
	rows := len(h.messages(101))
	n = len(h.sends())
	card = createByWizard(h, 101, "Edu Cinco", "11 91111-0002")
	if !strings.Contains(card.Text, "Boas-vindas automáticas não enviadas: {pix_copia_cola} ficaria em branco para este cliente. "+
		"Preencha a chave Pix, o titular e a cidade em ⚙️ Configurações › 🏢 Dados da empresa.") ||
		!strings.Contains(buttonLabels(card), "🏢 Dados da empresa") || strings.Contains(buttonLabels(card), "Enviar boas-vindas") {
		t.Fatalf("needs-PIX welcome card:\n%s\n%s", card.Text, buttonLabels(card))
	}
	if len(h.sends()) != n || len(h.messages(101)) != rows {
		t.Fatal("a welcome needing PIX was sent or logged")
	}
	h.clientNamed(101, "Edu Cinco")

	// The kind off: neither sent nor offered.
	if err := h.store.Tenant(101).Templates().SetEnabled(ctx, msgtemplate.KindWelcome, false); err != nil {
		t.Fatal(err)
	}
	card = createByWizard(h, 101, "Fabi Seis", "11 91111-0003")
	if strings.Contains(card.Text, "Boas-vindas") || strings.Contains(buttonLabels(card), "boas-vindas") {
		t.Fatalf("card with welcome off:\n%s", card.Text)
	}
}

func TestStatusLabels(t *testing.T) {
	for st, want := range map[store.MessageStatus]string{store.MsgSent: "✔️ enviado", store.MsgDelivered: "📬 entregue", store.MsgRead: "👀 lido",
		store.MsgFailed: "❌ falhou", store.MsgPending: "⏳ pendente", store.MsgSending: "⏳ pendente", store.MsgCancelled: "🚫 cancelado",
		store.MsgSkipped: "⏭️ ignorado"} {
		if got := statusLabel(st); got != want {
			t.Errorf("statusLabel(%s) = %q, want %q", st, got, want)
		}
	}
	for _, tc := range []struct {
		err     error
		reached bool
	}{
		{whatsapp.ErrNotLinked, false},
		{&whatsapp.TempBanError{}, false},
		{&whatsapp.TransientError{Err: whatsapp.ErrNotConnected}, false},
		{&whatsapp.DailyCapError{Limit: 1}, false},
		{context.Canceled, false},
		{whatsapp.ErrNotOnWhatsApp, true},
		{&whatsapp.RateLimitedError{Reachout: true}, true},
		{&whatsapp.TransientError{Err: errors.New("timeout")}, true},
		{errors.New("unknown"), true},
	} {
		if got := reachedWhatsApp(tc.err); got != tc.reached {
			t.Errorf("reachedWhatsApp(%v) = %v", tc.err, got)
		}
	}
}

// The longest template a reseller can save, full of characters Telegram
// counts twice, still fits every screen that shows it (the fake Bot API
// rejects messages over 4096 like Telegram does).
func TestLongestTemplateFitsEveryScreen(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	linkByQR(t, h, 101, "5511987654321")
	c := h.addClient(101, strings.Repeat("Nome Longo ", 9), "5511933334444", "Mensal", 3590, hToday.AddDays(2))
	h.waFake.SetOnWhatsApp(c.Phone, "")
	body := strings.Repeat("😀", msgtemplate.MaxLen-32) + "{empresa}{servidor}{observacoes}"
	if _, err := msgtemplate.Parse(body); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Tenant(101).Templates().Save(ctx, msgtemplate.KindWelcome, body); err != nil {
		t.Fatal(err)
	}
	h.say(101, "/config", "Configurações")
	h.click(101, "📝 Mensagens", "Os textos")
	h.click(101, "🟢 Boas-vindas", "Prévia cortada aqui")
	h.click(101, "✏️ Editar", "O texto atual foi cortado aqui")
	h.say(101, "{xyz}", "Variável desconhecida")
	h.say(101, "/cancelar", "Operação cancelada")

	h.say(101, "/clientes", "Clientes")
	h.click(101, "Nome Longo Nome Longo", "👤 Nome Longo")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	h.click(101, "Boas-vindas", "Prévia cortada aqui")
	h.click(101, "✅ Enviar", "Enviado")
	if s := h.sends(); len(s) != 1 || !strings.HasPrefix(s[0].Text, strings.Repeat("😀", msgtemplate.MaxLen-32)) {
		t.Fatalf("the whole message was not sent: %d sends", len(s))
	}
	for _, method := range []string{"sendMessage", "editMessageText"} {
		for _, call := range h.srv.Calls(method) {
			if call.Status != 200 {
				t.Fatalf("Telegram refused a screen (%s %d): %.200s", method, call.Status, call.Params["text"])
			}
		}
	}
}
