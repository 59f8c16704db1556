package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"renovabot/billing"
	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Manual sends from the client card: choose a message (or type a free
// one), see it exactly as the client will read it, confirm, and get the
// outcome. The same preview/confirm path serves the one-tap offers after a
// renewal and after creating a client.
//
// One press = one send: the confirm button is a wizard button (token and
// step) and the wizard is closed before WhatsApp is called, so a second
// press of the same button, queued behind the first in the chat's ordered
// updates, finds no wizard and is answered "expirado". The button also
// carries a digest of the text it was drawn for; if the client's or the
// company's data (or the day) changed the text since, the new text is
// previewed again instead of sent unseen.
//
// What is logged (store Messages().Log, origin manual): every attempt that
// reached WhatsApp, sent or refused by it. An attempt stopped before it
// left (WhatsApp not linked, suspended, not connected, our own daily cap)
// is not logged: nothing was sent, and the reseller is told why on the spot.

const (
	actSendStart = "snd"  // client id
	actSendKind  = "sndk" // client id, kind

	flowSend     = "enviar"        // choose the kind first
	flowSendKind = "enviar_modelo" // kind chosen by the button that started it

	confirmPrefix = "ok."
	// switchPrefix is the preview's button to the kind that fits the
	// client (msgtemplate's rule) instead of the one chosen.
	switchPrefix = "k."
)

func (b *Bot) registerSend() {
	b.addCallback(actSendStart, b.onSendStart)
	b.addCallback(actSendKind, b.onSendKind)
	steps := sendSteps(b)
	b.RegisterFlow(&Flow{Name: flowSend, Title: "Enviar mensagem", First: "tipo", Steps: steps})
	b.RegisterFlow(&Flow{Name: flowSendKind, Title: "Enviar mensagem", First: "previa", Steps: steps})
}

// sendButton is the client card's entry to a manual send.
func (b *Bot) sendButton(c store.Client) []Button {
	if b.wa == nil {
		return nil
	}
	return Row(Btn("📤 Enviar mensagem", CB(actSendStart, c.ID)))
}

func (b *Bot) onSendStart(r *Request) error {
	c, err := byArg(r, 0, r.Tenant.Clients().Get)
	if err != nil {
		return err
	}
	if ok, err := b.requireLinked(r); !ok {
		return err
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowSend, map[string]string{"id": fmt.Sprint(c.ID)})
}

func (b *Bot) onSendKind(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	kind, err := kindArg(r.Data, 1)
	if err != nil || kind == msgtemplate.KindFree {
		return ErrStale
	}
	c, err := r.Tenant.Clients().Get(r.Ctx, id)
	if err != nil {
		return err
	}
	t, err := r.Tenant.Templates().Get(r.Ctx, kind)
	if err != nil {
		return err
	}
	if !t.Enabled {
		return r.Alert("A mensagem “" + kind.Label() + "” está desligada em Configurações › Mensagens.")
	}
	if ok, err := b.requireLinked(r); !ok {
		return err
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowSendKind, map[string]string{"id": fmt.Sprint(c.ID), "kind": string(kind)})
}

// requireLinked answers a send request from a reseller whose WhatsApp
// cannot send at all (not linked, unlinked from the phone, suspended) with
// the reason and the button that fixes it; ok is false then. Connecting
// and disconnected sessions pass: the send waits for them or says why.
func (b *Bot) requireLinked(r *Request) (ok bool, err error) {
	st, err := b.wa.Status(r.Ctx, r.ChatID)
	if err != nil {
		return false, err
	}
	switch st.State {
	case whatsapp.StateUnlinked, whatsapp.StatePairing, whatsapp.StateLoggedOut:
		return false, b.sendFailed(r, whatsapp.ErrNotLinked)
	case whatsapp.StateBanned:
		return false, b.sendFailed(r, &whatsapp.TempBanError{Until: st.BanUntil})
	}
	return true, nil
}

// draft is a message about to be sent, rendered from current data.
type draft struct {
	client  store.Client
	company store.Company
	kind    msgtemplate.Kind
	enabled bool
	msg     compose.Message
	today   billing.Date
	// fitting is the kind written for the client's situation when kind
	// contradicts it (msgtemplate's rule), "" when kind fits;
	// fittingOn reports whether that kind is switched on.
	fitting   msgtemplate.Kind
	fittingOn bool
}

// draftOf renders the wizard's message with the client's current data and
// the reseller's own company: exactly what would be sent now.
func (b *Bot) draftOf(r *Request, c *Conv) (draft, error) {
	cl, err := b.editedClient(r, c)
	if err != nil {
		return draft{}, err
	}
	kind := msgtemplate.Kind(c.Get("kind"))
	if !kind.Valid() {
		return draft{}, ErrStale
	}
	t, err := r.Tenant.Templates().Get(r.Ctx, kind)
	if err != nil {
		return draft{}, err
	}
	body := t.Body
	if kind == msgtemplate.KindFree {
		if body = c.Get("texto"); body == "" {
			return draft{}, ErrStale
		}
	}
	co, err := r.Tenant.Company().Get(r.Ctx)
	if err != nil {
		return draft{}, err
	}
	today := r.Today()
	msg, err := compose.Render(body, cl, co, today)
	if err != nil {
		return draft{}, err
	}
	d := draft{client: cl, company: co, kind: kind, enabled: t.Enabled, msg: msg, today: today}
	if days := today.DaysUntil(cl.Due); !kind.Fits(days) {
		d.fitting = msgtemplate.FittingKind(days)
		ft, err := r.Tenant.Templates().Get(r.Ctx, d.fitting)
		if err != nil {
			return draft{}, err
		}
		d.fittingOn = ft.Enabled
	}
	return d, nil
}

// digest identifies a text in a button (12 hex characters: a collision
// would need two different previews of the same client in a row).
func digest(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:6])
}

