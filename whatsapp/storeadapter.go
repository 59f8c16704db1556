package whatsapp

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"renovabot/store"
)

// StoreSessions is the SessionStore of the program: our SQLite tables,
// reached per chat through the store's tenant handle.
type StoreSessions struct{ S *store.Store }

var _ SessionStore = StoreSessions{}

func toRecord(s store.WhatsAppSession) SessionRecord {
	return SessionRecord{ChatID: s.ChatID, DeviceJID: s.DeviceJID, Phone: s.Phone, LinkedAt: s.LinkedAt,
		State: State(s.State), BanUntil: s.BanUntil,
		Refused: ConnectRefusal{Code: s.RefusedCode, Message: s.RefusedMessage, At: s.RefusedAt, Count: s.RefusedCount}}
}

// LinkedSessions returns every stored device record (start-up only).
func (a StoreSessions) LinkedSessions(ctx context.Context) ([]SessionRecord, error) {
	list, err := a.S.LinkedWhatsAppSessions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SessionRecord, 0, len(list))
	for _, s := range list {
		out = append(out, toRecord(s))
	}
	return out, nil
}

// Session returns chatID's record.
func (a StoreSessions) Session(ctx context.Context, chatID int64) (SessionRecord, bool, error) {
	s, err := a.S.Tenant(chatID).WhatsApp().Session(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return SessionRecord{}, false, nil
	}
	if err != nil {
		return SessionRecord{}, false, err
	}
	return toRecord(s), true, nil
}

