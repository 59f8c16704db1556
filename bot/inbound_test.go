package bot

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"renovabot/bot/telegramtest"
	"renovabot/msgtemplate"
	"renovabot/store"
	"renovabot/whatsapp"
)

// receive plays a number writing to chat's WhatsApp.
func (h *harness) receive(chat int64, in whatsapp.Inbound) {
	h.t.Helper()
	if err := h.waFake.Receive(chat, in); err != nil {
		h.t.Fatal(err)
	}
}

// forwardsOf returns the chat's bot messages containing text.
func (h *harness) forwardsOf(chat int64, text string) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range h.srv.BotMessages(chat) {
		if strings.Contains(m.Text, text) {
			out = append(out, m)
		}
	}
	return out
}

// sync sends a last message from a number to chat and waits for its
// forward: messages of a reseller are handled in order, so every earlier
// one was decided by then.
func (h *harness) sync(chat int64, from string) {
	h.t.Helper()
	n := len(h.forwardsOf(chat, "marcador-sync"))
	h.receive(chat, whatsapp.Inbound{From: from, Text: "marcador-sync", MsgID: fmt.Sprintf("SYNC%d-%d", chat, n)})
	if !h.srv.Until(waitLimit, func() bool { return len(h.forwardsOf(chat, "marcador-sync")) > n }) {
		h.t.Fatalf("chat %d never got the sync marker; last messages:\n%s", chat, h.dump(chat))
	}
}

const (
	mariaPhone = "5511987654321"
	strangerPh = "5521912345678"
)

