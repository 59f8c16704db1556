package bot

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"
)

// The bot's metrics (GET /metrics): updates handled and how long they
// took, by kind, and every Bot API call by method and result. No label
// carries a chat id, a name or a text.
type metrics struct {
	updates *prometheus.CounterVec
	latency *prometheus.HistogramVec
	calls   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renovabot_telegram_updates_total",
			Help: "Telegram updates handled, by kind (command, text, file, button, membership, other).",
		}, []string{"kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "renovabot_telegram_update_duration_seconds",
			Help:    "Time to handle one Telegram update (from its turn in the chat's queue to the last answer), by kind.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renovabot_telegram_calls_total",
			Help: "Bot API calls (HTTP requests, retries included), by method and result: ok, rate_limited (429), " +
				"forbidden (403), bad_request, unauthorized, not_found, conflict, other_4xx, server_error, network_error.",
		}, []string{"method", "result"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.updates, m.latency, m.calls} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// updateKind is the label of an update.
func updateKind(upd *models.Update) string {
	switch {
	case upd.CallbackQuery != nil:
		return "button"
	case upd.MyChatMember != nil:
		return "membership"
	case upd.Message != nil && upd.Message.Document != nil:
		return "file"
	case upd.Message != nil && strings.HasPrefix(upd.Message.Text, "/"):
		return "command"
	case upd.Message != nil:
		return "text"
	}
	return "other"
}

func (m *metrics) handled(upd *models.Update, took time.Duration) {
	kind := updateKind(upd)
	m.updates.WithLabelValues(kind).Inc()
	m.latency.WithLabelValues(kind).Observe(took.Seconds())
}

// callMeter counts every Bot API request at the HTTP transport, where all
// of them pass (getUpdates and the start-up calls too, and each retry).
type callMeter struct {
	next http.RoundTripper
	m    *metrics
}

func (c callMeter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	c.m.calls.WithLabelValues(apiMethod(req.URL.Path), callResult(resp, err)).Inc()
	return resp, err
}

// apiMethod is the Bot API method of a request path /bot<token>/<method>:
// the last segment only (never the token), and "other" for anything else
// (a file download's path names the file).
func apiMethod(path string) string {
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		return "other"
	}
	_, method, ok := strings.Cut(rest, "/")
	if !ok || method == "" || len(method) > 64 {
		return "other"
	}
	for _, r := range method {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return "other"
		}
	}
	return method
}

func callResult(resp *http.Response, err error) string {
	if err != nil {
		return "network_error"
	}
	switch c := resp.StatusCode; {
	case c < 300:
		return "ok"
	case c == http.StatusTooManyRequests:
		return "rate_limited"
	case c == http.StatusForbidden:
		return "forbidden"
	case c == http.StatusBadRequest:
		return "bad_request"
	case c == http.StatusUnauthorized:
		return "unauthorized"
	case c == http.StatusNotFound:
		return "not_found"
	case c == http.StatusConflict:
		return "conflict"
	case c >= 500:
		return "server_error"
	}
	return "other_4xx"
}
