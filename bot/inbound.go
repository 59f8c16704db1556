package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"

	"renovabot/billing"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Clients answer on WhatsApp (issue 14): what a client writes to the
// reseller's WhatsApp arrives in the reseller's chat, with buttons to
// renew (the normal renewal), see the client and answer from their
// WhatsApp; "paguei" or a receipt after a reminder is marked as a possible
// payment; SAIR stops the client's automatic reminders and VOLTAR brings
// them back.
//
// The WhatsApp manager calls HandleInbound on the queue of the session
// that received the message, so the only reseller a message can reach is
// the one whose WhatsApp received it: the client is looked up through that
// reseller's tenant handle only.

const (
	actInReply     = "inr"  // inbound message id: answer it from the reseller's WhatsApp
	actInNewClient = "inn"  // inbound message id: register the number that wrote
	actInSettings  = "ins"  // -
	actInUnknown   = "insu" // 1|0: forward numbers that are not clients

	flowInReply = "responder"

	// inNewClientPhone is the new-client wizard's shortcut to the number
	// that wrote (askPhone offers it).
	inNewClientPhone = "_wa_tel"

	// paymentWindow: a payment reply counts as one within this long after
	// a reminder or a charge left for that client.
	paymentWindow = 10 * 24 * time.Hour

	// captionBudget is how much of a client's text a photo's or file's
	// caption carries (Telegram allows 1024 units; the heading takes the
	// rest); a longer text follows as messages of its own.
	captionBudget = 700

	optOutConfirmation = "Você não vai mais receber lembretes automáticos. Para voltar a receber, responda VOLTAR."
	optInConfirmation  = "Pronto! Você voltou a receber os lembretes automáticos. Para parar, responda SAIR."
)

func (b *Bot) registerInbound() {
	b.addCallback(actInReply, b.onInReply)
	b.addCallback(actInNewClient, b.onInNewClient)
	b.addCallback(actInSettings, b.showInSettings)
	b.addCallback(actInUnknown, b.onInUnknown)
	b.addSetting(35, "💬 Respostas dos clientes", CB(actInSettings))
	b.RegisterFlow(replyFlow(b))
}

var _ whatsapp.InboundHandler = (*Bot)(nil)

// HandleInbound takes a message someone sent to a reseller's WhatsApp
// (whatsapp.InboundHandler). Failures are logged: the manager has nobody
// to report them to.
func (b *Bot) HandleInbound(ctx context.Context, in whatsapp.Inbound) {
	if err := b.handleInbound(ctx, in); err != nil && !errors.Is(err, context.Canceled) {
		b.log.Error("received WhatsApp message", "chat", in.ChatID, "err", err)
	}
}

func (b *Bot) handleInbound(ctx context.Context, in whatsapp.Inbound) error {
	t := b.store.Tenant(in.ChatID)
	// An erasure of this reseller cancels this work and waits for it, so
	// nothing is recorded or forwarded for an account being erased.
	work, release, err := t.Lock(ctx)
	if errors.Is(err, store.ErrErasing) {
		return nil
	}
	if err != nil {
		return err
	}
	defer release()
	res, err := t.Account().Get(work)
	if errors.Is(err, store.ErrNotFound) {
		return nil // a chat without an account has no clients and no chat to tell
	}
	if err != nil {
		return err
	}
	r := &Request{Ctx: work, Bot: b, ChatID: in.ChatID, Tenant: t, Reseller: res}
	clients, err := clientsOf(r, in.From)
	if err != nil {
		return err
	}
	cmd := billing.OptNone
	if len(clients) > 0 && in.Media == nil {
		cmd = billing.ParseOptCommand(in.Text)
	}
	if !res.HasAccess(b.clock.Now()) {
		// Without access nothing is forwarded or sent, but a client's
		// request to stop (or resume) reminders holds for when access
		// returns.
		if cmd != billing.OptNone {
			_, err := b.applyOptCommand(r, cmd, clients, in)
			return err
		}
		return nil
	}
	if len(clients) == 0 {
		on, err := t.Inbox().ForwardUnknown(work)
		if err != nil || !on {
			return err // not the reseller's business: not even stored
		}
	}
	var c store.Client
	payment := false
	if len(clients) > 0 {
		if c, payment, err = b.paymentOf(r, in, clients); err != nil {
			return err
		}
	}
	rec, fresh, err := t.Inbox().Record(work, store.NewInbound{WAID: in.MsgID, Phone: in.From, SenderName: in.Name,
		ClientID: c.ID, ClientName: c.Name, Kind: inboundKind(in), Body: in.Text, Payment: payment, ReceivedAt: in.At})
	if err != nil {
		return err
	}
	if !fresh {
		b.log.Info("WhatsApp delivered a message again; already forwarded", "chat", in.ChatID, "message", rec.ID)
		return nil
	}
	if cmd != billing.OptNone {
		changed, err := b.applyOptCommand(r, cmd, clients, in)
		if err != nil {
			return err
		}
		if len(changed) > 0 {
			if err := b.tellOptCommand(r, cmd, changed, in); err != nil {
				return err
			}
			return t.Inbox().MarkForwarded(work, rec.ID)
		}
		// Asked again: nothing changes, the reseller sees the message.
	}
	if err := b.forward(r, in, rec, clients, c, payment); err != nil {
		return err
	}
	b.log.Info("WhatsApp message forwarded", "chat", in.ChatID, "message", rec.ID, "client", c.ID, "payment", payment)
	return t.Inbox().MarkForwarded(work, rec.ID)
}