// msgDigest is the digest of everything a message sends (its text and the
// Pix code that follows it).
func msgDigest(m compose.Message) string { return digest(strings.Join(m.Parts(), "\x00")) }

func sendSteps(b *Bot) map[string]*Step {
	return map[string]*Step{
		"tipo": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				cl, err := b.editedClient(r, c)
				if err != nil {
					return Message{}, err
				}
				list, err := r.Tenant.Templates().List(r.Ctx)
				if err != nil {
					return Message{}, err
				}
				var btns []Button
				for _, t := range list {
					if t.Enabled {
						btns = append(btns, FlowBtn(c, t.Kind.Label(), string(t.Kind)))
					}
				}
				kb := Grid(2, btns...)
				text := Textf("📤 <b>Enviar mensagem para %s</b> (%s)\nQual mensagem?", cl.Name, billing.FormatPhone(cl.Phone))
				if len(kb) == 0 {
					text = Textf("📤 <b>Enviar mensagem para %s</b>\nTodas as mensagens estão desligadas. Ligue as que quiser em ⚙️ Configurações › 📝 Mensagens.", cl.Name)
					kb = Keyboard{Row(Btn("📝 Mensagens", CB(actTpl)))}
				}
				return Message{Text: text, Keyboard: kb}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				kind := msgtemplate.Kind(in.Choice)
				if !in.IsChoice {
					kind = kindByLabel(in.Text)
				}
				if !kind.Valid() {
					return "", billing.Invalid("Toque no botão da mensagem que quer enviar.")
				}
				t, err := r.Tenant.Templates().Get(r.Ctx, kind)
				if err != nil {
					return "", err
				}
				if !t.Enabled {
					return "", billing.Invalid("A mensagem “%s” está desligada. Escolha outra, ou ligue-a em Configurações › Mensagens.", kind.Label())
				}
				c.Set("kind", string(kind))
				if kind == msgtemplate.KindFree {
					return "texto", nil
				}
				return "previa", nil
			},
		},
		"texto": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				cl, err := b.editedClient(r, c)
				if err != nil {
					return Message{}, err
				}
				text := Textf("✍️ Digite a mensagem para <b>%s</b>. Você pode usar variáveis, como {primeiro_nome} ou {vencimento}.", cl.Name)
				if prev := c.Get("texto"); prev != "" {
					shown, _ := clip16(prev, previewBudget)
					text += "\n\nTexto anterior (toque para copiar):\n" + Pre(shown)
				}
				return Message{Text: text}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				if in.IsChoice {
					return "", billing.Invalid("Digite o texto da mensagem.")
				}
				if _, err := parseTemplate(in.Text); err != nil {
					return "", err
				}
				c.Set("kind", string(msgtemplate.KindFree))
				c.Set("texto", in.Text)
				return "previa", nil
			},
		},
		"previa": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				d, err := b.draftOf(r, c)
				if err != nil {
					return Message{}, err
				}
				m := previewMessage(c, d)
				if warn := b.optOutWarning(r, d.client); warn != "" {
					m.Text = warn + "\n\n" + m.Text
				}
				return m, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				switch {
				case in.IsChoice && in.Choice == "tipo":
					return "tipo", nil
				case in.IsChoice && in.Choice == "texto" && c.Get("kind") == string(msgtemplate.KindFree):
					return "texto", nil
				case in.IsChoice && strings.HasPrefix(in.Choice, confirmPrefix):
					return b.confirmSend(r, c, strings.TrimPrefix(in.Choice, confirmPrefix))
				case in.IsChoice && strings.HasPrefix(in.Choice, switchPrefix):
					return switchKind(r, c, msgtemplate.Kind(strings.TrimPrefix(in.Choice, switchPrefix)))
				case in.IsChoice:
					return "", ErrStale
				}
				return "", billing.Invalid("Toque em ✅ Enviar para enviar esta mensagem, ou em ✖️ Cancelar.")
			},
		},
	}
}

