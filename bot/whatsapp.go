package bot

import (
	"context"
	"errors"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"renovabot/billing"
	"renovabot/store"
	"renovabot/whatsapp"
)

// The WhatsApp screen: each reseller links THEIR OWN number (QR code or
// pairing code), sees its status, sends a test to themselves, unlinks.
// Pairing streams run in a goroutine per reseller that edits one photo
// message in place as the QR code rotates.

// WhatsApp is what the bot needs from the session manager.
type WhatsApp interface {
	Status(ctx context.Context, chatID int64) (whatsapp.Status, error)
	PairQR(ctx context.Context, chatID int64) (<-chan whatsapp.PairEvent, error)
	PairPhone(ctx context.Context, chatID int64, phone string) (<-chan whatsapp.PairEvent, error)
	Send(ctx context.Context, chatID int64, phone, text string, opts whatsapp.SendOptions) (string, error)
	// NewMessageID chooses a WhatsApp message id before sending (the id of
	// a message's second part, logged with it).
	NewMessageID() string
	SendTest(ctx context.Context, chatID int64, text string) (string, error)
	Unlink(ctx context.Context, chatID int64) error
	ConfirmPasskeyCode(ctx context.Context, chatID int64, code string, same bool) error
	// Erase unlinks chatID's WhatsApp for the erasure of their account and
	// runs eraseRows while no device can be linked for them.
	Erase(ctx context.Context, chatID int64, eraseRows func(context.Context) error) error
}

const (
	actWA       = "wa"   // status screen
	actWAQR     = "waqr" // link by QR
	actWACode   = "wacd" // link by pairing code
	actWAStop   = "wax"  // cancel a running pairing
	actWATest   = "wat"  // test message to own number
	actWAUnlink = "waud" // ask
	actWAUnYes  = "wauy" // confirm: screen token
	flowWACode  = "wa_codigo"
	qrPixels    = 512
	testMessage = "✅ Teste do RenovaBot: seu WhatsApp está conectado. É deste número que seus clientes vão receber os lembretes."
)

// The answer to the passkey code of a running pairing: the same as the
// phone's, or not. Argument: the pairing run's token.
const (
	actWAPasskeySame = "wapks"
	actWAPasskeyDiff = "wapkd"
)

func (b *Bot) registerWhatsApp() {
	b.addCommand("whatsapp", 60, "Conectar e ver o status do seu WhatsApp", b.showWhatsApp)
	b.addCallback(actWA, b.showWhatsApp)
	b.addCallback(actWAQR, b.onPairQR)
	b.addCallback(actWACode, func(r *Request) error { _ = r.Toast(""); return b.StartFlow(r, flowWACode, nil) })
	b.addCallback(actWAStop, b.onPairStop)
	b.addCallback(actWATest, b.onWATest)
	b.addCallback(actWAUnlink, b.onWAUnlinkAsk)
	b.addCallback(actWAUnYes, b.onWAUnlinkYes)
	b.addCallback(actWAPasskeySame, b.onPasskeyAnswer(true))
	b.addCallback(actWAPasskeyDiff, b.onPasskeyAnswer(false))
	b.addMenu(50, "📱 WhatsApp", CB(actWA), nil)
	b.RegisterFlow(pairCodeFlow(b))
}

// clockBR formats an instant as dd/mm hh:mm in the reseller's zone.
func (r *Request) clockBR(t time.Time) string {
	return t.In(r.Reseller.Location()).Format("02/01 15:04")
}

func (b *Bot) showWhatsApp(r *Request) error {
	st, err := b.wa.Status(r.Ctx, r.ChatID)
	if err != nil {
		return err
	}
	text, kb := whatsAppScreen(r, st)
	return r.Show(Message{Text: text, Keyboard: kb})
}

