package bot

import (
	"context"
	"errors"
	"strings"

	"renovabot/billing"
	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/store"
	"renovabot/whatsapp"
)

// A client who answers SAIR (PARAR, STOP, CANCELAR) stops getting automatic
// reminders, VOLTAR brings them back; the card, the list and the manual
// send's preview show who asked.

// applyOptCommand records a client's SAIR or VOLTAR for every client with
// that number and returns the clients whose state changed.
func (b *Bot) applyOptCommand(r *Request, cmd billing.OptCommand, clients []store.Client, in whatsapp.Inbound) ([]store.Client, error) {
	ids := make([]int64, len(clients))
	byID := map[int64]store.Client{}
	for i, c := range clients {
		ids[i], byID[c.ID] = c.ID, c
	}
	var changed []int64
	var err error
	if cmd == billing.OptOut {
		changed, err = r.Tenant.OptOuts().Request(r.Ctx, ids, optKeyword(in), in.MsgID)
	} else {
		changed, err = r.Tenant.OptOuts().Withdraw(r.Ctx, ids)
	}
	out := make([]store.Client, 0, len(changed))
	for _, id := range changed {
		out = append(out, byID[id])
	}
	if len(out) > 0 {
		b.log.Info("client reminders opt command", "chat", r.ChatID, "out", cmd == billing.OptOut, "clients", len(out))
	}
	return out, err
}

// optKeyword is the word the client answered ("SAIR", "parar"), as it is
// recorded and shown to the reseller.
func optKeyword(in whatsapp.Inbound) string { return Truncate(in.Text, 20) }

// tellOptCommand sends the client the one confirmation (from the
// reseller's WhatsApp, paced, logged in the client's history) and tells
// the reseller what changed and whether the confirmation left.
func (b *Bot) tellOptCommand(r *Request, cmd billing.OptCommand, changed []store.Client, in whatsapp.Inbound) error {
	kind, text := msgtemplate.KindOptOut, optOutConfirmation
	if cmd == billing.OptIn {
		kind, text = msgtemplate.KindOptIn, optInConfirmation
	}
	c := changed[0]
	to := c
	to.Phone = in.From // answer the number that wrote
	sendErr := b.deliver(r, to, kind, compose.Message{Text: text})
	if errors.Is(sendErr, context.Canceled) {
		return sendErr
	}
	names := make([]string, len(changed))
	for i, cl := range changed {
		names[i] = Bold(Truncate(cl.Name, 60))
	}
	var sb strings.Builder
	if cmd == billing.OptOut {
		sb.WriteString(Textf("🚫 %s respondeu “%s”: <b>os lembretes automáticos foram pausados</b> (o cliente pediu para parar).",
			Raw(strings.Join(names, ", ")), optKeyword(in)))
		sb.WriteString("\nVocê ainda pode enviar mensagens pelo cartão do cliente. Se ele responder VOLTAR, os lembretes voltam.")
	} else {
		sb.WriteString(Textf("🔔 %s respondeu “%s”: <b>os lembretes automáticos voltaram</b>.",
			Raw(strings.Join(names, ", ")), optKeyword(in)))
	}
	if sendErr == nil {
		sb.WriteString("\n✅ A confirmação foi enviada pelo seu WhatsApp.")
	} else {
		why, _ := b.failureText(r, sendErr)
		sb.WriteString("\n⚠️ A confirmação não foi enviada: " + why)
	}
	kb := Keyboard{Row(Btn("📇 Ver cliente", openNewCB(actCard, c.ID, "l", string(store.FilterAll), 0)))}
	return b.sendChunks(r, []string{sb.String()}, kb)
}

// optOutNote is the card's line about a client who asked to stop ("" for
// the others). A failure to read it only drops the line.
func (b *Bot) optOutNote(r *Request, c store.Client) string {
	o, ok, err := r.Tenant.OptOuts().Get(r.Ctx, c.ID)
	if err != nil {
		b.log.Warn("opt-out of a client", "chat", r.ChatID, "err", err)
		return ""
	}
	if !ok {
		return ""
	}
	return Textf("🚫 <b>Lembretes pausados: %s</b> (respondeu “%s” em %s). Se responder VOLTAR, eles voltam.\n",
		o.Reason, o.Keyword, r.clockBR(o.RequestedAt))
}

// optOutWarning is the manual send preview's warning for a client who
// asked to stop ("" for the others, and for a number that is no client).
func (b *Bot) optOutWarning(r *Request, c store.Client) string {
	if c.ID == 0 {
		return ""
	}
	o, ok, err := r.Tenant.OptOuts().Get(r.Ctx, c.ID)
	if err != nil || !ok {
		return ""
	}
	return Textf("⚠️ <b>Este cliente pediu para parar</b> de receber lembretes (respondeu “%s” em %s). "+
		"Você ainda pode enviar; envie só o que ele espera receber.", o.Keyword, r.clockBR(o.RequestedAt))
}

// markOptOuts shows 🚫 instead of the status icon on the list buttons of
// clients who asked to stop (the first len(list) rows of kb are theirs).
func (b *Bot) markOptOuts(r *Request, list []store.Client, kb Keyboard) {
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	outs, err := r.Tenant.OptOuts().Of(r.Ctx, ids)
	if err != nil {
		b.log.Warn("opt-outs of a list", "chat", r.ChatID, "err", err)
		return
	}
	today := r.Today()
	for i, c := range list {
		if _, ok := outs[c.ID]; ok && i < len(kb) && len(kb[i]) == 1 {
			kb[i][0].Text = "🚫" + strings.TrimPrefix(kb[i][0].Text, c.Status(today).Icon())
		}
	}
}
