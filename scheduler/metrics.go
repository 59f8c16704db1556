package scheduler

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"renovabot/billing"
)

// The scheduler's metrics (GET /metrics): how long a tick takes, and, read
// from the database when scraped, the day's reminders by outcome and the
// outbox depth. No label carries a chat id or a client.
type metrics struct {
	tick     prometheus.Histogram
	today    *prometheus.Desc
	depth    *prometheus.Desc
	failures prometheus.Counter
	s        *Scheduler
}

func newMetrics(s *Scheduler, reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		s: s,
		tick: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "renovabot_scheduler_tick_duration_seconds",
			Help:    "Time of one minute tick: planning every reseller due, starting their jobs and the other once-a-minute chores.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		today: prometheus.NewDesc("renovabot_reminders_today",
			"Automatic reminders of today (in the configured time zone) over all resellers, by status: planned (all of them), "+
				"sent, failed, not_sent, cancelled, open (still to send).", []string{"status"}, nil),
		depth: prometheus.NewDesc("renovabot_outbox_depth",
			"Messages waiting to leave (pending or being sent), any day, over all resellers.", nil, nil),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "renovabot_metrics_read_failures_total",
			Help: "Scrapes whose database-derived values (reminders of today, outbox depth) could not be read.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.tick, m.failures, dbCollector{m}} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// dbCollector reads the reminders of today and the outbox depth at each
// scrape: two indexed counts, exact at any moment instead of as of the
// last tick.
type dbCollector struct{ m *metrics }

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.m.today
	ch <- c.m.depth
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.m.s
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	day := billing.Today(s.clock.Now(), s.cfg.AdminLocation)
	tot, err := s.store.SchedulerTotals(ctx, day)
	if err == nil {
		for status, n := range map[string]int{"planned": tot.Planned, "sent": tot.Sent, "failed": tot.Failed,
			"not_sent": tot.Skipped, "cancelled": tot.Cancelled, "open": tot.Open} {
			ch <- prometheus.MustNewConstMetric(c.m.today, prometheus.GaugeValue, float64(n), status)
		}
	}
	depth, derr := s.store.SchedulerOutboxDepth(ctx)
	if derr == nil {
		ch <- prometheus.MustNewConstMetric(c.m.depth, prometheus.GaugeValue, float64(depth))
	}
	if err != nil || derr != nil {
		c.m.failures.Inc()
		s.log.Warn("metrics: reading reminders", "err", err, "depth_err", derr)
	}
}