// clientsOf returns the reseller's clients with the number from, as it came
// or in its other 9th-digit form (WhatsApp may know a mobile by either).
func clientsOf(r *Request, from string) ([]store.Client, error) {
	if from == "" {
		return nil, nil
	}
	phones := []string{from}
	if v, ok := billing.NinthDigitVariant(from); ok {
		phones = append(phones, v)
	}
	return r.Tenant.Clients().ByPhone(r.Ctx, phones...)
}

// paymentOf picks the client a message is about (the soonest due, unless
// another with the same number was charged recently) and tells whether it
// looks like a payment: words like "paguei", or any photo or PDF, within
// paymentWindow of a reminder or charge to that client.
func (b *Bot) paymentOf(r *Request, in whatsapp.Inbound, clients []store.Client) (store.Client, bool, error) {
	looks := billing.PaymentReply(in.Text) || isReceipt(in.Media)
	if !looks {
		return clients[0], false, nil
	}
	since := b.clock.Now().Add(-paymentWindow)
	for _, c := range clients {
		charged, err := r.Tenant.Messages().ChargedSince(r.Ctx, c.ID, since)
		if err != nil {
			return store.Client{}, false, err
		}
		if charged {
			return c, true, nil
		}
	}
	return clients[0], false, nil
}

// isReceipt: a photo or a PDF, the forms a Pix receipt comes in.
func isReceipt(m *whatsapp.Media) bool {
	return m != nil && (m.Kind == whatsapp.MediaImage || isPDF(m))
}

func isPDF(m *whatsapp.Media) bool {
	return m != nil && m.Kind == whatsapp.MediaDocument &&
		(strings.EqualFold(m.MIME, "application/pdf") || strings.EqualFold(filepath.Ext(m.FileName), ".pdf"))
}

// inboundKind is what the message log stores as the message's kind.
func inboundKind(in whatsapp.Inbound) string {
	if in.Media == nil {
		return "text"
	}
	if isPDF(in.Media) {
		return "pdf"
	}
	return string(in.Media.Kind)
}

// mediaLabel describes what a message carries, in pt-BR, for the forward
// and the history ("[figurinha]", "[localização: Rua A]").
func mediaLabel(kind, detail, text string, voice bool) string {
	with := func(s string) string {
		if detail = strings.TrimSpace(detail); detail != "" {
			return "[" + s + ": " + Truncate(detail, 80) + "]"
		}
		return "[" + s + "]"
	}
	switch whatsapp.MediaKind(kind) {
	case whatsapp.MediaImage:
		return "[foto]"
	case whatsapp.MediaDocument:
		return with("documento")
	case whatsapp.MediaAudio:
		if voice {
			return "[mensagem de voz]"
		}
		return "[áudio]"
	case whatsapp.MediaVideo:
		return "[vídeo]"
	case whatsapp.MediaSticker:
		return "[figurinha]"
	case whatsapp.MediaLocation:
		return with("localização")
	case whatsapp.MediaContact:
		return with("contato")
	case whatsapp.MediaReaction:
		return "[reagiu com " + Truncate(text, 8) + "]"
	case whatsapp.MediaPoll:
		return with("enquete")
	case "pdf":
		return with("PDF")
	case "text":
		return ""
	}
	return "[mensagem]"
}

// ---- the forward ----