// switchKind previews kind instead of the kind chosen (the preview's offer
// of the kind that fits the client).
func switchKind(r *Request, c *Conv, kind msgtemplate.Kind) (string, error) {
	if !kind.Valid() || kind == msgtemplate.KindFree {
		return "", ErrStale
	}
	t, err := r.Tenant.Templates().Get(r.Ctx, kind)
	if err != nil {
		return "", err
	}
	if !t.Enabled {
		return "", billing.Invalid("A mensagem “%s” está desligada. Ligue-a em Configurações › Mensagens.", kind.Label())
	}
	c.Set("kind", string(kind))
	return "previa", nil
}

func kindByLabel(text string) msgtemplate.Kind {
	for _, k := range msgtemplate.Kinds {
		if billing.Fold(k.Label()) == billing.Fold(text) {
			return k
		}
	}
	return ""
}

// previewMessage shows d exactly as the client will read it, with Enviar
// only when it may be sent, and a warning (with the kind that fits) when
// the kind contradicts the client's situation.
func previewMessage(c *Conv, d draft) Message {
	var sb strings.Builder
	sb.WriteString(Textf("📤 <b>Prévia</b> — %s para <b>%s</b> (%s)\nÉ exatamente isto que o cliente vai ler no seu WhatsApp:\n",
		d.kind.Label(), d.client.Name, billing.FormatPhone(d.client.Phone)))
	sb.WriteString(quoteParts(d.msg.Text, d.msg.Pix))
	other := FlowBtn(c, "🔁 Outra mensagem", "tipo")
	nav := Row(other)
	if d.kind == msgtemplate.KindFree {
		nav = Row(FlowBtn(c, "✏️ Reescrever", "texto"), other)
	}
	send := "✅ Enviar"
	var fix []Button
	if d.fitting != "" {
		sb.WriteString("\n\n" + misfitText(d))
		send = "✅ Enviar mesmo assim"
		if d.fittingOn {
			fix = Row(FlowBtn(c, "🔁 Usar “"+d.fitting.Label()+"”", switchPrefix+string(d.fitting)))
		}
	}
	switch {
	case !d.enabled:
		sb.WriteString(Textf("\n\n🔴 A mensagem “%s” está desligada em ⚙️ Configurações › 📝 Mensagens; ligue-a para enviar.", d.kind.Label()))
		if fix != nil {
			return Message{Text: sb.String(), Keyboard: Keyboard{fix, nav}}
		}
		return Message{Text: sb.String(), Keyboard: Keyboard{nav}}
	case d.msg.NeedsPix():
		sb.WriteString("\n\n" + needsPixText(d.company))
		return Message{Text: sb.String(), Keyboard: Keyboard{Row(Btn("🏢 Dados da empresa", CB(actCompany))), nav}}
	}
	if len(d.msg.Missing) > 0 {
		sb.WriteString("\n" + missingNote(d.msg.Missing))
	}
	kb := Keyboard{Row(FlowBtn(c, send, confirmPrefix+msgDigest(d.msg)))}
	if fix != nil {
		kb = append(kb, fix)
	}
	return Message{Text: sb.String(), Keyboard: append(kb, nav)}
}

