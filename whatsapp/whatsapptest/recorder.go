package whatsapptest

import (
	"context"
	"fmt"
	"sync"

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
	changed  chan struct{}
	events   []whatsapp.Event
	receipts []ReceiptRecord
}

var (
	_ whatsapp.Notifier    = (*Recorder)(nil)
	_ whatsapp.ReceiptSink = (*Recorder)(nil)
)

func NewRecorder() *Recorder { return &Recorder{changed: make(chan struct{})} }

func (r *Recorder) NotifyWhatsApp(_ context.Context, ev whatsapp.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

func (r *Recorder) MessageReceipt(_ context.Context, chatID int64, id string, rc whatsapp.Receipt) {
	r.mu.Lock()
	r.receipts = append(r.receipts, ReceiptRecord{chatID, id, rc})
	close(r.changed)
	r.changed = make(chan struct{})
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
	for {
		r.mu.Lock()
		for _, ev := range r.events {
			if ev.ChatID == chatID && ev.Kind == kind {
				r.mu.Unlock()
				return ev, nil
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return whatsapp.Event{}, fmt.Errorf("whatsapptest: no %s event for chat %d: %w", kind, chatID, ctx.Err())
		}
	}
}

// WaitForReceipts waits until at least n receipts arrived.
func (r *Recorder) WaitForReceipts(ctx context.Context, n int) error {
	for {
		r.mu.Lock()
		ok := len(r.receipts) >= n
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("whatsapptest: %d receipts not reached: %w", n, ctx.Err())
		}
	}
}