// whatsAppScreen renders the status with only the buttons the state allows.
func whatsAppScreen(r *Request, st whatsapp.Status) (string, Keyboard) {
	link := Row(Btn("🔗 Conectar com QR code", CB(actWAQR)), Btn("🔢 Conectar com código", CB(actWACode)))
	unlink := Row(Btn("🔌 Desconectar", CB(actWAUnlink)))
	var text string
	var kb Keyboard
	switch st.State {
	case whatsapp.StateConnected:
		text = Textf("✅ <b>WhatsApp conectado</b> como %s desde %s.\n\nSeus lembretes saem deste número.",
			billing.FormatPhone(st.Phone), r.clockBR(st.ConnectedSince))
		kb = Keyboard{Row(Btn("🧪 Testar envio", CB(actWATest))), unlink}
	case whatsapp.StateConnecting, whatsapp.StateDisconnected:
		text = Textf("🔄 <b>Conectando</b> ao WhatsApp de %s…\n\nSe demorar, confira se o celular está ligado e com internet. Os lembretes esperam e saem quando a conexão voltar.",
			billing.FormatPhone(st.Phone))
		if st.State == whatsapp.StateDisconnected && st.Refused.Code != 0 {
			text = refusedText(r, st)
		}
		kb = Keyboard{Row(Btn("🔄 Atualizar", CB(actWA))), unlink}
	case whatsapp.StatePairing:
		text = "⏳ <b>Aguardando leitura</b> do QR code (ou do código) no celular."
		kb = Keyboard{link, Row(Btn("❌ Cancelar conexão", CB(actWAStop)))}
	case whatsapp.StateLoggedOut:
		text = "⚠️ <b>Sessão encerrada pelo celular.</b> O WhatsApp deste bot foi removido em Aparelhos conectados. Conecte de novo para voltar a enviar lembretes."
		kb = Keyboard{link}
	case whatsapp.StateBanned:
		text = Textf("⛔ <b>Suspenso temporariamente</b> pelo WhatsApp até %s. Os lembretes ficam parados e voltam sozinhos depois.",
			r.clockBR(st.BanUntil))
		kb = Keyboard{unlink}
	default:
		text = "📱 <b>Seu WhatsApp não está conectado.</b>\n\nConecte o número de onde seus clientes vão receber as mensagens. " +
			"Pelo QR code, abra o WhatsApp em outro aparelho e aponte a câmera; se o bot está no mesmo celular do WhatsApp, use o código."
		kb = Keyboard{link}
	}
	return text, append(kb, backToMenu())
}

// refusedText explains a connection WhatsApp refused with a code the bot
// does not know (the session backs off before dialling again).
func refusedText(r *Request, st whatsapp.Status) string {
	return Textf("⚠️ <b>O WhatsApp recusou a conexão</b> do número %s (código %d).\n\n"+
		"Nova tentativa a partir de %s, no próximo envio ou ao tocar em 🔄 Atualizar. Os lembretes esperam e saem quando a conexão voltar. "+
		"Se continuar, confira no celular em Aparelhos conectados se o aparelho do bot ainda aparece; se não aparecer, desconecte e conecte de novo.",
		billing.FormatPhone(st.Phone), st.Refused.Code, r.clockBR(st.Refused.RetryAt()))
}

// ---- pairing ----

const qrInstructions = "📲 <b>Conecte seu WhatsApp</b>\n\n1. Abra o WhatsApp no celular\n2. Toque em ⋮ ou Configurações › <b>Aparelhos conectados</b>\n" +
	"3. Toque em <b>Conectar um aparelho</b> e aponte a câmera para este código\n\nO código muda sozinho a cada poucos segundos."

func (b *Bot) onPairQR(r *Request) error {
	run, events, err := b.startPairing(r.ChatID, func(ctx context.Context) (<-chan whatsapp.PairEvent, error) {
		return b.wa.PairQR(ctx, r.ChatID)
	})
	if err != nil {
		return b.pairStartFailed(r, err)
	}
	_ = r.Toast("Gerando o QR code…")
	b.spawn(func() {
		defer run.release()
		b.runPairing(run, events, &pairScreen{b: b, chatID: r.ChatID})
	})
	return nil
}

// pairRun is one running pairing of a chat; a newer one replaces it.
type pairRun struct {
	cancel  context.CancelFunc
	release func() // when the stream ended: forget the run
	// token is carried by this run's passkey buttons, so a press from an
	// older run or a forged one is told apart from this run's.
	token string
	// passkeyCode is the passkey code shown and not answered yet (guarded
	// by Bot.pairMu): the first press takes it, later presses find none.
	passkeyCode string
	answers     chan passkeyPress // presses, passed on by the run's goroutine
}

