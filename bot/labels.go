package bot

import (
	"fmt"
	"strconv"

	"renovabot/store"
)

// Labels shared by every screen and export that names reminder stages and
// message statuses, so the card history, the reports and the CSV say the
// same thing.

// stageLabel names a reminder stage by its day offset from the due date.
func stageLabel(stage int) string {
	switch {
	case stage == 0:
		return "no dia do vencimento"
	case stage == -1:
		return "1 dia antes"
	case stage < 0:
		return fmt.Sprintf("%d dias antes", -stage)
	case stage == 1:
		return "1 dia depois"
	}
	return fmt.Sprintf("%d dias depois", stage)
}

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

// plural writes n with the singular or plural form: "1 cliente", "3 clientes".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
