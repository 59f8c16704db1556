package whatsapptest

import (
	"context"
	"fmt"
	"sync"

	"renovabot/internal/wake"
	"renovabot/whatsapp"
)

// ReceiptRecord is one receipt a Recorder got.
type ReceiptRecord struct {
	ChatID    int64
	MessageID string
	Receipt   whatsapp.Receipt
}

// Recorder is a whatsapp.Notifier and whatsapp.ReceiptSink that remembers
// everything, with waits instead of sleeps.
type Recorder struct {
	mu       sync.Mutex
	changed  wake.Signal
	events   []whatsapp.Event
	receipts []ReceiptRecord
}

var (
	_ whatsapp.Notifier    = (*Recorder)(nil)
	_ whatsapp.ReceiptSink = (*Recorder)(nil)
)

func NewRecorder() *Recorder { return &Recorder{} }

func (r *Recorder) NotifyWhatsApp(_ context.Context, ev whatsapp.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.changed.Touch()
	r.mu.Unlock()
}

func (r *Recorder) MessageReceipt(_ context.Context, chatID int64, id string, rc whatsapp.Receipt) {
	r.mu.Lock()
	r.receipts = append(r.receipts, ReceiptRecord{chatID, id, rc})
	r.changed.Touch()
	r.mu.Unlock()
}

// Events returns the notifications so far.
func (r *Recorder) Events() []whatsapp.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]whatsapp.Event(nil), r.events...)
}

// Receipts returns the receipts so far.
func (r *Recorder) Receipts() []ReceiptRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ReceiptRecord(nil), r.receipts...)
}

// WaitForEvent waits for a notification of kind for chatID and returns it.
func (r *Recorder) WaitForEvent(ctx context.Context, chatID int64, kind whatsapp.EventKind) (whatsapp.Event, error) {
	var found whatsapp.Event
	err := r.changed.Wait(ctx, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, ev := range r.events {
			if ev.ChatID == chatID && ev.Kind == kind {
				found = ev
				return true
			}
		}
		return false
	})
	if err != nil {
		return whatsapp.Event{}, fmt.Errorf("whatsapptest: no %s event for chat %d: %w", kind, chatID, err)
	}
	return found, nil
}

// WaitForReceipts waits until at least n receipts arrived.
func (r *Recorder) WaitForReceipts(ctx context.Context, n int) error {
	err := r.changed.Wait(ctx, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.receipts) >= n
	})
	if err != nil {
		return fmt.Errorf("whatsapptest: %d receipts not reached: %w", n, err)
	}
	return nil
}
