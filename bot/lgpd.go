package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"renovabot/billing"
	"renovabot/store"
	"renovabot/whatsapp"
)

// LGPD rights of the reseller, which hold whatever their access: a copy of
// all their data (/meusdados) and the erasure of all of it (/apagarconta).

const (
	actMyData   = "lgx" // -
	actEraseAsk = "lgd" // -
	flowErase   = "apagar_conta"
	eraseWord   = "APAGAR"

	// Telegram takes documents up to 50 MB from bots.
	maxExportBytes = 48 << 20
)

func (b *Bot) registerLGPD() {
	b.addCommand("meusdados", 95, "Baixar uma cópia de todos os seus dados (LGPD)", b.cmdExport)
	b.addCommand("apagarconta", 96, "Apagar sua conta e todos os seus dados (LGPD)", b.cmdErase)
	b.addCallback(actMyData, b.cmdExport)
	b.addCallback(actEraseAsk, b.cmdErase)
	b.RegisterFlow(eraseFlow(b))
}

// cmdExport sends the reseller a JSON file with every row the database
// holds about them (store.Tenant.Export), and nothing about anyone else.
func (b *Bot) cmdExport(r *Request) error {
	_ = r.Toast("Preparando seus dados…")
	ex, err := r.Tenant.Export(r.Ctx)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		return fmt.Errorf("bot: export json: %w", err)
	}
	if len(data) > maxExportBytes {
		b.log.Error("export too large for Telegram", "chat", r.ChatID, "bytes", len(data))
		return r.Say(Textf("⚠️ Seus dados passam de %d MB, o limite de arquivos do Telegram. Fale com %s para receber a cópia de outra forma.",
			maxExportBytes>>20, Raw(b.contactText())))
	}
	name := fmt.Sprintf("renovabot-meus-dados-%s.json", r.Today().ISO())
	_, err = b.send.SendDocument(r.Ctx, r.ChatID, name, data, Message{Text: "📄 <b>Seus dados no RenovaBot</b>\n\n" +
		"Tudo o que guardamos sobre você, em JSON: conta, clientes, planos, servidores, pagamentos, modelos de mensagem, " +
		"dados da empresa, registro do WhatsApp (sem chaves), mensagens enviadas e a conversa em andamento."})
	return err
}

func (b *Bot) cmdErase(r *Request) error {
	_ = r.Toast("")
	return b.StartFlow(r, flowErase, nil)
}

// eraseFlow asks for the word APAGAR, typed, before erasing everything.
func eraseFlow(b *Bot) *Flow {
	return &Flow{Name: flowErase, Title: "Apagar conta", First: "confirmar", Open: true, Steps: map[string]*Step{
		"confirmar": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				sum, err := r.Tenant.Clients().Summary(r.Ctx, r.Today())
				if err != nil {
					return Message{}, err
				}
				return Message{Text: Textf("🗑️ <b>Apagar sua conta?</b>\n\nIsto apaga <b>todos</b> os seus dados do RenovaBot: "+
					"%s, planos, servidores, pagamentos, mensagens, modelos e dados da empresa, e desconecta seu WhatsApp do bot. "+
					"<b>Não dá para desfazer.</b>\n\nSe quiser uma cópia antes, envie /cancelar e depois /meusdados.\n\n"+
					"Para confirmar, digite <code>%s</code>.", billing.Plural(sum.Total, "cliente", "clientes"), eraseWord)}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				// The exact word, in capitals: erasing everything takes a
				// deliberate answer, not one typed in passing ("apagar").
				if strings.TrimSpace(in.Text) != eraseWord {
					return "", billing.Invalid("Nada foi apagado. Para apagar, digite %s exatamente assim, em letras maiúsculas. Para desistir, envie /cancelar.", eraseWord)
				}
				logoutFailed, err := b.eraseAccount(r.Ctx, r.ChatID, r.Tenant.Account().Erase)
				if err != nil {
					return "", err
				}
				b.log.Info("reseller erased their account", "chat", r.ChatID)
				text := "✅ <b>Pronto: sua conta e todos os seus dados foram apagados</b> e seu WhatsApp foi desconectado do bot.\n\n" +
					"Se quiser usar o RenovaBot de novo, envie /start."
				if logoutFailed {
					text += "\n\n" + txtLogoutFailedHint
				}
				return Done, r.Say(text)
			},
		},
	}}
}

const txtLogoutFailedHint = "ℹ️ Não consegui avisar o WhatsApp agora: para garantir, no celular abra WhatsApp › Aparelhos conectados e remova o aparelho do bot."

// eraseAccount erases chatID's account, for /apagarconta and the admin's
// excluir alike (eraseRows deletes the rows, each its own way). It holds
// the reseller's erasure lock throughout, so their scheduler job is
// stopped first and none starts meanwhile (no notice reaches an account
// being erased), and has the WhatsApp manager cancel a pairing, log the
// device out and remove its file before the rows go, with no pairing
// possible in between. A logout the server did not confirm does not stop
// the erasure (the local keys are gone either way): logoutFailed tells the
// caller to have the device removed on the phone.
func (b *Bot) eraseAccount(ctx context.Context, chatID int64, eraseRows func(context.Context) error) (logoutFailed bool, err error) {
	release, err := b.store.Tenant(chatID).LockForErasure(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	rows := func(ctx context.Context) error {
		err := eraseRows(ctx)
		if errors.Is(err, store.ErrResidue) {
			// Erased; only older copies of pages wait for the next
			// checkpoint. The operator should know, the user is served.
			b.log.Error("account erased, but the WAL was not emptied", "chat", chatID, "err", err)
			return nil
		}
		return err
	}
	if b.wa == nil {
		return false, rows(ctx)
	}
	err = b.wa.Erase(ctx, chatID, rows)
	if errors.Is(err, whatsapp.ErrLogoutFailed) {
		b.log.Warn("whatsapp logout failed before erasure; cleaned locally", "chat", chatID, "err", err)
		return true, nil
	}
	return false, err
}