// SaveSession stores rec for rec.ChatID; ErrNoAccount when the chat has no
// account (erased meanwhile).
func (a StoreSessions) SaveSession(ctx context.Context, rec SessionRecord) error {
	err := a.S.Tenant(rec.ChatID).WhatsApp().SaveSession(ctx, store.WhatsAppSession{
		DeviceJID: rec.DeviceJID, Phone: rec.Phone, LinkedAt: rec.LinkedAt, State: string(rec.State), BanUntil: rec.BanUntil,
		RefusedCode: rec.Refused.Code, RefusedMessage: rec.Refused.Message, RefusedAt: rec.Refused.At, RefusedCount: rec.Refused.Count,
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoAccount
	}
	return err
}

// DeleteSession removes chatID's record and number cache.
func (a StoreSessions) DeleteSession(ctx context.Context, chatID int64) error {
	return a.S.Tenant(chatID).WhatsApp().DeleteSession(ctx)
}

// CachedJID returns what phone resolved to for chatID at or after since.
func (a StoreSessions) CachedJID(ctx context.Context, chatID int64, phone string, since time.Time) (string, bool, error) {
	return a.S.Tenant(chatID).WhatsApp().CachedJID(ctx, phone, since)
}

// ForgetJID drops what phone resolved to for chatID.
func (a StoreSessions) ForgetJID(ctx context.Context, chatID int64, phone string) error {
	return a.S.Tenant(chatID).WhatsApp().ForgetJID(ctx, phone)
}

// SentText finds chatID's message with this WhatsApp id in its message log.
func (a StoreSessions) SentText(ctx context.Context, chatID int64, messageID string) (SentText, bool, error) {
	phone, text, ok, err := a.S.Tenant(chatID).Messages().SentText(ctx, messageID)
	return SentText{Phone: phone, Text: text}, ok, err
}

// CacheJID remembers what phone resolved to for chatID.
func (a StoreSessions) CacheJID(ctx context.Context, chatID int64, phone, jid string) error {
	return a.S.Tenant(chatID).WhatsApp().CacheJID(ctx, phone, jid)
}

// SentSince counts chatID's messages that left since t.
func (a StoreSessions) SentSince(ctx context.Context, chatID int64, t time.Time) (int, error) {
	return a.S.Tenant(chatID).Messages().SentSince(ctx, t)
}

// SavePairingOutcome records how chatID's last pairing ended.
func (a StoreSessions) SavePairingOutcome(ctx context.Context, chatID int64, outcome PairOutcome, at time.Time) error {
	return a.S.Tenant(chatID).WhatsApp().SavePairing(ctx, store.Pairing{Outcome: string(outcome), EndedAt: at})
}

// Receipt writer limits: how many messages' receipts wait at most in
// memory, how many are written per transaction, and how long one write may
// take (it bounds how long a full queue holds a connection's event loop).
const (
	receiptQueueMax     = 8192
	receiptBatch        = 1000
	receiptWriteTimeout = 30 * time.Second
)

// ReceiptWriter records delivery and read receipts in the resellers'
// message logs. Receipts arrive on whatsmeow's event loops (one per
// connection, handling its events one at a time), and the library has
// already acknowledged each one to the server: a receipt not recorded here
// is lost for good. So they are queued, coalesced per message (read
// supersedes delivered; each of the recipient's devices sends its own) and
// written by one goroutine in batches of receiptBatch per transaction.
// When receiptQueueMax messages are waiting, a new receipt waits for the
// writer to take its next batch (back-pressure on that connection's event
// loop, at most one batch write long): receipts are never dropped because
// the queue is full.
type ReceiptWriter struct {
	s        *store.Store
	log      *slog.Logger
	queueMax int // receiptQueueMax; tests make it small

	mu      sync.Mutex
	pending map[receiptKey]Receipt
	room    chan struct{} // closed and replaced whenever the writer takes a batch
	closed  bool

	wake chan struct{} // buffered(1): the writer has work
	done chan struct{}
}

type receiptKey struct {
	chatID int64
	id     string
}

// NewReceiptWriter starts the writer; Close stops it after draining.
func NewReceiptWriter(s *store.Store, log *slog.Logger) *ReceiptWriter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &ReceiptWriter{s: s, log: log, queueMax: receiptQueueMax, pending: make(map[receiptKey]Receipt),
		room: make(chan struct{}), wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.run()
	return w
}

// MessageReceipt queues a receipt. It waits only while the queue is full,
// until the writer takes its next batch. After Close the receipt is only
// logged: the database is closing.
func (w *ReceiptWriter) MessageReceipt(_ context.Context, chatID int64, messageID string, r Receipt) {
	k := receiptKey{chatID, messageID}
	w.mu.Lock()
	for !w.closed && len(w.pending) >= w.queueMax {
		if _, queued := w.pending[k]; queued {
			break // coalesces: takes no room
		}
		room := w.room
		w.mu.Unlock()
		<-room
		w.mu.Lock()
	}
	if w.closed {
		w.mu.Unlock()
		w.log.Warn("receipt after the writer closed, not recorded", "chat", chatID, "message", messageID)
		return
	}
	if w.pending[k] != ReceiptRead {
		w.pending[k] = r
	}
	w.mu.Unlock()
	w.signal()
}

func (w *ReceiptWriter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// take removes up to receiptBatch receipts from the queue, making room.
func (w *ReceiptWriter) take() (batch []store.ReceiptUpdate, closed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, r := range w.pending {
		if len(batch) == receiptBatch {
			break
		}
		st := store.MsgDelivered
		if r == ReceiptRead {
			st = store.MsgRead
		}
		batch = append(batch, store.ReceiptUpdate{ChatID: k.chatID, WAID: k.id, Status: st})
		delete(w.pending, k)
	}
	if len(batch) > 0 {
		close(w.room)
		w.room = make(chan struct{})
	}
	return batch, w.closed
}

func (w *ReceiptWriter) run() {
	defer close(w.done)
	for {
		batch, closed := w.take()
		switch {
		case len(batch) > 0:
			w.write(batch)
		case closed:
			return
		default:
			<-w.wake
		}
	}
}

func (w *ReceiptWriter) write(batch []store.ReceiptUpdate) {
	ctx, cancel := context.WithTimeout(context.Background(), receiptWriteTimeout)
	defer cancel()
	if err := w.s.RecordReceipts(ctx, batch); err != nil {
		w.log.Error("receipts not recorded", "count", len(batch), "err", err)
	}
}

// Close stops accepting receipts and waits until the queued ones are
// written. Call it after the Manager is closed.
func (w *ReceiptWriter) Close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.signal()
	<-w.done
}
