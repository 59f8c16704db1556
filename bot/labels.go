package bot

import (
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