// inboundHarness: A (101) and B (202) linked, the same number a client of
// both; A's client is due today, was charged yesterday and has today's
// reminder pending.
func inboundHarness(t *testing.T) (*harness, store.Client, store.Client) {
	t.Helper()
	h := startedHarness(t, 101, 202)
	ctx := context.Background()
	linkByQR(t, h, 101, "5511900000101")
	linkByQR(t, h, 202, "5511900000202")
	a := h.addClient(101, "Maria <Souza> & Filhos", mariaPhone, "Mensal", 3590, hToday)
	b := h.addClient(202, "Maria de B", mariaPhone, "Mensal", 5000, hToday.AddDays(10))
	h.waFake.SetOnWhatsApp(mariaPhone, "")
	h.waFake.SetOnWhatsApp(strangerPh, "")
	if _, err := h.store.Tenant(101).Messages().Log(ctx, store.NewMessage{ClientID: a.ID, ClientName: a.Name, Phone: a.Phone,
		Kind: string(msgtemplate.KindCharge), Origin: store.OriginManual, Status: store.MsgSent, WAID: "CHARGE1", Body: "cobrança"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Tenant(101).Reminders().Plan(ctx, hToday, store.BuiltinReminderDefaults().Stages,
		[]store.PlanDay{{Day: hToday, Status: store.MsgPending}}); err != nil {
		t.Fatal(err)
	}
	return h, a, b
}

func pendingReminders(t *testing.T, h *harness, chat, clientID int64) []store.Message {
	t.Helper()
	list, err := h.store.Tenant(chat).Messages().ForClient(context.Background(), clientID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Message
	for _, m := range list {
		if m.Origin == store.OriginAuto {
			out = append(out, m)
		}
	}
	return out
}

// "paguei" from a client due today reaches the reseller whose WhatsApp got
// it, as a possible payment with Renovar first; Renovar renews once and
// cancels today's pending reminder; a redelivery is not forwarded again;
// the other reseller with the same number as a client sees nothing.
func TestPaymentReplyForwardedAndRenewedOnce(t *testing.T) {
	h, a, b := inboundHarness(t)
	ctx := context.Background()
	if rem := pendingReminders(t, h, 101, a.ID); len(rem) != 1 || rem[0].Status != store.MsgPending {
		t.Fatalf("today's reminder = %+v", rem)
	}

	h.receive(101, whatsapp.Inbound{From: mariaPhone, Name: "Mari", Text: "Paguei o PIX <agora> & já", MsgID: "W1"})
	fw := h.waitText(101, 0, "Possível pagamento")
	wantHead := "💰 Possível pagamento\n💬 Maria <Souza> & Filhos (+55 (11) 98765-4321) — vence 28/11 🟠"
	if !strings.HasPrefix(fw.Text, wantHead) || !strings.Contains(fw.Text, "Paguei o PIX <agora> & já") {
		t.Fatalf("forward:\n%s", fw.Text)
	}
	if !strings.Contains(fw.HTML, "&lt;Souza&gt; &amp; Filhos") || !strings.Contains(fw.HTML, "&lt;agora&gt; &amp; já") {
		t.Fatalf("client values not escaped:\n%s", fw.HTML)
	}
	if got := buttonLabels(fw); got != "✅ Renovar | 📇 Ver cliente | ↩️ Responder" || len(fw.Keyboard[0]) != 1 {
		t.Fatalf("buttons = %s (%d in the first row)", got, len(fw.Keyboard[0]))
	}
	// The same message delivered again (a reconnect) is not forwarded twice.
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: "Paguei o PIX <agora> & já", MsgID: "W1"})
	h.sync(101, mariaPhone)
	if n := len(h.forwardsOf(101, "Paguei o PIX")); n != 1 {
		t.Fatalf("forwarded %d times", n)
	}
	// B, whose client has the same number, got nothing.
	if n := len(h.forwardsOf(202, "Paguei")); n != 0 {
		t.Fatalf("B saw A's client's message")
	}

	snap := h.snapshot(101)
	renewPress := h.srv.Press(101, fw.ID, buttonData(t, fw, "✅ Renovar"))
	conf := h.waitChange(101, snap, "registrada!")
	h.waitAnswer(renewPress)
	if !strings.Contains(conf.Text, "Novo vencimento: 28/12/2026") || !strings.Contains(buttonLabels(conf), "↩️ Desfazer") ||
		!strings.Contains(buttonLabels(conf), "📤 Enviar confirmação de renovação") {
		t.Fatalf("renewal confirmation:\n%s\n%s", conf.Text, buttonLabels(conf))
	}
	if conf.ID == fw.ID {
		t.Fatal("the renewal replaced the forwarded message instead of answering it")
	}
	after, _ := h.store.Tenant(101).Clients().Get(ctx, a.ID)
	if after.Due != hToday.AddDays(30) {
		t.Fatalf("due after renewal = %v", after.Due)
	}
	if rem := pendingReminders(t, h, 101, a.ID); len(rem) != 1 || rem[0].Status != store.MsgCancelled || rem[0].Error != store.CancelRenewed {
		t.Fatalf("today's reminder after renewal = %+v", rem)
	}
	// The same button again renews nothing.
	again := h.srv.Press(101, fw.ID, buttonData(t, fw, "✅ Renovar"))
	if ans := h.waitAnswer(again); !ans.Alert || !strings.Contains(ans.Text, "já foi renovado") {
		t.Fatalf("second press answered %+v", ans)
	}
	if pays, _ := h.store.Tenant(101).Payments().ForClient(ctx, a.ID, 10); len(pays) != 1 {
		t.Fatalf("payments = %d, want 1", len(pays))
	}
	if fresh, _ := h.store.Tenant(202).Clients().Get(ctx, b.ID); fresh.Due != b.Due {
		t.Fatal("B's client changed")
	}

	// Stored in A's log for the card's history, not in B's.
	got, _ := h.store.Tenant(101).Inbox().ForClient(ctx, a.ID, 10)
	if len(got) == 0 || got[len(got)-1].Body != "Paguei o PIX <agora> & já" || !got[len(got)-1].Payment || got[len(got)-1].ForwardedAt.IsZero() {
		t.Fatalf("A's received messages = %+v", got)
	}
	if got, _ := h.store.Tenant(202).Inbox().ForClient(ctx, b.ID, 10); len(got) != 0 {
		t.Fatalf("B's received messages = %+v", got)
	}
	card := h.openCard(101, a.Name)
	if !strings.Contains(card.Text, "💬 recebida: “Paguei o PIX <agora> & já”") {
		t.Fatalf("card history:\n%s", card.Text)
	}
}

// An ordinary message of a client is forwarded without the payment
// heading, Renovar among the others; "paguei" without a reminder or
// charge in the last 10 days is not a payment either.
func TestClientMessageWithoutPayment(t *testing.T) {
	h, _, _ := inboundHarness(t)
	h.addClient(202, "Filha da Maria", mariaPhone, "Mensal", 2000, hToday.AddDays(20)) // the same number, due later
	h.receive(202, whatsapp.Inbound{From: mariaPhone, Text: "paguei", MsgID: "B1"})    // B never charged her
	fw := h.waitText(202, 0, "Maria de B")
	if strings.Contains(fw.Text, "Possível pagamento") || !strings.HasPrefix(fw.Text, "💬 Maria de B (+55 (11) 98765-4321) — vence 08/12 🟢\nEste número também é de: Filha da Maria") {
		t.Fatalf("forward:\n%s", fw.Text)
	}
	if got := buttonLabels(fw); got != "✅ Renovar | 📇 Ver cliente | ↩️ Responder" || len(fw.Keyboard) != 1 {
		t.Fatalf("buttons = %s", got)
	}
	// Ver cliente opens the card as a new message.
	snap := h.snapshot(202)
	h.srv.Press(202, fw.ID, buttonData(t, fw, "📇 Ver cliente"))
	card := h.waitChange(202, snap, "👤 Maria de B")
	if card.ID == fw.ID {
		t.Fatal("the card replaced the forwarded message")
	}
	// The 9th-digit variant of the number is the same client.
	h.receive(202, whatsapp.Inbound{From: "551187654321", Text: "número antigo", MsgID: "B2"})
	if fw := h.waitText(202, 0, "número antigo"); !strings.Contains(fw.Text, "Maria de B") {
		t.Fatalf("forward of the old form:\n%s", fw.Text)
	}
}

// SAIR pauses the client's reminders (today's pending one cancelled),
// sends one confirmation from the reseller's WhatsApp, tells the
// reseller, and shows on the card, the list and the manual send preview;
// VOLTAR brings it all back.
func TestOptOutAndBack(t *testing.T) {
	h, a, _ := inboundHarness(t)
	ctx := context.Background()

	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: " Sair! ", MsgID: "S1"})
	note := h.waitText(101, 0, "os lembretes automáticos foram pausados")
	if !strings.Contains(note.Text, "Maria <Souza> & Filhos respondeu “Sair!”") || !strings.Contains(note.Text, "A confirmação foi enviada") {
		t.Fatalf("notice:\n%s", note.Text)
	}
	cl, _ := h.store.Tenant(101).Clients().Get(ctx, a.ID)
	if !cl.Paused {
		t.Fatal("not paused")
	}
	if rem := pendingReminders(t, h, 101, a.ID); len(rem) != 1 || rem[0].Status != store.MsgCancelled || rem[0].Error != store.CancelOptedOut {
		t.Fatalf("today's reminder = %+v", rem)
	}
	sends := h.waFake.Sends()
	if len(sends) != 1 || sends[0].ChatID != 101 || sends[0].To != mariaPhone+"@s.whatsapp.net" || sends[0].Text != optOutConfirmation {
		t.Fatalf("sends = %+v", sends)
	}
	logged, _ := h.store.Tenant(101).Messages().ForClient(ctx, a.ID, 10)
	if logged[0].Kind != string(msgtemplate.KindOptOut) || logged[0].Status != store.MsgSent || logged[0].WAID != sends[0].ID {
		t.Fatalf("confirmation log = %+v", logged[0])
	}
	// A second SAIR changes nothing and sends nothing: it is just a message.
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: "SAIR", MsgID: "S2"})
	h.sync(101, mariaPhone)
	if len(h.waFake.Sends()) != 1 || len(h.forwardsOf(101, "os lembretes automáticos foram pausados")) != 1 {
		t.Fatal("a second SAIR confirmed again")
	}

	card := h.openCard(101, a.Name)
	if !strings.Contains(card.Text, "🚫 Lembretes pausados: o cliente pediu para parar (respondeu “Sair!” em 28/11") {
		t.Fatalf("card:\n%s", card.Text)
	}
	list := h.say(101, "/clientes", "Clientes")
	if !strings.Contains(buttonLabels(list), "🚫 Maria <Souza> & Filhos — 28/11") {
		t.Fatalf("list buttons: %s", buttonLabels(list))
	}
	// A manual send still works, with a warning in the preview.
	h.openCard(101, a.Name)
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	preview := h.click(101, "Vence hoje", "É exatamente isto")
	if !strings.HasPrefix(preview.Text, "⚠️ Este cliente pediu para parar de receber lembretes (respondeu “Sair!”") {
		t.Fatalf("preview:\n%s", preview.Text)
	}
	h.click(101, "✅ Enviar", "Enviado")
	if n := len(h.waFake.Sends()); n != 2 {
		t.Fatalf("manual send to an opted-out client: %d sends", n)
	}

	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: "voltar", MsgID: "V1"})
	h.waitText(101, 0, "os lembretes automáticos voltaram")
	if cl, _ := h.store.Tenant(101).Clients().Get(ctx, a.ID); cl.Paused {
		t.Fatal("still paused after VOLTAR")
	}
	if last := h.waFake.Sends()[2]; last.Text != optInConfirmation || last.ChatID != 101 {
		t.Fatalf("VOLTAR confirmation = %+v", last)
	}
	if _, ok, _ := h.store.Tenant(101).OptOuts().Get(ctx, a.ID); ok {
		t.Fatal("opt-out kept after VOLTAR")
	}
	// B's client with the same number was never touched.
	if outs, _ := h.store.Tenant(202).OptOuts().Of(ctx, []int64{1, 2, 3, 4}); len(outs) != 0 {
		t.Fatalf("B has opt-outs: %+v", outs)
	}
}

