package whatsapptest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"renovabot/clock"
	"renovabot/internal/wake"
	"renovabot/whatsapp"
)

// Store is an in-memory whatsapp.SessionStore.
type Store struct {
	// Clock dates JID cache entries (nil: clock.Real). Set it before use.
	Clock clock.Clock

	mu    sync.Mutex
	recs  map[int64]whatsapp.SessionRecord
	jids  map[jidKey]cachedJID
	saves int
	sent  map[int64]int
	pairs map[int64]whatsapp.PairOutcome
	texts map[textKey]whatsapp.SentText
	// changed is touched whenever a record changes.
	changed wake.Signal
	// FailSave, when set, is returned by SaveSession.
	FailSave error
}

// WaitRecord waits until chatID's record satisfies cond (evaluated under
// the store's lock) or ctx ends.
func (s *Store) WaitRecord(ctx context.Context, chatID int64, cond func(rec whatsapp.SessionRecord, ok bool) bool) error {
	err := s.changed.Wait(ctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		rec, ok := s.recs[chatID]
		return cond(rec, ok)
	})
	if err != nil {
		return fmt.Errorf("whatsapptest: record of %d: %w", chatID, err)
	}
	return nil
}

// touchLocked wakes WaitRecord callers.
func (s *Store) touchLocked() { s.changed.Touch() }

type jidKey struct {
	chatID int64
	phone  string
}

type cachedJID struct {
	jid string
	at  time.Time
}

type textKey struct {
	chatID int64
	id     string
}

var _ whatsapp.SessionStore = (*Store)(nil)

func NewStore() *Store {
	return &Store{recs: make(map[int64]whatsapp.SessionRecord), jids: make(map[jidKey]cachedJID), sent: make(map[int64]int),
		pairs: make(map[int64]whatsapp.PairOutcome), texts: make(map[textKey]whatsapp.SentText)}
}

func (s *Store) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// PutSentText records that chatID's session sent text to phone under the
// WhatsApp message id (what the message log keeps).
func (s *Store) PutSentText(chatID int64, id, phone, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts[textKey{chatID, id}] = whatsapp.SentText{Phone: phone, Text: text}
}

// SentText returns what PutSentText recorded for chatID.
func (s *Store) SentText(_ context.Context, chatID int64, id string) (whatsapp.SentText, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.texts[textKey{chatID, id}]
	return t, ok, nil
}

// SetSentToday makes SentSince report n messages already sent by chatID
// (a restart in the middle of a day).
func (s *Store) SetSentToday(chatID int64, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent[chatID] = n
}

// SentSince reports what SetSentToday set (0 by default).
func (s *Store) SentSince(_ context.Context, chatID int64, _ time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[chatID], nil
}

// Put stores rec (test setup).
func (s *Store) Put(rec whatsapp.SessionRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[rec.ChatID] = rec
}

// Record returns chatID's record.
func (s *Store) Record(chatID int64) (whatsapp.SessionRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[chatID]
	return r, ok
}

// Saves counts SaveSession calls.
func (s *Store) Saves() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// CachedJIDs returns chatID's JID cache.
func (s *Store) CachedJIDs(chatID int64) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string)
	for k, v := range s.jids {
		if k.chatID == chatID {
			out[k.phone] = v.jid
		}
	}
	return out
}

func (s *Store) LinkedSessions(context.Context) ([]whatsapp.SessionRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]whatsapp.SessionRecord, 0, len(s.recs))
	for _, r := range s.recs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ChatID < out[j].ChatID })
	return out, nil
}

func (s *Store) Session(_ context.Context, chatID int64) (whatsapp.SessionRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[chatID]
	return r, ok, nil
}

func (s *Store) SaveSession(_ context.Context, rec whatsapp.SessionRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves++
	if s.FailSave != nil {
		return s.FailSave
	}
	s.recs[rec.ChatID] = rec
	s.touchLocked()
	return nil
}

func (s *Store) DeleteSession(_ context.Context, chatID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recs, chatID)
	for k := range s.jids {
		if k.chatID == chatID {
			delete(s.jids, k)
		}
	}
	return nil
}

func (s *Store) CachedJID(_ context.Context, chatID int64, phone string, since time.Time) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jids[jidKey{chatID, phone}]
	if !ok || j.at.Before(since) {
		return "", false, nil
	}
	return j.jid, true, nil
}

func (s *Store) CacheJID(_ context.Context, chatID int64, phone, jid string) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jids[jidKey{chatID, phone}] = cachedJID{jid, now}
	return nil
}

func (s *Store) ForgetJID(_ context.Context, chatID int64, phone string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.jids, jidKey{chatID, phone})
	return nil
}

func (s *Store) SavePairingOutcome(_ context.Context, chatID int64, outcome whatsapp.PairOutcome, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pairs[chatID] = outcome
	return nil
}

// PairingOutcome returns how chatID's last pairing ended ("" when none did).
func (s *Store) PairingOutcome(chatID int64) whatsapp.PairOutcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pairs[chatID]
}