type passkeyPress struct {
	code string
	same bool
}

// startPairing cancels a running pairing of this chat and starts a new one
// bound to the bot's lifetime. run.release must be called when the stream
// ends.
func (b *Bot) startPairing(chatID int64, start func(ctx context.Context) (<-chan whatsapp.PairEvent, error)) (*pairRun, <-chan whatsapp.PairEvent, error) {
	ctx, cancel := context.WithCancel(b.life)
	run := &pairRun{cancel: cancel, token: newToken(), answers: make(chan passkeyPress, 1)}
	run.release = func() {
		b.pairMu.Lock()
		if b.pairings[chatID] == run {
			delete(b.pairings, chatID)
		}
		b.pairMu.Unlock()
		cancel()
	}
	b.pairMu.Lock()
	if old := b.pairings[chatID]; old != nil {
		old.cancel()
	}
	b.pairings[chatID] = run
	b.pairMu.Unlock()
	events, err := start(ctx)
	if err != nil {
		run.release()
		return nil, nil, err
	}
	return run, events, nil
}

func (b *Bot) pairStartFailed(r *Request, err error) error {
	if errors.Is(err, whatsapp.ErrAlreadyLinked) {
		_ = r.Toast("Seu WhatsApp já está conectado.")
		return b.showWhatsApp(r)
	}
	return err
}

// pairScreen is the one message that shows a pairing: a photo while QR
// codes rotate (Telegram cannot turn it into a text, so its picture and
// caption change), a text for the pairing code.
type pairScreen struct {
	b      *Bot
	chatID int64
	byCode bool // linking by pairing code, else by QR code
	msgID  int  // 0 until something was shown
	photo  bool // msgID is a photo message
}

func (s *pairScreen) showQR(ctx context.Context, code string) {
	png, err := qrcode.Encode(code, qrcode.Medium, qrPixels)
	if err != nil {
		s.b.log.Error("render QR", "chat", s.chatID, "err", err)
		return
	}
	caption := Message{Text: qrInstructions, Keyboard: Keyboard{Row(Btn("❌ Cancelar", CB(actWAStop)))}}
	if s.msgID == 0 {
		s.msgID, err = s.b.send.SendPhoto(ctx, s.chatID, png, caption)
		s.photo = s.msgID != 0
	} else {
		err = s.b.send.EditPhoto(ctx, s.chatID, s.msgID, png, caption)
	}
	if err != nil {
		s.b.log.Warn("show QR", "chat", s.chatID, "err", err)
	}
}

// show puts text and kb in the pairing's message; img replaces the picture
// of a photo message (nil keeps it).
func (s *pairScreen) show(ctx context.Context, text string, kb Keyboard, img []byte) {
	m := Message{Text: text, Keyboard: kb}
	var err error
	switch {
	case s.msgID == 0:
		s.msgID, err = s.b.send.SendText(ctx, s.chatID, m)
	case s.photo && img != nil:
		err = s.b.send.EditPhoto(ctx, s.chatID, s.msgID, img, m)
	case s.photo:
		err = s.b.send.EditCaption(ctx, s.chatID, s.msgID, m)
	default:
		err = s.b.send.EditText(ctx, s.chatID, s.msgID, m)
	}
	if err != nil {
		s.b.log.Warn("show pairing", "chat", s.chatID, "err", err)
	}
}