// Responder: the typed answer leaves from the reseller's own WhatsApp to
// the number that wrote and is logged in the client's history.
func TestReplyFromTelegram(t *testing.T) {
	h, a, _ := inboundHarness(t)
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: "qual o valor?", MsgID: "Q1"})
	h.waitText(101, 0, "qual o valor?")
	h.click(101, "↩️ Responder", "Digite a resposta para Maria <Souza> & Filhos")
	h.say(101, "São R$ 35,90 <ok>", "Resposta enviada")
	sends := h.sends()
	if len(sends) != 1 || sends[0].ChatID != 101 || sends[0].To != mariaPhone+"@s.whatsapp.net" || sends[0].Text != "São R$ 35,90 <ok>" {
		t.Fatalf("sends = %+v", sends)
	}
	logged, _ := h.store.Tenant(101).Messages().ForClient(context.Background(), a.ID, 10)
	if logged[0].Kind != string(msgtemplate.KindReply) || logged[0].Origin != store.OriginManual || logged[0].WAID != sends[0].ID {
		t.Fatalf("log = %+v", logged[0])
	}
	card := h.openCard(101, a.Name)
	if !strings.Contains(card.Text, "Resposta — ✔️ enviado") || !strings.Contains(card.Text, "💬 recebida: “qual o valor?”") {
		t.Fatalf("card history:\n%s", card.Text)
	}
	// A forged Responder of another reseller's message is not found.
	other, _, err := h.store.Tenant(202).Inbox().Record(context.Background(), store.NewInbound{WAID: "X", Phone: mariaPhone, Kind: "text"})
	if err != nil {
		t.Fatal(err)
	}
	last, _ := h.srv.LastBotMessage(101)
	if ans := h.waitAnswer(h.srv.Press(101, last.ID, CB(actInReply, other.ID))); ans.Text != txtNotFound {
		t.Fatalf("forged Responder answered %+v", ans)
	}
	if len(h.sends()) != 1 {
		t.Fatal("the forged Responder sent something")
	}
}

