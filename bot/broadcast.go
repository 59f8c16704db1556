package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"renovabot/billing"
	"renovabot/store"
)

// Aviso geral: an admin's message to every reseller with access. The text
// is typed, previewed exactly as it will arrive, confirmed, and then sent
// in the background through the rate-limited Sender (Telegram's global
// limit applies to a broadcast like to anything else), while one message
// in the admin's chat shows the progress and, at the end, how many were
// delivered and how many resellers had blocked the bot.

// broadcastProgressEvery is how many sends pass between two edits of the
// progress message (edits count against the admin chat's own limit).
const broadcastProgressEvery = 25

const txtBroadcastHeading = "📣 <b>Aviso do RenovaBot</b>\n\n"

func (b *Bot) onAdmBroadcast(r *Request) error {
	if b.broadcasting.Load() {
		return r.Alert("Já há um aviso sendo enviado. Espere ele terminar para enviar outro.")
	}
	ids, err := b.broadcastRecipients(r)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return r.Alert("Nenhum outro revendedor tem acesso ativo agora: não há para quem enviar o aviso.")
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowAdmBroadcast, nil)
}

func (b *Bot) broadcastRecipients(r *Request) ([]int64, error) {
	return b.store.AdminBroadcastRecipients(r.Ctx, b.clock.Now(), r.ChatID)
}

func admBroadcastFlow(b *Bot) *Flow {
	return &Flow{Name: flowAdmBroadcast, Title: "Aviso geral", First: "texto", Steps: map[string]*Step{
		"texto": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				ids, err := b.broadcastRecipients(r)
				if err != nil {
					return Message{}, err
				}
				return Message{Text: Textf("📣 <b>Aviso geral</b>\n\nDigite a mensagem para <b>%s</b> com acesso ativo "+
					"(até %d caracteres). Você vai ver uma prévia antes de enviar.", resellersCount(len(ids)), broadcastLimit)}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				text := strings.TrimSpace(in.Text)
				switch n := utf8.RuneCountInString(text); {
				case n == 0:
					return "", billing.Invalid("Digite o texto do aviso.")
				case n > broadcastLimit:
					return "", billing.Invalid("O aviso tem %d caracteres; o máximo é %d.", n, broadcastLimit)
				}
				c.Set("texto", text)
				return "confirmar", nil
			},
		},
		"confirmar": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				ids, err := b.broadcastRecipients(r)
				if err != nil {
					return Message{}, err
				}
				return Message{
					Text: "👀 <b>Prévia</b> — é assim que os revendedores vão receber:\n\n" +
						"━━━━━━━━━━\n" + txtBroadcastHeading + Esc(c.Get("texto")) + "\n━━━━━━━━━━\n\n" +
						Textf("Enviar para <b>%s</b> com acesso ativo?", resellersCount(len(ids))),
					Keyboard: Keyboard{Row(FlowBtn(c, "📣 Enviar para "+resellersCount(len(ids)), "sim"), FlowBtn(c, "✏️ Reescrever", "editar"))},
				}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				choice := in.Choice
				if !in.IsChoice {
					choice = strings.ToLower(strings.TrimSpace(in.Text))
				}
				switch {
				case choice == "editar":
					return "texto", nil
				case choice != "sim" && !isYes(choice):
					return "", billing.Invalid("Toque em 📣 Enviar para confirmar, em ✏️ Reescrever para mudar o texto, ou envie /cancelar.")
				}
				if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
					return "", err
				}
				return Done, b.startBroadcast(r, c.Get("texto"))
			},
		},
	}}
}

// startBroadcast takes the recipients as of the confirmation and sends in
// the background, so the admin's chat stays usable meanwhile.
func (b *Bot) startBroadcast(r *Request, text string) error {
	if !b.broadcasting.CompareAndSwap(false, true) {
		return r.Say("⏳ Já há um aviso sendo enviado. Espere ele terminar para enviar outro.")
	}
	ids, err := b.broadcastRecipients(r)
	if err != nil {
		b.broadcasting.Store(false)
		return err
	}
	msgID, err := r.Reply(Message{Text: broadcastProgress(0, len(ids), broadcastCount{})})
	if err != nil {
		b.broadcasting.Store(false)
		return err
	}
	admin := r.ChatID
	b.log.Info("broadcast started", "admin", admin, "recipients", len(ids))
	b.spawn(func() {
		defer b.broadcasting.Store(false)
		b.runBroadcast(b.life, admin, msgID, text, ids)
	})
	return nil
}

