package bot

import (
	"time"

	"renovabot/msgtemplate"
	"renovabot/store"
)

// Labels shared by every screen and export that names message statuses, so
// the card history, the reports and the CSV say the same thing. Reminder
// stages are named by billing.StageLabel, counts by billing.Plural.

var msgStatusNames = map[store.MessageStatus]struct{ icon, word string }{
	store.MsgPending:   {"⏳", "pendente"},
	store.MsgSending:   {"⏳", "pendente"},
	store.MsgSent:      {"✔️", "enviado"},
	store.MsgDelivered: {"📬", "entregue"},
	store.MsgRead:      {"👀", "lido"},
	store.MsgFailed:    {"❌", "falhou"},
	store.MsgSkipped:   {"⏭️", "ignorado"},
	store.MsgCancelled: {"🚫", "cancelado"},
}

// msgStatusLabel is the status in words (CSV exports).
func msgStatusLabel(s store.MessageStatus) string {
	if n, ok := msgStatusNames[s]; ok {
		return n.word
	}
	return string(s)
}

// statusLabel is the status with its icon (screens).
func statusLabel(s store.MessageStatus) string {
	if n, ok := msgStatusNames[s]; ok {
		return n.icon + " " + n.word
	}
	return string(s)
}

// kindTest is the kind logged for the WhatsApp test message (not a
// template: its text is fixed).
const kindTest = "teste"

// kindLabel names the kind of a logged message in pt-BR, as the template
// screens name it ("Lembrete antes do vencimento", "Vence hoje").
func kindLabel(kind string) string {
	if kind == kindTest {
		return "Teste do WhatsApp"
	}
	return msgtemplate.Kind(kind).Label()
}

// messageTime is when a logged message happened: when it left, or, for one
// that never did (failed, skipped, cancelled, still waiting), when it was
// recorded.
func messageTime(m store.Message) time.Time {
	if !m.SentAt.IsZero() {
		return m.SentAt
	}
	return m.CreatedAt
}

// dateTimeBR is the one way a full moment is written (exports, cards):
// dd/mm/aaaa hh:mm in the reseller's time zone.
func dateTimeBR(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("02/01/2006 15:04")
}