// runPairing shows one pairing (QR or code) in its message until the
// stream ends, and hands the reseller's answer to a passkey code to the
// manager. Every edit of the message happens here, in order.
func (b *Bot) runPairing(run *pairRun, events <-chan whatsapp.PairEvent, scr *pairScreen) {
	ctx := b.life
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch ev.Kind {
			case whatsapp.PairQR:
				scr.showQR(ctx, ev.Code)
			case whatsapp.PairCode:
				scr.show(ctx, Textf("🔢 Seu código: <code>%s</code>\n\nNo celular: WhatsApp › <b>Aparelhos conectados</b> › <b>Conectar um aparelho</b> › "+
					"<b>Conectar com número de telefone</b>, e digite o código acima.", ev.Code), Keyboard{Row(Btn("❌ Cancelar", CB(actWAStop)))}, nil)
			case whatsapp.PairPasskeyCode:
				b.pairMu.Lock()
				run.passkeyCode = ev.Code
				b.pairMu.Unlock()
				text, kb := passkeyCodeScreen(ev.Code, run.token)
				scr.show(ctx, text, kb, nil)
			default:
				b.pairMu.Lock()
				run.passkeyCode = "" // the end: a late press finds nothing
				b.pairMu.Unlock()
				text, kb, img := b.pairingOutcome(scr.chatID, ev, scr.byCode)
				scr.show(ctx, text, kb, img)
			}
		case p := <-run.answers:
			if p.same {
				scr.show(ctx, "⏳ <b>Código confirmado.</b> Aguardando o WhatsApp concluir a conexão…",
					Keyboard{Row(Btn("❌ Cancelar", CB(actWAStop)))}, nil)
			}
			// Not same: the manager ends the pairing, and its end arrives
			// on the stream like any other.
			if err := b.wa.ConfirmPasskeyCode(ctx, scr.chatID, p.code, p.same); err != nil && !errors.Is(err, whatsapp.ErrNoPasskeyCode) {
				b.log.Warn("passkey answer", "chat", scr.chatID, "err", err)
			}
		}
	}
}

// pairingOutcome is what the pairing's message shows when it ends.
func (b *Bot) pairingOutcome(chatID int64, ev whatsapp.PairEvent, byCode bool) (string, Keyboard, []byte) {
	retry := Row(Btn("🔄 Tentar de novo", CB(actWAQR)))
	if byCode {
		retry = Row(Btn("🔄 Tentar de novo", CB(actWACode)))
	}
	switch {
	case ev.Kind == whatsapp.PairSuccess:
		b.log.Info("whatsapp linked", "chat", chatID, "by_code", byCode)
		return Textf("✅ <b>Conectado como %s</b>\n\nPronto! Seus lembretes vão sair deste número. Use 🧪 Testar envio para conferir.", billing.FormatPhone(ev.Phone)),
			Keyboard{Row(Btn("🧪 Testar envio", CB(actWATest))), backToMenu()}, statusImage(true)
	case ev.Kind == whatsapp.PairTimeout && byCode:
		return "⌛ <b>Código expirado.</b> O tempo para digitar o código acabou.",
			Keyboard{Row(Btn("🔄 Gerar outro código", CB(actWACode)), Btn("🔗 Usar QR code", CB(actWAQR))), backToMenu()}, statusImage(false)
	case ev.Kind == whatsapp.PairTimeout:
		return "⌛ <b>QR expirado.</b> O tempo para conectar acabou. Toque para gerar outro.",
			Keyboard{Row(Btn("🔄 Tentar de novo", CB(actWAQR)), Btn("🔢 Usar código", CB(actWACode))), backToMenu()}, statusImage(false)
	case errors.Is(ev.Err, whatsapp.ErrPasskeyRequired):
		b.log.Info("pairing needs the account's passkey", "chat", chatID, "by_code", byCode, "err", ev.Err)
		text, kb := passkeyRequiredScreen(byCode)
		return text, kb, statusImage(false)
	case errors.Is(ev.Err, whatsapp.ErrPasskeyCodeRejected):
		return "❌ <b>Conexão cancelada.</b>\n\nVocê informou que o código era diferente do que aparece no celular, então nada foi conectado. Se quiser, tente de novo.",
			Keyboard{retry, backToMenu()}, statusImage(false)
	case pairingCancelled(ev.Err):
		return "❎ Conexão cancelada.", Keyboard{retry, backToMenu()}, statusImage(false)
	}
	b.log.Warn("pairing failed", "chat", chatID, "by_code", byCode, "err", ev.Err)
	text := "⚠️ Não foi possível conectar agora. Tente de novo em alguns instantes."
	if byCode {
		text = "⚠️ Não foi possível conectar pelo código agora. Confira o número e tente de novo."
	}
	return text, Keyboard{retry, backToMenu()}, statusImage(false)
}

