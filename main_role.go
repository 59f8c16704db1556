package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"renovabot/bot"
	"renovabot/config"
	"renovabot/leader"
)

// role is what this instance is doing, for /healthz and the metric.
type role int

const (
	roleStarting role = iota // before the bot serves (and after the lock, the fence)
	roleStandby              // another instance holds the PostgreSQL lock
	roleActive               // polling Telegram, scheduling, WhatsApp connected
	roleLost                 // lost the lock: stopping, will exit non-zero
)

func (r role) String() string {
	return [...]string{"starting", "standby", "active", "stopping"}[r]
}

// instanceRole is the role, shared with the health handler.
type instanceRole struct {
	mu     sync.Mutex
	r      role
	tg     *bot.Bot
	active prometheus.Gauge
}

func newInstanceRole(reg *prometheus.Registry) *instanceRole {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "renovabot_instance_active",
		Help: "1 while this instance is the active one (polls Telegram, sends reminders), 0 while it starts, stands by or stops.",
	})
	reg.MustRegister(g)
	return &instanceRole{active: g}
}

func (i *instanceRole) set(r role) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.r = r
	if r == roleActive {
		i.active.Set(1)
	} else {
		i.active.Set(0)
	}
}

// serving records that tg polls: the instance is active.
func (i *instanceRole) serving(tg *bot.Bot) {
	i.mu.Lock()
	i.tg = tg
	i.mu.Unlock()
	i.set(roleActive)
}

func (i *instanceRole) get() (role, *bot.Bot) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.r, i.tg
}

// takeActiveLock waits, as a standby when another instance is active,
// until this one holds the active lock. nil with ctx's error on a stop.
func takeActiveLock(ctx context.Context, cfg *config.Config, o runOptions, r *instanceRole, healthAddr string, log *slog.Logger) (*leader.Lease, error) {
	el, err := leader.New(cfg.Database.URL, o.Failover, log.With("component", "leader"))
	if err != nil {
		return nil, err
	}
	lease, err := el.Acquire(ctx, func() {
		r.set(roleStandby)
		if o.Standby != nil {
			o.Standby(healthAddr)
		}
	})
	if err != nil {
		return nil, err
	}
	r.set(roleStarting)
	log.Info("this instance is active: it holds the database's active lock", "database", databaseName(cfg))
	return lease, nil
}

// stopLost stops, at once, everything that sends once the active lock is
// lost: the scheduler's jobs and the WhatsApp sessions (Telegram polling
// ends with the lease's context). The rest of the stop may wait on a
// database that no longer answers: past the shutdown grace and 10 s more,
// exit ends the process (a supervisor restarts it as a standby).
func stopLost(cfg *config.Config, o runOptions, log *slog.Logger, stopScheduler, closeWhatsApp func()) {
	if o.Exit != nil {
		time.AfterFunc(cfg.Telegram.ShutdownGrace.D()+10*time.Second, func() {
			log.Error("lost the active lock and could not stop in time; exiting")
			o.Exit(exitFail)
		})
	}
	go stopScheduler() // its jobs' contexts end now; it waits for them
	closeWhatsApp()
}