// misfitText warns that d's kind contradicts the client's situation
// ("Vencido" to a client due in 73 days) and names the kind that fits.
func misfitText(d draft) string {
	text := Textf("⚠️ <b>Esta mensagem não combina com %s</b>: “%s” é %s, e %s %s (%s).",
		d.client.Name, d.kind.Label(), d.kind.FitText(), firstWord(d.client.Name), billing.DueText(d.client.Due, d.today), d.client.Due.BR())
	if d.fittingOn {
		return text + Textf(" A mensagem certa é “%s”.", d.fitting.Label())
	}
	return text + Textf(" A mensagem certa é “%s”, que está desligada em ⚙️ Configurações › 📝 Mensagens.", d.fitting.Label())
}

// firstWord is the first word of a name, for a sentence about the client.
func firstWord(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return name
}

// quoteParts shows a message as the client reads it: its text and, when
// the Pix copia-e-cola goes on its own right after, that second message.
func quoteParts(text, pix string) string {
	out := quote(text)
	if pix != "" {
		out += "\n➕ Logo em seguida, numa mensagem só com ele (o cliente copia com um toque):\n" + quote(pix)
	}
	return out
}

// needsPixText explains why a message with an empty {pix_copia_cola} is
// not sent.
func needsPixText(co store.Company) string {
	return "⛔ <b>Esta mensagem não pode ser enviada</b>: ela usa o Pix copia e cola ({pix_copia_cola}) e falta " +
		Esc(joinPT(compose.PixMissing(co))) + " em Dados da empresa. Preencha e tente de novo."
}

// confirmSend sends the previewed message. want is the digest of the text
// the pressed button was drawn for.
func (b *Bot) confirmSend(r *Request, c *Conv, want string) (string, error) {
	d, err := b.draftOf(r, c)
	if err != nil {
		return "", err
	}
	switch {
	case !d.enabled:
		return "", billing.Invalid("Nada foi enviado: a mensagem “%s” foi desligada.", d.kind.Label())
	case d.msg.NeedsPix():
		return "", billing.Invalid("Nada foi enviado: falta %s em Dados da empresa para o Pix copia e cola.", joinPT(compose.PixMissing(d.company)))
	case msgDigest(d.msg) != want:
		c.Notice("🔄 A mensagem mudou desde a prévia (dados do cliente, da empresa ou a data de hoje). Nada foi enviado; confira a nova prévia:")
		return "previa", nil
	}
	// Close the wizard before sending: a second press is stale from here.
	if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
		return "", err
	}
	sendErr := b.deliver(r, d.client, d.kind, d.msg)
	heading, extra := b.sendOutcome(r, d.kind, d.msg, sendErr)
	fresh, err := r.Tenant.Clients().Get(r.Ctx, d.client.ID)
	if err != nil {
		fresh = d.client // deleted meanwhile: still show what happened
	}
	return Done, b.showCardWith(r, fresh, back{kind: "l", filter: store.FilterAll}, heading, extra)
}

// sendOutcome is the card heading (and buttons) after a send of msg.
func (b *Bot) sendOutcome(r *Request, kind msgtemplate.Kind, msg compose.Message, err error) (string, Keyboard) {
	var fe *whatsapp.FollowError
	switch {
	case err == nil && msg.Pix != "":
		return Textf("✅ <b>Enviado</b> pelo seu WhatsApp: %s, e o código Pix logo em seguida.", kind.Label()), nil
	case err == nil:
		return Textf("✅ <b>Enviado</b> pelo seu WhatsApp: %s.", kind.Label()), nil
	case errors.As(err, &fe):
		text, kb := b.failureText(r, fe.Err)
		return Textf("⚠️ <b>Enviado sem o código Pix</b>: a mensagem “%s” saiu, mas a do Pix copia e cola não.\n", kind.Label()) + text, kb
	}
	text, kb := b.failureText(r, err)
	return "⚠️ <b>Não enviado</b>: " + Esc(kind.Label()) + ".\n" + text, kb
}