// passkeyCodeScreen asks the reseller to compare WhatsApp's passkey code
// with the one on the phone. The buttons carry the run's token.
func passkeyCodeScreen(code, token string) (string, Keyboard) {
	return Textf("🔐 <b>Confira o código</b>\n\nO WhatsApp pediu para conferir se este código é o mesmo que aparece agora no seu celular:\n\n"+
			"<code>%s</code>\n\nToque em ✅ só se for exatamente o mesmo.", code),
		Keyboard{
			Row(Btn("✅ O código é o mesmo do celular", CB(actWAPasskeySame, token))),
			Row(Btn("❌ É diferente", CB(actWAPasskeyDiff, token))),
		}
}

// passkeyRequiredScreen: WhatsApp asked for the account's passkey. Its
// WebAuthn check is bound to whatsapp.com, so only WhatsApp's own web and
// apps can ask the reseller's device for it; the pairing has ended.
func passkeyRequiredScreen(byCode bool) (string, Keyboard) {
	other, otherName, codeHint := Btn("🔢 Conectar com código", CB(actWACode)), "pelo código", ""
	if byCode {
		other, otherName = Btn("🔗 Conectar com QR code", CB(actWAQR)), "pelo QR code"
		codeHint = "• Se o código foi digitado errado, gere outro e tente de novo.\n"
	}
	text := "🔐 <b>O WhatsApp pediu a chave de acesso (passkey) da sua conta</b>\n\n" +
		"Para conectar um aparelho a este número, o WhatsApp exigiu a confirmação com a chave de acesso da conta (digital, rosto ou PIN). " +
		"Essa confirmação só pode ser feita no WhatsApp Web oficial ou nos aplicativos do WhatsApp: este bot não consegue concluí-la. " +
		"A conexão foi encerrada e nada foi conectado.\n\n<b>O que você pode fazer:</b>\n" +
		"• Tentar de novo " + otherName + ", o outro jeito de conectar.\n" + codeHint +
		"• Números cuja conta não exige chave de acesso conectam normalmente."
	return text, Keyboard{Row(other), Row(Btn("⬅️ Voltar", CB(actWA)), Btn(txtMenuButton, CB(actMenu)))}
}

// pairingCancelled: the reseller cancelled, a newer pairing took over, or
// their account was erased meanwhile (the new device was unlinked).
func pairingCancelled(err error) bool {
	return errors.Is(err, whatsapp.ErrPairingCancelled) || errors.Is(err, context.Canceled) || errors.Is(err, whatsapp.ErrNoAccount)
}

// onPasskeyAnswer takes the reseller's answer to the passkey code of their
// own running pairing, once: the button must carry that run's token and the
// code must still await an answer; anything else is "não encontrado".
func (b *Bot) onPasskeyAnswer(same bool) handlerFunc {
	return func(r *Request) error {
		token, err := r.Data.Arg(0)
		if err != nil {
			return err
		}
		b.pairMu.Lock()
		run := b.pairings[r.ChatID]
		taken := false
		if run != nil && run.token == token && run.passkeyCode != "" {
			select {
			case run.answers <- passkeyPress{code: run.passkeyCode, same: same}:
				run.passkeyCode, taken = "", true
			default:
			}
		}
		b.pairMu.Unlock()
		if !taken {
			return ErrStale
		}
		if same {
			return r.Toast("Confirmando…")
		}
		return r.Toast("Cancelando a conexão…")
	}
}

func (b *Bot) onPairStop(r *Request) error {
	b.pairMu.Lock()
	run := b.pairings[r.ChatID]
	delete(b.pairings, r.ChatID)
	b.pairMu.Unlock()
	if run == nil {
		_ = r.Toast("Nenhuma conexão em andamento.")
		return nil
	}
	run.cancel()
	_ = r.Toast("Conexão cancelada.")
	return nil
}