func resellersCount(n int) string { return billing.Plural(n, "revendedor", "revendedores") }

type broadcastCount struct{ delivered, blocked, failed int }

// words writes the counts as the admin reads them, each agreeing with its
// number: "1 entregue", "2 bloquearam o bot", "1 falhou".
func (n broadcastCount) words() (delivered, blocked, failed string) {
	return billing.Plural(n.delivered, "entregue", "entregues"),
		billing.Plural(n.blocked, "bloqueou o bot", "bloquearam o bot"),
		billing.Plural(n.failed, "falhou", "falharam")
}

func broadcastProgress(done, total int, n broadcastCount) string {
	delivered, blocked, failed := n.words()
	return Textf("📣 <b>Enviando aviso…</b> %d de %d\n✅ %s · 🚫 %s · ⚠️ %s", done, total, delivered, blocked, failed)
}

func broadcastResult(total int, n broadcastCount, interrupted bool) string {
	title := "📣 <b>Aviso enviado</b>"
	if interrupted {
		title = "⏹️ <b>Envio do aviso interrompido</b> (o bot foi parado)"
	}
	delivered, blocked, failed := n.words()
	return Textf("%s para %s\n\n✅ %s\n🚫 %s (não recebem mensagens)\n⚠️ %s",
		Raw(title), resellersCount(total), delivered, blocked, failed)
}

// runBroadcast sends text to every id, one after the other: the Sender's
// limiter spaces them, a 429 waits and retries, a 403 (the reseller
// blocked the bot) is counted and marks them unreachable.
func (b *Bot) runBroadcast(ctx context.Context, admin int64, msgID int, text string, ids []int64) {
	body := Message{Text: txtBroadcastHeading + Esc(text)}
	var n broadcastCount
	sent := 0
	for i, id := range ids {
		if ctx.Err() != nil {
			break
		}
		_, err := b.send.SendText(ctx, id, body)
		switch {
		case err == nil:
			n.delivered++
		case errors.Is(err, ErrUnreachable):
			n.blocked++
		case ctx.Err() != nil:
			// Stopping: this one was not sent.
			continue
		default:
			n.failed++
			b.log.Warn("broadcast send failed", "chat", id, "err", err)
		}
		sent = i + 1
		if sent%broadcastProgressEvery == 0 && sent < len(ids) {
			if err := b.send.EditText(ctx, admin, msgID, Message{Text: broadcastProgress(sent, len(ids), n)}); err != nil {
				b.log.Warn("broadcast progress", "admin", admin, "err", err)
			}
		}
	}
	interrupted := sent < len(ids)
	// The outcome is recorded even when the bot is stopping.
	final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	delivered, blocked, failed := n.words()
	detail := fmt.Sprintf("%s: %s, %s, %s", billing.Plural(len(ids), "destinatário", "destinatários"), delivered, blocked, failed)
	if interrupted {
		detail += " (interrompido)"
	}
	detail += " — “" + Truncate(text, 60) + "”"
	// Audited before the admin sees the result, so what the admin sees is
	// already on record.
	if err := b.store.AdminRecordAudit(final, store.AuditEntry{AdminID: admin, Action: store.AuditBroadcast, Detail: detail}); err != nil {
		b.log.Error("audit broadcast", "admin", admin, "err", err)
	}
	if err := b.send.EditText(final, admin, msgID, Message{Text: broadcastResult(len(ids), n, interrupted)}); err != nil {
		b.log.Warn("broadcast result", "admin", admin, "err", err)
	}
	b.log.Info("broadcast finished", "admin", admin, "delivered", n.delivered, "blocked", n.blocked, "failed", n.failed, "interrupted", interrupted)
}