// forward shows the message in the reseller's chat: a heading (who, their
// due date, "possível pagamento"), the text, the media, and the buttons.
func (b *Bot) forward(r *Request, in whatsapp.Inbound, rec store.InboundMessage, clients []store.Client, c store.Client, payment bool) error {
	today := r.Today()
	var head strings.Builder
	var kb Keyboard
	if payment {
		head.WriteString("💰 <b>Possível pagamento</b>\n")
	}
	if c.ID != 0 {
		st := c.Status(today)
		verb := "vence"
		if c.Due.Before(today) {
			verb = "venceu"
		}
		head.WriteString(Textf("💬 <b>%s</b> (%s) — %s %s %s", Truncate(c.Name, 60), billing.FormatPhone(c.Phone), verb, c.Due.ShortBR(), st.Icon()))
		if len(clients) > 1 {
			var others []string
			for _, o := range clients {
				if o.ID != c.ID {
					others = append(others, Truncate(o.Name, 40))
				}
			}
			head.WriteString(Textf("\n<i>Este número também é de: %s</i>", strings.Join(others, ", ")))
		}
		kb = b.clientButtons(r, rec, c, payment)
	} else {
		number := "número escondido pelo WhatsApp"
		if in.From != "" {
			number = billing.FormatPhone(in.From)
		}
		head.WriteString(Textf("💬 <b>Não é seu cliente</b> — %s", number))
		if in.Name != "" {
			head.WriteString(Textf(" · “%s” no WhatsApp", Truncate(in.Name, 60)))
		}
		if in.From != "" {
			kb = Keyboard{Row(Btn("➕ Cadastrar cliente", CB(actInNewClient, rec.ID)), Btn("↩️ Responder", CB(actInReply, rec.ID)))}
		}
	}
	return b.forwardContent(r, head.String(), in, kb)
}

// clientButtons are the forward's buttons for a client: Renovar (the
// normal one-tap renewal of the plan's period, an act-once button opening
// its confirmation as a new message), Ver cliente and Responder.
func (b *Bot) clientButtons(r *Request, rec store.InboundMessage, c store.Client, payment bool) Keyboard {
	card := Btn("📇 Ver cliente", openNewCB(actCard, c.ID, "l", string(store.FilterAll), 0))
	reply := Btn("↩️ Responder", CB(actInReply, rec.ID))
	period, _ := renewalOptions(c, r.Today())
	if !billing.DateInRange(period) {
		return Keyboard{Row(card, reply)}
	}
	renew := Btn("✅ Renovar", openNewCB(actRenewApply, c.ID, "p", compactDate(c.Due), onceToken()))
	if payment {
		return Keyboard{Row(renew), Row(card, reply)}
	}
	return Keyboard{Row(renew, card, reply)}
}

// forwardContent sends the heading with the message's text and media.
// Photos, PDFs and audio are downloaded from WhatsApp now and sent as a
// photo, a document or a voice message; anything else is described. A
// text too long for one message is split; the buttons go on the last one.
func (b *Bot) forwardContent(r *Request, head string, in whatsapp.Inbound, kb Keyboard) error {
	md := in.Media
	if md != nil && (md.Kind == whatsapp.MediaImage || md.Kind == whatsapp.MediaAudio || isPDF(md)) {
		data, err := md.Download(r.Ctx)
		switch {
		case err == nil:
			sent, err := b.forwardFile(r, head, in, data, kb)
			if sent || err != nil {
				return err
			}
			head += "\n⚠️ O Telegram não aceitou o arquivo; veja no seu WhatsApp."
		case errors.Is(err, whatsapp.ErrMediaTooLarge):
			head += "\n⚠️ " + Esc(mediaLabel(inboundKind(in), md.FileName, "", md.Voice)) + " — arquivo grande demais, veja no seu WhatsApp."
		case r.Ctx.Err() != nil:
			return r.Ctx.Err()
		default:
			b.log.Warn("downloading received media", "chat", r.ChatID, "err", err)
			head += "\n⚠️ " + Esc(mediaLabel(inboundKind(in), md.FileName, "", md.Voice)) + " — não consegui baixar o arquivo; veja no seu WhatsApp."
		}
		return b.sendLong(r, head, in.Text, kb)
	}
	text := in.Text
	if md != nil {
		label := mediaLabel(inboundKind(in), md.Detail+md.FileName, in.Text, md.Voice)
		if md.Kind == whatsapp.MediaReaction {
			text = label
		} else {
			text = strings.TrimSpace(label + " " + in.Text)
		}
	}
	return b.sendLong(r, head, text, kb)
}