// pairCodeFlow asks the number to link, then shows the 8-character code.
func pairCodeFlow(b *Bot) *Flow {
	return &Flow{Name: flowWACode, Title: "Conectar WhatsApp", First: "numero", Steps: map[string]*Step{
		"numero": {
			AcceptsMedia: true,
			Ask: func(r *Request, c *Conv) (Message, error) {
				return Message{Text: "🔢 Qual o número do <b>seu</b> WhatsApp (o que vai enviar os lembretes)? Envie com DDD, por exemplo <code>11987654321</code>, ou compartilhe o contato."}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				raw := in.Text
				if in.Message != nil && in.Message.Contact != nil {
					raw = in.Message.Contact.PhoneNumber
				}
				if raw == "" {
					return "", billing.Invalid("Envie o número com DDD, por exemplo 11987654321.")
				}
				phone, err := billing.ParsePhone(raw)
				if err != nil {
					return "", err
				}
				if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
					return "", err
				}
				run, events, err := b.startPairing(r.ChatID, func(ctx context.Context) (<-chan whatsapp.PairEvent, error) {
					return b.wa.PairPhone(ctx, r.ChatID, phone)
				})
				if err != nil {
					return Done, b.pairStartFailed(r, err)
				}
				msgID, err := r.Reply(Message{Text: Textf("⏳ Gerando o código para %s…", billing.FormatPhone(phone))})
				if err != nil {
					run.release()
					return Done, err
				}
				b.spawn(func() {
					defer run.release()
					b.runPairing(run, events, &pairScreen{b: b, chatID: r.ChatID, byCode: true, msgID: msgID})
				})
				return Done, nil
			},
		},
	}}
}

// ---- test and unlink ----

func (b *Bot) onWATest(r *Request) error {
	st, err := b.wa.Status(r.Ctx, r.ChatID)
	if err != nil {
		return err
	}
	_ = r.Toast("Enviando…")
	id, err := b.wa.SendTest(r.Ctx, r.ChatID, testMessage)
	if err != nil {
		return b.sendFailed(r, err)
	}
	if _, err := r.Tenant.Messages().Log(r.Ctx, store.NewMessage{Phone: st.Phone, Kind: kindTest, Origin: store.OriginTest,
		Status: store.MsgSent, WAID: id, Body: testMessage}); err != nil {
		return err
	}
	return r.SayKB(Textf("✅ Mensagem de teste enviada para o seu próprio número (%s). Confira no WhatsApp.", billing.FormatPhone(st.Phone)),
		Keyboard{Row(Btn("📱 WhatsApp", CB(actWA))), backToMenu()})
}

// sendFailed explains a WhatsApp send error in pt-BR, with the button that
// fixes it when there is one.
func (b *Bot) sendFailed(r *Request, err error) error {
	text, kb := sendErrorText(r, err)
	if text == "" {
		return err
	}
	return r.SayKB(text, kb)
}

// sendErrorText maps the typed errors of the WhatsApp side to pt-BR.
func sendErrorText(r *Request, err error) (string, Keyboard) {
	connect := Keyboard{Row(Btn("📱 Conectar WhatsApp", CB(actWA)))}
	var ban *whatsapp.TempBanError
	var rl *whatsapp.RateLimitedError
	var capErr *whatsapp.DailyCapError
	var tr *whatsapp.TransientError
	var refused *whatsapp.ConnectFailedError
	switch {
	case errors.Is(err, whatsapp.ErrNotLinked):
		return "📵 Seu WhatsApp não está conectado. Conecte para enviar mensagens.", connect
	case errors.As(err, &ban):
		return Textf("⛔ Seu WhatsApp está suspenso temporariamente até %s. Tente depois.", r.clockBR(ban.Until)), nil
	case errors.Is(err, whatsapp.ErrNotOnWhatsApp):
		return "❌ Este número não tem WhatsApp. Confira o telefone do cliente.", nil
	case errors.Is(err, whatsapp.ErrInvalidPhone):
		return "❌ O telefone do cliente é inválido para o WhatsApp. Corrija o cadastro.", nil
	case errors.As(err, &capErr):
		return Textf("🚦 Limite diário de %s atingido para proteger seu número. Os envios voltam amanhã.",
			billing.Plural(capErr.Limit, "mensagem", "mensagens")), nil
	case errors.As(err, &rl):
		if rl.Reachout {
			return "⏳ O WhatsApp bloqueou por um tempo mensagens para contatos novos. Tente mais tarde, ou peça ao cliente para mandar um “oi” antes.", nil
		}
		return "🚦 O WhatsApp pediu uma pausa nos envios. Tente de novo em alguns minutos.", nil
	case errors.Is(err, whatsapp.ErrRecipientRestricted):
		return "❌ O WhatsApp recusou a mensagem para este contato (erro 463). Em geral o cliente ainda não conversou com o seu número: " +
			"peça a ele para salvar seu número ou mandar um “oi”, e envie de novo.", nil
	case errors.As(err, &refused):
		return Textf("📵 O WhatsApp recusou a conexão do seu número (código %d). Nova tentativa a partir de %s: envie de novo depois disso.",
			refused.Code, r.clockBR(refused.RetryAt)), connect
	case errors.As(err, &tr), errors.Is(err, whatsapp.ErrNotConnected):
		return "📶 Seu WhatsApp está sem conexão agora. Confira se o celular está com internet e tente de novo.", connect
	}
	return "", nil
}

