package whatsapptest

import (
	"context"
	"fmt"
	"sync"

	"renovabot/internal/wake"
	"renovabot/whatsapp"
)

// Inbox is a whatsapp.InboundHandler that remembers every message it was
// handed, with waits instead of sleeps. With Gate set, each HandleInbound
// first takes a value from it, so a test holds the handler and checks that
// nothing else waits for it.
type Inbox struct {
	Gate chan struct{}

	mu      sync.Mutex
	changed wake.Signal
	got     []whatsapp.Inbound
	maxAct  map[int64]int
	running map[int64]int
}

var _ whatsapp.InboundHandler = (*Inbox)(nil)

// NewInbox returns an empty Inbox without a gate.
func NewInbox() *Inbox {
	return &Inbox{maxAct: map[int64]int{}, running: map[int64]int{}}
}

func (b *Inbox) touchLocked() { b.changed.Touch() }

// HandleInbound records in.
func (b *Inbox) HandleInbound(ctx context.Context, in whatsapp.Inbound) {
	b.mu.Lock()
	b.running[in.ChatID]++
	b.maxAct[in.ChatID] = max(b.maxAct[in.ChatID], b.running[in.ChatID])
	gate := b.Gate
	b.touchLocked()
	b.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	}
	b.mu.Lock()
	b.running[in.ChatID]--
	b.got = append(b.got, in)
	b.touchLocked()
	b.mu.Unlock()
}

// Received returns the messages handled so far, in order.
func (b *Inbox) Received() []whatsapp.Inbound {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]whatsapp.Inbound(nil), b.got...)
}

// MaxConcurrent is the most handlers that ran at once for chatID's
// messages (the manager's promise: 1, in order).
func (b *Inbox) MaxConcurrent(chatID int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.maxAct[chatID]
}

// WaitFor blocks until cond holds (called under the Inbox's lock with the
// messages handled so far and the handlers running per chat) or ctx ends.
func (b *Inbox) WaitFor(ctx context.Context, cond func(got []whatsapp.Inbound, running map[int64]int) bool) error {
	err := b.changed.Wait(ctx, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return cond(b.got, b.running)
	})
	if err != nil {
		return fmt.Errorf("whatsapptest: inbox condition not met: %w", err)
	}
	return nil
}

// WaitForReceived waits until at least n messages were handled.
func (b *Inbox) WaitForReceived(ctx context.Context, n int) error {
	return b.WaitFor(ctx, func(got []whatsapp.Inbound, _ map[int64]int) bool { return len(got) >= n })
}