// Numbers that are not clients: nothing (not even stored) until the
// reseller turns forwarding on; then marked, with Cadastrar cliente
// offering the number in the wizard.
func TestUnknownNumbers(t *testing.T) {
	h, _, _ := inboundHarness(t)
	ctx := context.Background()
	h.receive(101, whatsapp.Inbound{From: strangerPh, Name: "Zé", Text: "quero assinar", MsgID: "U1"})
	h.sync(101, mariaPhone)
	if len(h.forwardsOf(101, "quero assinar")) != 0 {
		t.Fatal("an unknown number was forwarded with the setting off")
	}
	// Ids are never reused: the first stored message being the marker
	// means the unknown number's was not stored.
	if m, err := h.store.Tenant(101).Inbox().Get(ctx, 1); err != nil || m.Body != "marcador-sync" {
		t.Fatalf("first stored message = %+v, %v (the unknown number's was stored?)", m, err)
	}

	h.say(101, "/config", "Configurações")
	h.click(101, "💬 Respostas dos clientes", "Encaminhar mensagens de quem não é cliente: desligado")
	h.click(101, "✅ Ligar", "Encaminhar mensagens de quem não é cliente: ligado")
	if on, _ := h.store.Tenant(202).Inbox().ForwardUnknown(ctx); on {
		t.Fatal("B's setting changed")
	}

	h.receive(101, whatsapp.Inbound{From: strangerPh, Name: "Zé <x>", Text: "quero assinar de novo", MsgID: "U2"})
	fw := h.waitText(101, 0, "quero assinar de novo")
	if !strings.HasPrefix(fw.Text, "💬 Não é seu cliente — +55 (21) 91234-5678 · “Zé <x>” no WhatsApp") ||
		buttonLabels(fw) != "➕ Cadastrar cliente | ↩️ Responder" {
		t.Fatalf("forward:\n%s\n%s", fw.Text, buttonLabels(fw))
	}
	// B (forwarding off) never hears of A's unknown numbers.
	if len(h.forwardsOf(202, "quero assinar")) != 0 {
		t.Fatal("B got A's message")
	}
	h.click(101, "➕ Cadastrar cliente", "Qual o nome do cliente?")
	ask := h.say(101, "José Novo", "Qual o WhatsApp do cliente?")
	if got := buttonLabels(ask); !strings.Contains(got, "📱 +55 (21) 91234-5678 (quem escreveu)") {
		t.Fatalf("phone question buttons: %s", got)
	}
	h.click(101, "📱 +55 (21) 91234-5678 (quem escreveu)", "Qual o plano")
	h.say(101, "mensal", "valor")
	h.say(101, "30", "vencimento")
	h.say(101, "+5", "servidor")
	h.say(101, "pular", "observação")
	h.say(101, "pular", "Confira o cadastro")
	h.say(101, "sim", "Cliente cadastrado")
	found, _ := h.store.Tenant(101).Clients().ByPhone(ctx, strangerPh)
	if len(found) != 1 || found[0].Name != "José Novo" {
		t.Fatalf("registered = %+v", found)
	}
	// A number WhatsApp hides (LID without a known number): forwarded, but
	// there is nothing to answer or register.
	h.receive(101, whatsapp.Inbound{Text: "número oculto", MsgID: "U3"})
	if fw := h.waitText(101, 0, "número oculto"); !strings.Contains(fw.Text, "número escondido pelo WhatsApp") || len(fw.Keyboard) != 0 {
		t.Fatalf("hidden number forward:\n%s\n%s", fw.Text, buttonLabels(fw))
	}
}