func (b *Bot) onWAUnlinkAsk(r *Request) error {
	return r.Show(Message{
		Text: "🔌 <b>Desconectar seu WhatsApp?</b>\n\nO bot para de enviar lembretes até você conectar de novo. Seus clientes e configurações ficam salvos.",
		Keyboard: Keyboard{
			// Acts once (once.go): pressed again, even after the number
			// was linked anew, it unlinks nothing.
			Row(Btn("🔌 Sim, desconectar", CB(actWAUnYes, onceToken()))),
			Row(Btn("↩️ Não", CB(actWA))),
		},
	})
}

func (b *Bot) onWAUnlinkYes(r *Request) error {
	once, err := onceArg(r, 0)
	if err != nil {
		return err
	}
	return actOnce(r, once, "Este botão já foi usado: o WhatsApp já foi desconectado. Nada foi feito de novo.", func() error {
		_ = r.Toast("Desconectando…")
		err := b.wa.Unlink(r.Ctx, r.ChatID)
		switch {
		case errors.Is(err, whatsapp.ErrLogoutFailed):
			b.log.Warn("whatsapp logout failed; cleaned locally", "chat", r.ChatID, "err", err)
			return r.Show(Message{Text: "🔌 Desconectado aqui no bot, mas não consegui avisar o WhatsApp agora. " +
				"Para garantir, no celular abra WhatsApp › Aparelhos conectados e remova o aparelho.", Keyboard: Keyboard{backToMenu()}})
		case err != nil:
			return err
		}
		b.log.Info("whatsapp unlinked", "chat", r.ChatID)
		return r.Show(Message{Text: "🔌 WhatsApp desconectado. Conecte de novo quando quiser.", Keyboard: Keyboard{
			Row(Btn("📱 WhatsApp", CB(actWA))), backToMenu()}})
	})
}

// ---- events from the WhatsApp side ----

// NotifyWhatsApp implements whatsapp.Notifier: it queues a pt-BR notice for
// the reseller and returns at once (it runs on the library's goroutines).
func (b *Bot) NotifyWhatsApp(_ context.Context, ev whatsapp.Event) {
	select {
	case b.notices <- ev:
	default:
		b.log.Warn("notice queue full, dropping WhatsApp notice", "chat", ev.ChatID, "kind", ev.Kind)
	}
}

// runNotices sends queued notices until the bot stops.
func (b *Bot) runNotices() {
	for {
		select {
		case <-b.life.Done():
			return
		case ev := <-b.notices:
			b.deliverNotice(ev)
		}
	}
}

