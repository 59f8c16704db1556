package scheduler

import (
	"errors"
	"fmt"

	"renovabot/billing"
	"renovabot/msgtemplate"
	"renovabot/whatsapp"
)

// Reasons written on reminders that were not sent, failed or wait. They
// are pt-BR because the reseller reads them: in the daily summary and in
// the client card's message history.
const (
	reasonDayMissed    = "Não enviado no dia: o envio automático estava parado."
	reasonClientGone   = "Não enviado: cliente excluído."
	reasonClientPaused = "Não enviado: lembretes do cliente pausados."
	reasonDueChanged   = "Não enviado: o vencimento do cliente mudou."
	reasonNotLinked    = "WhatsApp não conectado."
	reasonBanned       = "WhatsApp suspenso temporariamente."
	reasonOffline      = "WhatsApp sem conexão."
	reasonTransient    = "Falha temporária no WhatsApp."
	// A recipient's refusal (error 463): first the retry, then the failure.
	reasonRestrictedRetry = "O WhatsApp recusou a mensagem para este contato (erro 463). Nova tentativa daqui a pouco."
	reasonRestricted      = "O WhatsApp recusou a mensagem para este contato (erro 463): em geral, o cliente ainda não conversou com o seu número. " +
		"Peça a ele para salvar seu número ou mandar um “oi”, e envie de novo pelo cartão do cliente."
)

func reasonCutoff(latest int) string {
	return fmt.Sprintf("Não enviado até o horário limite (%s).", billing.FormatTimeOfDay(latest))
}

func reasonTemplateOff(k msgtemplate.Kind) string {
	return fmt.Sprintf("Não enviado: a mensagem “%s” está desativada.", k.Label())
}

func reasonTemplateBroken(k msgtemplate.Kind) string {
	return fmt.Sprintf("O texto da mensagem “%s” tem um erro. Corrija o modelo.", k.Label())
}

func reasonTemplateEmpty(k msgtemplate.Kind) string {
	return fmt.Sprintf("O texto da mensagem “%s” está vazio.", k.Label())
}

func reasonDailyCap(limit int) string {
	return "Não enviado: limite diário de " + billing.Plural(limit, "mensagem", "mensagens") + " do seu WhatsApp atingido."
}

func reasonGaveUp(attempts int, why string) string {
	return "Falhou após " + billing.Plural(attempts, "tentativa", "tentativas") + ". " + why
}

// reasonFor explains a send error that is about this message.
func reasonFor(err error) string {
	var rl *whatsapp.RateLimitedError
	switch {
	case errors.Is(err, whatsapp.ErrNotOnWhatsApp):
		return "Este número não tem WhatsApp. Confira o telefone do cliente."
	case errors.Is(err, whatsapp.ErrInvalidPhone):
		return "Telefone inválido para o WhatsApp. Corrija o cadastro do cliente."
	case errors.Is(err, whatsapp.ErrEmptyText):
		return "A mensagem ficou vazia."
	case errors.As(err, &rl) && rl.Reachout:
		return "O WhatsApp bloqueou por um tempo mensagens para contatos novos."
	case errors.As(err, &rl):
		return "O WhatsApp pediu uma pausa nos envios."
	case errors.Is(err, whatsapp.ErrRecipientRestricted):
		return reasonRestricted
	}
	return reasonTransient
}