// Photos, PDFs and voice notes are downloaded and forwarded as such, with
// the heading as caption; a file over the cap is described; other media
// is described; a long text is split under Telegram's limit.
func TestMediaAndLongTexts(t *testing.T) {
	h, _, _ := inboundHarness(t)
	jpeg := []byte("\xff\xd8\xff jpeg bytes")
	serve := func(b []byte) func(context.Context, int64) ([]byte, error) {
		return func(context.Context, int64) ([]byte, error) { return b, nil }
	}
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: "segue <comprovante>", MsgID: "P1",
		Media: whatsapp.NewMedia(whatsapp.MediaImage, "image/jpeg", "", int64(len(jpeg)), serve(jpeg))})
	photo := h.waitText(101, 0, "segue <comprovante>")
	if !bytes.Equal(photo.Photo, jpeg) || !strings.HasPrefix(photo.Text, "💰 Possível pagamento") || buttonLabels(photo) != "✅ Renovar | 📇 Ver cliente | ↩️ Responder" {
		t.Fatalf("photo forward: %q %q %s", photo.Photo, photo.Text, buttonLabels(photo))
	}
	h.receive(101, whatsapp.Inbound{From: mariaPhone, MsgID: "P2",
		Media: whatsapp.NewMedia(whatsapp.MediaDocument, "application/pdf", "pix/../recibo.pdf", 8, serve([]byte("%PDF-1.7")))})
	h.receive(101, whatsapp.Inbound{From: mariaPhone, MsgID: "P3",
		Media: func() *whatsapp.Media {
			m := whatsapp.NewMedia(whatsapp.MediaAudio, "audio/ogg", "", 4, serve([]byte("OggS")))
			m.Voice = true
			return m
		}()})
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: "foto enorme", MsgID: "P4",
		Media: whatsapp.NewMedia(whatsapp.MediaImage, "image/jpeg", "", 30<<20, serve(nil))})
	h.receive(101, whatsapp.Inbound{From: mariaPhone, MsgID: "P5", Media: &whatsapp.Media{Kind: whatsapp.MediaSticker}})
	longCaption := strings.Repeat("legenda <longa> ", 60) // 960 characters: too long for a caption with the heading
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: longCaption, MsgID: "P0",
		Media: whatsapp.NewMedia(whatsapp.MediaImage, "image/jpeg", "", int64(len(jpeg)), serve(jpeg))})
	below := h.waitText(101, 0, "legenda <longa>")
	if below.Photo != nil || strings.TrimSpace(below.Text) != strings.TrimSpace(longCaption) || len(below.Keyboard) == 0 {
		t.Fatalf("long caption: %q", below.Text)
	}
	if cap := h.srv.BotMessages(101)[len(h.srv.BotMessages(101))-2]; cap.Photo == nil || !strings.Contains(cap.Text, "(texto abaixo)") {
		t.Fatalf("photo before a long caption: %q", cap.Text)
	}
	long := strings.Repeat("texto comprido <&> ", 400) // 7,600 characters
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: long, MsgID: "P6"})
	h.sync(101, mariaPhone)

	var doc, voice, big, sticker telegramtest.Message
	var parts []telegramtest.Message
	for _, m := range h.srv.BotMessages(101) {
		switch {
		case m.Document != nil:
			doc = m
		case m.Voice != nil:
			voice = m
		case strings.Contains(m.Text, "foto enorme"):
			big = m
		case strings.Contains(m.Text, "[figurinha]"):
			sticker = m
		case strings.Contains(m.Text, "texto comprido"):
			parts = append(parts, m)
		}
	}
	if doc.Document == nil || doc.Document.Name != "recibo.pdf" || string(doc.Document.Data) != "%PDF-1.7" || !strings.Contains(doc.Text, "Possível pagamento") {
		t.Fatalf("PDF forward: %+v %q", doc.Document, doc.Text)
	}
	if string(voice.Voice) != "OggS" || !strings.Contains(voice.Text, "Maria") || strings.Contains(voice.Text, "Possível pagamento") {
		t.Fatalf("voice forward: %q %q", voice.Voice, voice.Text)
	}
	if !strings.Contains(big.Text, "[foto] — arquivo grande demais, veja no seu WhatsApp") || big.Photo != nil || len(big.Keyboard) == 0 {
		t.Fatalf("over the cap: %q", big.Text)
	}
	if sticker.Text == "" || len(sticker.Keyboard) == 0 {
		t.Fatal("sticker not described")
	}
	if len(parts) != 3 || len(parts[0].Keyboard) != 0 || len(parts[1].Keyboard) != 0 || len(parts[2].Keyboard) == 0 ||
		!strings.Contains(parts[0].Text, "(parte 1 de 3)") {
		t.Fatalf("long text in %d parts", len(parts))
	}
	var joined strings.Builder
	for i, p := range parts {
		if len([]rune(p.Text)) > 4096 {
			t.Fatalf("part %d has %d characters", i, len([]rune(p.Text)))
		}
		body := p.Text
		if i == 0 {
			body = body[strings.Index(body, "\n\n")+2:]
		}
		joined.WriteString(body[:strings.LastIndex(body, "\n\n")])
	}
	if strings.Join(strings.Fields(joined.String()), " ") != strings.Join(strings.Fields(long), " ") {
		t.Fatal("the long text did not arrive whole")
	}
}

