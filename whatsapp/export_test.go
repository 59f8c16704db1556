package whatsapp

// Test-only access to internals for the external test package (which can
// import whatsapptest without an import cycle).

import (
	"context"
	"sync/atomic"

	"go.mau.fi/whatsmeow"
)

// NewOfflineWhatsmeowDriver is the real adapter with Connect replaced by a
// counter: nothing touches the network.
func NewOfflineWhatsmeowDriver(dataDir string) (*WhatsmeowDriver, *atomic.Int64, error) {
	d, err := NewWhatsmeowDriver(dataDir, nil)
	if err != nil {
		return nil, nil, err
	}
	var dials atomic.Int64
	d.connect = func(context.Context, *whatsmeow.Client) error {
		dials.Add(1)
		return nil
	}
	return d, &dials, nil
}

// WhatsmeowClientOf returns the *whatsmeow.Client behind chatID's session
// (nil when none is open or the driver is not whatsmeow).
func (m *Manager) WhatsmeowClientOf(chatID int64) *whatsmeow.Client {
	m.mu.Lock()
	s := m.sessions[chatID]
	m.mu.Unlock()
	if s == nil {
		return nil
	}
	s.lockMu()
	defer s.unlockMu()
	if c, ok := s.client.(*waClient); ok {
		return c.cli
	}
	return nil
}

var (
	PairCodeDisplay = pairCodeDisplay
	PairCodeClient  = pairCodeClient
	LinkedOS        = linkedOS
	Classify        = classify
)

// StateOf reads chatID's state without the session's lifecycle lock (tests
// that look from inside an operation holding it).
func (m *Manager) StateOf(chatID int64) State {
	m.mu.Lock()
	s := m.sessions[chatID]
	m.mu.Unlock()
	if s == nil {
		return StateUnlinked
	}
	s.lockMu()
	defer s.unlockMu()
	return s.state
}