// forwardFile sends data as a photo, a document or a voice message with
// the heading (and the text, when it fits) as caption. sent is false when
// Telegram refused the file itself.
func (b *Bot) forwardFile(r *Request, head string, in whatsapp.Inbound, data []byte, kb Keyboard) (sent bool, err error) {
	caption, rest := head, in.Text
	if utf16Len(in.Text) <= captionBudget {
		if in.Text != "" {
			caption += "\n\n" + Esc(in.Text)
		}
		rest = ""
	} else {
		caption += "\n\n<i>(texto abaixo)</i>"
	}
	first := Message{Text: caption}
	if rest == "" {
		first.Keyboard = kb
	}
	md := in.Media
	switch {
	case md.Kind == whatsapp.MediaImage:
		_, err = b.send.SendPhoto(r.Ctx, r.ChatID, data, first)
	case md.Kind == whatsapp.MediaAudio:
		_, err = b.send.SendVoice(r.Ctx, r.ChatID, data, first)
	default:
		_, err = b.send.SendDocument(r.Ctx, r.ChatID, pdfName(md.FileName), data, first)
	}
	if err != nil {
		if isBadRequest(err) {
			b.log.Warn("Telegram refused a received file", "chat", r.ChatID, "kind", md.Kind, "err", err)
			return false, nil
		}
		return false, err
	}
	if rest != "" {
		parts := splitText(rest, textChunk)
		for i := range parts {
			parts[i] = Esc(parts[i])
		}
		return true, b.sendChunks(r, parts, kb)
	}
	return true, nil
}

// pdfName is a safe file name for a forwarded PDF.
func pdfName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, filepath.Base(strings.TrimSpace(name)))
	if name == "" || name == "." || name == ".." {
		name = "comprovante"
	}
	if !strings.EqualFold(filepath.Ext(name), ".pdf") {
		name += ".pdf"
	}
	return Truncate(name, 100)
}

// sendLong sends the heading and the text (escaped), split under
// Telegram's limit, with kb on the last message.
func (b *Bot) sendLong(r *Request, head, text string, kb Keyboard) error {
	parts := splitText(text, textChunk)
	if len(parts) == 0 {
		parts = []string{""}
	}
	msgs := make([]string, len(parts))
	for i, p := range parts {
		msgs[i] = Esc(p)
	}
	msgs[0] = head + "\n\n" + msgs[0]
	if len(parts) > 1 {
		for i := range msgs {
			msgs[i] += fmt.Sprintf("\n\n<i>(parte %d de %d)</i>", i+1, len(msgs))
		}
	}
	return b.sendChunks(r, msgs, kb)
}

// sendChunks sends each HTML text as a message, kb on the last.
func (b *Bot) sendChunks(r *Request, msgs []string, kb Keyboard) error {
	for i, m := range msgs {
		msg := Message{Text: strings.TrimSpace(m)}
		if i == len(msgs)-1 {
			msg.Keyboard = kb
		}
		if _, err := b.send.SendText(r.Ctx, r.ChatID, msg); err != nil {
			if errors.Is(err, ErrUnreachable) {
				return nil // the reseller blocked the bot: marked, nothing to tell
			}
			return err
		}
	}
	return nil
}

func isBadRequest(err error) bool { return errors.Is(err, tgbot.ErrorBadRequest) }

// receivedHistory adds what the client sent to the card's message history
// lines (at, line), newest first, limited to n.
func receivedHistory(r *Request, c store.Client, n int) ([]historyLine, error) {
	msgs, err := r.Tenant.Inbox().ForClient(r.Ctx, c.ID, n)
	if err != nil {
		return nil, err
	}
	out := make([]historyLine, 0, len(msgs))
	for _, m := range msgs {
		what := strings.TrimSpace(mediaLabel(m.Kind, "", m.Body, false) + " ")
		if m.Kind != string(whatsapp.MediaReaction) && m.Body != "" {
			what = strings.TrimSpace(what + " “" + Truncate(strings.Join(strings.Fields(m.Body), " "), 60) + "”")
		}
		out = append(out, historyLine{at: m.ReceivedAt, html: Textf("\n%s — 💬 recebida: %s", r.clockBR(m.ReceivedAt), what)})
	}
	return out, nil
}

// historyLine is one line of the card's message history.
type historyLine struct {
	at   time.Time
	html string
}