// A reseller without access gets nothing forwarded, but a client's SAIR
// still pauses their reminders for when access returns; nothing is sent.
func TestWithoutAccessOnlyTheOptOutHolds(t *testing.T) {
	h, a, _ := inboundHarness(t)
	ctx := context.Background()
	if _, _, err := h.store.AdminSetAccess(ctx, store.AccessChange{Admin: 900, Target: 101,
		Access: store.Access{Status: store.StatusExpired}, Action: store.AuditBlock}); err != nil {
		t.Fatal(err)
	}
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: "paguei", MsgID: "E1"})
	h.receive(101, whatsapp.Inbound{From: mariaPhone, Text: "PARAR", MsgID: "E2"})
	h.waitInbound(2)
	if _, ok, _ := h.store.Tenant(101).OptOuts().Get(ctx, a.ID); !ok {
		t.Fatal("PARAR of an expired reseller's client was not recorded")
	}
	if cl, _ := h.store.Tenant(101).Clients().Get(ctx, a.ID); !cl.Paused {
		t.Fatal("PARAR did not pause the client")
	}
	if len(h.forwardsOf(101, "paguei")) != 0 || len(h.forwardsOf(101, "PARAR")) != 0 || len(h.waFake.Sends()) != 0 {
		t.Fatal("something was forwarded or sent for a reseller without access")
	}
}