// failureText explains a failed send in pt-BR (sendErrorText), falling
// back to a generic sentence for errors it does not know.
func (b *Bot) failureText(r *Request, err error) (string, Keyboard) {
	text, kb := sendErrorText(r, err)
	if text == "" {
		b.log.Warn("whatsapp send failed", "chat", r.ChatID, "err", err)
		text = "⚠️ Não foi possível enviar agora. Tente de novo em alguns instantes."
	}
	return text, kb
}

// deliver sends msg to client c from the reseller's own WhatsApp (the Pix
// code, if any, alone right after the text, as one send) and logs the
// attempt when it reached WhatsApp (see reachedWhatsApp), both parts in
// one row. It returns the send error.
func (b *Bot) deliver(r *Request, c store.Client, kind msgtemplate.Kind, msg compose.Message) error {
	var opts whatsapp.SendOptions
	if msg.Pix != "" {
		opts.Follow, opts.FollowID = msg.Pix, b.wa.NewMessageID()
	}
	id, err := b.wa.Send(r.Ctx, r.ChatID, c.Phone, msg.Text, opts)
	if err != nil && !reachedWhatsApp(err) {
		b.log.Info("manual send not attempted", "chat", r.ChatID, "client", c.ID, "kind", kind, "err", err)
		return err
	}
	row := store.NewMessage{ClientID: c.ID, ClientName: c.Name, Phone: c.Phone, Kind: string(kind),
		Origin: store.OriginManual, Status: store.MsgSent, WAID: id, Body: msg.Text, FollowWAID: opts.FollowID, FollowBody: msg.Pix}
	if err != nil {
		row.Status, row.Error = store.MsgFailed, err.Error()
	}
	if _, lerr := r.Tenant.Messages().Log(r.Ctx, row); lerr != nil {
		// The send happened (or was refused) either way; say so rather
		// than turn it into "algo deu errado".
		b.log.Error("log manual send", "chat", r.ChatID, "client", c.ID, "err", lerr)
	}
	b.log.Info("manual send", "chat", r.ChatID, "client", c.ID, "kind", kind, "ok", err == nil)
	return err
}