func (b *Bot) deliverNotice(ev whatsapp.Event) {
	ctx := b.life
	if ev.ChatID == 0 {
		b.adminNotice(ctx, ev)
		return
	}
	res, err := b.store.Tenant(ev.ChatID).Account().Get(ctx)
	if err != nil {
		b.log.Warn("notice for unknown reseller", "chat", ev.ChatID, "kind", ev.Kind, "err", err)
		return
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return "mais tarde"
		}
		return t.In(res.Location()).Format("02/01 às 15:04")
	}
	connect := Keyboard{Row(Btn("📱 WhatsApp", CB(actWA)))}
	var text string
	var kb Keyboard
	switch ev.Kind {
	case whatsapp.EventLoggedOut:
		text, kb = "⚠️ <b>Seu WhatsApp foi desconectado pelo celular</b> (Aparelhos conectados). Os lembretes estão pausados até você conectar de novo.", connect
	case whatsapp.EventTempBan:
		text = Textf("⛔ <b>O WhatsApp suspendeu temporariamente seu número</b> até %s. Os lembretes ficam parados e voltam sozinhos depois. Evite enviar muitas mensagens seguidas para contatos novos.", when(ev.Until))
	case whatsapp.EventReachoutTimelock:
		text = Textf("⏳ O WhatsApp bloqueou por um tempo mensagens para <b>contatos novos</b> (que nunca conversaram com você), até %s. Para quem já conversa com você, os lembretes continuam saindo.", when(ev.Until))
	case whatsapp.EventClientOutdated:
		// Sent only when the automatic update failed; the admins got one
		// notice for all resellers (adminNotice).
		text = "⚠️ A conexão com o WhatsApp precisa de uma atualização do sistema. O administrador foi avisado; os lembretes esperam."
	case whatsapp.EventConnectionLost:
		if ev.Refusal != 0 {
			text, kb = Textf("📵 <b>Seu WhatsApp está sem conexão</b>: o WhatsApp recusou a conexão do seu número (código %d). "+
				"Os lembretes esperam e saem quando a conexão voltar; em 📱 WhatsApp você vê quando será a próxima tentativa.", ev.Refusal), connect
			break
		}
		text, kb = "📵 <b>Seu WhatsApp está sem conexão</b> há alguns minutos. Confira se o celular está ligado e com internet. Os lembretes esperam e saem quando a conexão voltar.", connect
	case whatsapp.EventConnectionRestored:
		text = "📶 Conexão com o WhatsApp restabelecida."
	case whatsapp.EventStreamReplaced:
		text, kb = "⚠️ Seu WhatsApp foi aberto em outro programa usando a conexão do bot. Se não foi você, desconecte e conecte de novo.", connect
	default:
		// EventLinked: the pairing message already shows it.
		return
	}
	if _, err := b.send.SendText(ctx, ev.ChatID, Message{Text: text, Keyboard: kb}); err != nil && !errors.Is(err, context.Canceled) {
		b.log.Warn("deliver WhatsApp notice", "chat", ev.ChatID, "kind", ev.Kind, "err", err)
	}
}

// adminNotice tells every admin, once, about an event of the WhatsApp side
// as a whole (ChatID 0): one message per event, whatever the number of
// resellers it concerns.
func (b *Bot) adminNotice(ctx context.Context, ev whatsapp.Event) {
	var text string
	switch ev.Kind {
	case whatsapp.EventVersionUpdated:
		text = Textf("🔄 <b>WhatsApp: versão do cliente atualizada.</b>\n\nO WhatsApp recusou a versão do cliente (erro 405). "+
			"O bot passou a usar a versão mais recente (<code>%s</code>) e reconectou %s. Atualize o whatsmeow no próximo deploy.",
			ev.Detail, billing.Plural(ev.Count, "sessão", "sessões"))
	case whatsapp.EventVersionFailed:
		text = Textf("⚠️ <b>WhatsApp: versão do cliente recusada</b> (erro 405), e não consegui atualizar sozinho (o motivo está no log).\n\n"+
			"%s esperando. Atualize o whatsmeow e reinicie o bot; enquanto isso tento de novo a cada hora.",
			billing.Plural(ev.Count, "revendedor está", "revendedores estão"))
	default:
		b.log.Warn("unknown admin notice", "kind", ev.Kind)
		return
	}
	_ = b.toAdmins(ctx, "whatsapp "+string(ev.Kind), func(id int64) error {
		_, err := b.send.SendText(ctx, id, Message{Text: text})
		return err
	})
}
