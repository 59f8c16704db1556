package whatsapp

import (
	"log/slog"

	"renovabot/store"
)

// NewSmallReceiptWriter is NewReceiptWriter with a queue of queueMax
// messages, so a test fills it with a few hundred receipts.
func NewSmallReceiptWriter(s *store.Store, log *slog.Logger, queueMax int) *ReceiptWriter {
	w := NewReceiptWriter(s, log)
	w.mu.Lock()
	w.queueMax = queueMax
	w.mu.Unlock()
	return w
}
