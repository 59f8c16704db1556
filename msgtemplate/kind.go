// Package msgtemplate holds the messages a reseller's clients receive on
// WhatsApp: the kinds of message, their default texts, the {variables} a
// reseller may use, and the parser/renderer of those templates. It is pure:
// everything a message needs (client, the reseller's company, today) comes
// in as arguments, so one reseller's settings can never leak into
// another's messages through shared state.
package msgtemplate

// Kind names a message the bot sends. The string values are stored in the
// database and appear in callback data, so they never change.
type Kind string

const (
	KindWelcome   Kind = "boas_vindas"
	KindBeforeDue Kind = "lembrete"
	KindDueToday  Kind = "vence_hoje"
	KindOverdue   Kind = "vencido"
	KindRenewed   Kind = "renovacao"
	KindCharge    Kind = "cobranca"
	KindFree      Kind = "livre"
)

// Kinds of messages that have no template: the message log names them so,
// and the history and the reports show their Label. Not in Kinds (Valid
// is false): no template screen or send button offers them.
const (
	KindReply  Kind = "resposta" // the reseller's answer to what a client wrote (Responder)
	KindOptOut Kind = "saida"    // the confirmation a client who answered SAIR gets
	KindOptIn  Kind = "retorno"  // the confirmation a client who answered VOLTAR gets
)

// Kinds lists every kind in the order the template menu shows them: the
// client's life cycle first, then the manual ones.
var Kinds = []Kind{KindWelcome, KindBeforeDue, KindDueToday, KindOverdue, KindRenewed, KindCharge, KindFree}

// Label returns the pt-BR name shown on buttons and screens.
func (k Kind) Label() string {
	switch k {
	case KindWelcome:
		return "Boas-vindas"
	case KindBeforeDue:
		return "Lembrete antes do vencimento"
	case KindDueToday:
		return "Vence hoje"
	case KindOverdue:
		return "Vencido"
	case KindRenewed:
		return "Renovação confirmada"
	case KindCharge:
		return "Cobrança"
	case KindFree:
		return "Mensagem livre"
	case KindReply:
		return "Resposta"
	case KindOptOut:
		return "Confirmação de SAIR"
	case KindOptIn:
		return "Confirmação de VOLTAR"
	}
	return string(k)
}

// Agree picks the form of a word that agrees with Label in gender and
// number, of its masculine, feminine and feminine plural forms: "Lembrete
// antes do vencimento" desligado, "Cobrança" desligada, "Boas-vindas"
// desligadas.
func (k Kind) Agree(masc, fem, femPlural string) string {
	switch k {
	case KindWelcome:
		return femPlural
	case KindRenewed, KindCharge, KindFree:
		return fem
	}
	return masc
}

// Valid reports whether k is one of Kinds (e.g. to check a value read from
// callback data or the database).
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// DefaultText returns the text used when the reseller has not written
// their own. KindFree has no default: it is typed at the moment of sending,
// so its default is "" and the caller must refuse to send an empty message.
// Unknown kinds also return "".
//
// The reminders say when the plan is due with {quando_vence}, which
// carries its own verb ("vence em 3 dias", "venceu há 2 dias"), so even a
// reminder sent on a day it was not written for reads right. Stores keep
// a copy of these texts per reseller: a change here needs a migration that
// updates the copies still equal to the old text (see store migration
// 0015).
//
// The texts use only client data and the company name, never the PIX
// variables, except KindCharge whose whole point is payment: a reseller who
// has not configured PIX yet still gets reminders that read well, and the
// template screen can suggest adding {pix_copia_cola}.
func DefaultText(k Kind) string {
	return defaults[k]
}

var defaults = map[Kind]string{
	KindWelcome: `Olá, {primeiro_nome}! Seja bem-vindo(a) 😊

Seu plano *{plano}* já está ativo.
💰 Valor: *{valor}*
📅 Próximo vencimento: *{vencimento}*

Quando estiver perto do vencimento, eu aviso você por aqui. Qualquer dúvida, é só responder esta mensagem.

{empresa}`,

	KindBeforeDue: `Olá, {primeiro_nome}! Tudo bem?

Passando para lembrar que seu plano *{plano}* {quando_vence}, no dia *{vencimento}*.
💰 Valor: *{valor}*

Para renovar, é só fazer o pagamento e enviar o comprovante aqui. Obrigado pela preferência!`,

	KindDueToday: `Olá, {primeiro_nome}!

Seu plano *{plano}* {quando_vence} ({vencimento}).
💰 Valor: *{valor}*

Renove ainda hoje para continuar sem interrupção. Depois de pagar, é só mandar o comprovante por aqui. 😉`,

	KindOverdue: `Olá, {primeiro_nome}.

Seu plano *{plano}* {quando_vence} ({vencimento}) e ainda não identificamos o pagamento.
💰 Valor: *{valor}*

Para regularizar, faça o pagamento e envie o comprovante por aqui. Se você já pagou, por favor desconsidere esta mensagem.`,

	KindRenewed: `Pagamento confirmado! ✅

Obrigado, {primeiro_nome}. Seu plano *{plano}* foi renovado.
📅 Próximo vencimento: *{vencimento}*

Conte sempre com a gente!`,

	KindCharge: `Olá, {primeiro_nome}! Segue a cobrança do seu plano *{plano}*.

💰 Valor: *{valor}*
📅 Vencimento: *{vencimento}*

Para pagar com Pix copia e cola, copie o código abaixo e cole no app do seu banco:

{pix_copia_cola}

Se preferir, use a chave Pix {pix_chave} ({pix_titular}).

Depois do pagamento, envie o comprovante por aqui. Obrigado!`,

	KindFree: "",
}

// StageKinds are the kinds a reminder stage may use: the three written for
// the days around the due date, and the charge with the PIX code. Welcome,
// renewal and free texts make no sense as automatic reminders.
var StageKinds = []Kind{KindBeforeDue, KindDueToday, KindOverdue, KindCharge}

// KindForStage is the default kind of a reminder stage (a day offset from
// the due date): before it "lembrete", on the day "vence hoje", after it
// "vencido".
func KindForStage(offset int) Kind {
	switch {
	case offset < 0:
		return KindBeforeDue
	case offset == 0:
		return KindDueToday
	}
	return KindOverdue
}

// ValidStageKind reports whether k may be used by a reminder stage.
func ValidStageKind(k Kind) bool {
	for _, v := range StageKinds {
		if k == v {
			return true
		}
	}
	return false
}
