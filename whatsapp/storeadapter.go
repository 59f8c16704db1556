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

// SaveSession stores rec for rec.ChatID.
func (a StoreSessions) SaveSession(ctx context.Context, rec SessionRecord) error {
	return a.S.Tenant(rec.ChatID).WhatsApp().SaveSession(ctx, store.WhatsAppSession{
		DeviceJID: rec.DeviceJID, Phone: rec.Phone, LinkedAt: rec.LinkedAt, State: string(rec.State), BanUntil: rec.BanUntil,
		RefusedCode: rec.Refused.Code, RefusedMessage: rec.Refused.Message, RefusedAt: rec.Refused.At, RefusedCount: rec.Refused.Count,
	})
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

// ReceiptWriter records delivery and read receipts in the reseller's
// message log. Receipts arrive on whatsmeow's event goroutines, so they are
// queued and written by one goroutine of our own.
type ReceiptWriter struct {
	s    *store.Store
	log  *slog.Logger
	ch   chan receipt
	done chan struct{}
	once sync.Once
}

type receipt struct {
	chatID int64
	id     string
	r      Receipt
}

// NewReceiptWriter starts the writer; Close stops it after draining.
func NewReceiptWriter(s *store.Store, log *slog.Logger) *ReceiptWriter {
	w := &ReceiptWriter{s: s, log: log, ch: make(chan receipt, 4096), done: make(chan struct{})}
	go w.run()
	return w
}

// MessageReceipt queues a receipt (dropped, with a log line, if the queue
// is full: a receipt only refines a status that is already "sent").
func (w *ReceiptWriter) MessageReceipt(_ context.Context, chatID int64, messageID string, r Receipt) {
	select {
	case w.ch <- receipt{chatID, messageID, r}:
	default:
		w.log.Warn("receipt queue full, dropping receipt", "chat", chatID, "message", messageID)
	}
}

func (w *ReceiptWriter) run() {
	defer close(w.done)
	for rc := range w.ch {
		st := store.MsgDelivered
		if rc.r == ReceiptRead {
			st = store.MsgRead
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := w.s.Tenant(rc.chatID).Messages().Receipt(ctx, rc.id, st); err != nil {
			w.log.Warn("record receipt", "chat", rc.chatID, "message", rc.id, "err", err)
		}
		cancel()
	}
}

// Close stops accepting receipts and waits for the queued ones. Call it
// after the Manager is closed.
func (w *ReceiptWriter) Close() {
	w.once.Do(func() { close(w.ch) })
	<-w.done
}