// reachedWhatsApp reports whether a failed send got as far as WhatsApp
// (which refused it, or may have received it), as opposed to being stopped
// before anything left: not linked, suspended, not connected, our own
// daily cap, input we refuse, shutdown. Unknown errors count as reached,
// so the history errs on showing an attempt.
func reachedWhatsApp(err error) bool {
	var ban *whatsapp.TempBanError
	var fe *whatsapp.FollowError
	switch {
	case errors.As(err, &fe):
		return true // the first message left, whatever stopped the second
	case errors.Is(err, whatsapp.ErrNotLinked), errors.As(err, &ban),
		errors.Is(err, whatsapp.ErrNotConnected), errors.Is(err, whatsapp.ErrClientOutdated),
		errors.Is(err, whatsapp.ErrStreamReplaced), errors.Is(err, whatsapp.ErrDeviceMismatch),
		errors.Is(err, whatsapp.ErrDailyCap), errors.Is(err, whatsapp.ErrInvalidPhone),
		errors.Is(err, whatsapp.ErrEmptyText), errors.Is(err, whatsapp.ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	}
	return true
}

// ---- offers after renewing and creating ----

// canOffer reports whether a one-tap send of kind makes sense now: the
// kind is on and the reseller's WhatsApp is connected. A failure to find
// out only drops the offer: it must never break the screen it decorates.
func (b *Bot) canOffer(r *Request, kind msgtemplate.Kind) bool {
	if b.wa == nil {
		return false
	}
	t, err := r.Tenant.Templates().Get(r.Ctx, kind)
	if err != nil {
		b.log.Warn("offer send: template", "chat", r.ChatID, "err", err)
		return false
	}
	if !t.Enabled {
		return false
	}
	st, err := b.wa.Status(r.Ctx, r.ChatID)
	if err != nil {
		b.log.Warn("offer send: whatsapp status", "chat", r.ChatID, "err", err)
		return false
	}
	return st.State == whatsapp.StateConnected
}

// offerButton is the one-tap send of kind to c, through the preview.
func offerButton(c store.Client, kind msgtemplate.Kind, label string) []Button {
	return Row(Btn(label, CB(actSendKind, c.ID, string(kind))))
}

// welcomeNewClient runs after a client was created (and the wizard
// closed): with automatic welcomes on, the kind on and WhatsApp connected,
// it sends the welcome and returns the outcome as a card heading;
// otherwise, when the kind is on and WhatsApp connected, it returns the
// button that offers it. Nothing here can fail the creation.
func (b *Bot) welcomeNewClient(r *Request, c store.Client) (string, Keyboard) {
	const kind = msgtemplate.KindWelcome
	if !b.canOffer(r, kind) {
		return "", nil
	}
	offer := Keyboard{offerButton(c, kind, "📤 Enviar boas-vindas")}
	co, err := r.Tenant.Company().Get(r.Ctx)
	if err != nil {
		b.log.Warn("welcome: company", "chat", r.ChatID, "err", err)
		return "", offer
	}
	if !co.WelcomeAuto {
		return "", offer
	}
	t, err := r.Tenant.Templates().Get(r.Ctx, kind)
	if err != nil {
		b.log.Warn("welcome: template", "chat", r.ChatID, "err", err)
		return "", offer
	}
	msg, err := compose.Render(t.Body, c, co, r.Today())
	if err != nil {
		b.log.Warn("welcome: render", "chat", r.ChatID, "err", err)
		return "", offer
	}
	if len(msg.Missing) > 0 {
		// Nothing automatic goes out with a blank in it (the same rule as
		// the reminders): the reseller is told what to fill in, and may
		// still send it from the preview, which shows the gaps.
		var kb Keyboard
		if company, _ := compose.ToFill(msg.Missing, co); len(company) > 0 {
			kb = append(kb, Row(Btn("🏢 Dados da empresa", CB(actCompany))))
		}
		if !msg.NeedsPix() {
			kb = append(kb, offer...)
		}
		return "⚠️ <b>Boas-vindas automáticas não enviadas</b>: " + Esc(compose.BlankReason(msg.Missing, co)), kb
	}
	if err := b.deliver(r, c, kind, msg); err != nil {
		text, kb := b.failureText(r, err)
		return "⚠️ Boas-vindas automáticas não enviadas.\n" + text, append(kb, offer...)
	}
	return "📤 Boas-vindas enviadas pelo seu WhatsApp.", nil
}

// ---- history on the client card ----

const historySize = 5

// historySection is the card's "📨 Mensagens": the client's last messages,
// sent and received, with when, what and how it stands. Empty when there
// are none.
func historySection(r *Request, c store.Client) (string, error) {
	msgs, err := r.Tenant.Messages().ForClient(r.Ctx, c.ID, historySize)
	if err != nil {
		return "", err
	}
	lines, err := receivedHistory(r, c, historySize)
	if err != nil {
		return "", err
	}
	for _, m := range msgs {
		what := kindLabel(m.Kind)
		if m.Origin == store.OriginAuto {
			what = "lembrete " + billing.StageLabel(m.Stage)
		}
		if m.FollowBody != "" {
			what += " + código Pix"
		}
		lines = append(lines, historyLine{at: messageTime(m), html: Textf("\n%s — %s — %s", r.clockBR(messageTime(m)), what, statusLabel(m.Status))})
	}
	if len(lines) == 0 {
		return "", nil
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.After(lines[j].at) })
	var sb strings.Builder
	sb.WriteString("\n\n📨 <b>Mensagens</b>")
	for _, l := range lines[:min(len(lines), historySize)] {
		sb.WriteString(l.html)
	}
	return sb.String(), nil
}
