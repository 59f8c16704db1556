package whatsapp

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// The manager's metrics (GET /metrics): sessions by state, read when
// scraped, and every send by result and reason. No label carries a chat
// id or a number.
type metrics struct {
	sends    *prometheus.CounterVec
	sessions *prometheus.Desc
	m        *Manager
}

// sessionStates are the states always exported, zeros included, so a
// dashboard has every series from the start.
var sessionStates = []State{StateUnlinked, StatePairing, StateConnecting, StateConnected, StateDisconnected, StateLoggedOut, StateBanned}

func newMetrics(m *Manager, reg prometheus.Registerer) (*metrics, error) {
	mt := &metrics{
		m: m,
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renovabot_whatsapp_sends_total",
			Help: "Messages handed to a reseller's WhatsApp (reminders, manual sends, replies, tests), by result (sent, failed, " +
				"partial: the text left, the Pix code after it did not) and reason (none when sent; not_linked, not_connected, banned, daily_cap, rate_limited, not_on_whatsapp, " +
				"invalid_phone, empty_text, restricted, stopped, transient).",
		}, []string{"result", "reason"}),
		sessions: prometheus.NewDesc("renovabot_whatsapp_sessions",
			"Resellers' WhatsApp sessions known to this process, by state.", []string{"state"}, nil),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{mt.sends, sessionCollector{mt}} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return mt, nil
}

// sent counts the outcome of one Send or SendTest.
func (mt *metrics) sent(err error) { mt.sends.WithLabelValues(sendResult(err)).Inc() }

// sendResult labels the outcome of one send: sent, failed, or partial (the
// text left but the message that follows it, the Pix code, did not).
func sendResult(err error) (result, reason string) {
	var fe *FollowError
	switch {
	case err == nil:
		return "sent", "none"
	case errors.As(err, &fe):
		return "partial", sendReason(fe.Err)
	}
	return "failed", sendReason(err)
}

// sendReason is the label of a send error.
func sendReason(err error) string {
	var ban *TempBanError
	var rl *RateLimitedError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrClosed):
		return "stopped"
	case errors.Is(err, ErrNotLinked):
		return "not_linked"
	case errors.As(err, &ban):
		return "banned"
	case errors.Is(err, ErrDailyCap):
		return "daily_cap"
	case errors.As(err, &rl):
		return "rate_limited"
	case errors.Is(err, ErrNotOnWhatsApp):
		return "not_on_whatsapp"
	case errors.Is(err, ErrInvalidPhone):
		return "invalid_phone"
	case errors.Is(err, ErrEmptyText):
		return "empty_text"
	case errors.Is(err, ErrRecipientRestricted):
		return "restricted"
	case errors.Is(err, ErrNotConnected), errors.Is(err, ErrStreamReplaced), errors.Is(err, ErrClientOutdated):
		return "not_connected"
	}
	// Network, timeout, server errors, and a caller's PreSendCheck that
	// stopped the message (a reminder changed meanwhile).
	return "transient"
}

// sessionCollector counts the sessions by state at each scrape.
type sessionCollector struct{ mt *metrics }

func (c sessionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.mt.sessions }

func (c sessionCollector) Collect(ch chan<- prometheus.Metric) {
	counts := c.mt.m.sessionStates()
	for _, st := range sessionStates {
		ch <- prometheus.MustNewConstMetric(c.mt.sessions, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}

// sessionStates counts the sessions of this process by state.
func (m *Manager) sessionStates() map[State]int {
	m.mu.Lock()
	all := make([]*session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	out := map[State]int{}
	for _, s := range all {
		s.lockMu()
		out[s.state]++
		s.unlockMu()
	}
	return out
}
