// Package scheduler sends the automatic reminders: once a minute it plans,
// for every reseller whose local send time has passed, the day's reminders
// into the outbox (idempotent: one row per client, stage and due date),
// then drains each reseller's outbox through that reseller's own WhatsApp
// session, and tells the reseller how the day went.
//
// It never imports bot: it reports through the Notifier interface declared
// here, which the bot implements. Time comes from the injected clock, so
// tests drive whole days by calling Tick.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/store"
	"renovabot/whatsapp"
)

// WhatsApp is the one way a reminder leaves: the session manager's Send,
// which picks the session by chat id (the reseller's own number).
type WhatsApp interface {
	Send(ctx context.Context, chatID int64, phone, text string, opts whatsapp.SendOptions) (string, error)
	NewMessageID() string
}

// Notifier tells resellers and admins, on Telegram, what the scheduler did.
// An error means "not delivered, try again later": the scheduler retries on
// a later tick. A reseller who blocked the bot should return nil, and so
// should one without an account or access any more: the reseller's
// methods are called under the reseller's lock (store.Tenant.Lock), so a
// check of the account there holds until the message is sent.
type Notifier interface {
	// DailySummary is sent once a day, after that day's reminders are done.
	DailySummary(ctx context.Context, chatID int64, s DaySummary) error
	// RemindersWaiting is sent at most once a day when reminders cannot go
	// out because of the reseller's WhatsApp.
	RemindersWaiting(ctx context.Context, chatID int64, w Waiting) error
	// AdminDigest is the admins' daily line about all resellers.
	AdminDigest(ctx context.Context, d AdminDay) error
}

// DaySummary is how a reseller's day of reminders went.
type DaySummary struct {
	Day     billing.Date
	Sent    int // sent, delivered or read
	Failed  int
	Skipped int
	// FailedList and SkippedList are the first few (see SummaryListLimit).
	FailedList  []Problem
	SkippedList []Problem
	// SkippedWhy counts every skipped reminder by reason, the largest group
	// first (what the daily cap held back, and from which days).
	SkippedWhy []SkipReason
	// The day's money: clients due today (what is expected today) and
	// overdue ones, reminders on (not paused).
	DueToday       int
	DueTodayAmount int64
	Overdue        int
	OverdueAmount  int64
}

// SummaryListLimit bounds the failed and skipped lists of a summary.
const SummaryListLimit = 10

// SkipReason is a reason reminders were not sent and how many, in all and
// per stage (the most urgent stage first).
type SkipReason struct {
	Reason string
	Count  int
	Stages []StageCount
}

// StageCount is a number of reminders of one stage.
type StageCount struct {
	Stage int
	Count int
}

// Problem is a reminder that failed or was not sent.
type Problem struct {
	ClientID int64 // 0 when the client was deleted since
	Name     string
	Stage    int
	Reason   string // pt-BR
}

// WaitReason says why reminders are waiting.
type WaitReason int

const (
	WaitNotLinked WaitReason = iota + 1 // no WhatsApp linked (or unlinked from the phone)
	WaitBanned                          // temporarily suspended by WhatsApp
	WaitOffline                         // linked but not connected
)

// Waiting is the "N lembretes aguardando" notice.
type Waiting struct {
	Count  int
	Reason WaitReason
	Until  time.Time // WaitBanned: end of the suspension, zero if unknown
}

// AdminDay is the admins' daily line: counts over all resellers.
type AdminDay struct {
	Day       billing.Date
	Resellers int // resellers with reminders that day
	Sent      int
	Failed    int
	Skipped   int
	Open      int // still waiting when the line was written
}

// Config tunes the scheduler.
type Config struct {
	// Defaults are the settings of resellers who never changed theirs;
	// no stages: store.BuiltinReminderDefaults.
	Defaults store.ReminderDefaults
	// Workers bounds how many resellers' outboxes are drained at the same
	// time (default 64).
	Workers int
	// MaxAttempts bounds sends of one reminder that fail for a passing
	// reason (default 5).
	MaxAttempts int
	// AdminDigest enables the admins' line about yesterday, sent at the
	// first tick after AdminTime (minutes) in AdminLocation.
	AdminDigest   bool
	AdminLocation *time.Location
	AdminTime     int
}

// Deps are the scheduler's collaborators.
type Deps struct {
	Store    *store.Store
	WhatsApp WhatsApp
	Notifier Notifier
	Clock    clock.Clock  // nil: clock.Real
	Log      *slog.Logger // nil: discarded
	// Chores run at the end of every tick, after the reminders: other
	// once-a-minute work of the product (access-ending notices) shares
	// this one tick instead of starting its own timer.
	Chores []func(ctx context.Context) error
	// Metrics registers the scheduler's metrics (metrics.go); nil: not exported.
	Metrics prometheus.Registerer
}

// Scheduler plans and sends reminders. Start runs it every minute; tests
// call Tick and Wait instead.
type Scheduler struct {
	cfg     Config
	store   *store.Store
	wa      WhatsApp
	notify  Notifier
	clock   clock.Clock
	log     *slog.Logger
	chores  []func(ctx context.Context) error
	metrics *metrics

	// life ends with Stop; reseller jobs run under it.
	life context.Context
	end  context.CancelFunc

	tickMu sync.Mutex // one Tick at a time, whoever calls it

	mu      sync.Mutex
	closed  bool
	busy    map[int64]bool      // reseller has a job queued or running
	queue   []int64             // resellers waiting for a free worker
	active  int                 // running workers (<= cfg.Workers)
	hold    map[int64]time.Time // reseller's WhatsApp cannot send before this
	workers sync.WaitGroup

	cron     *cron.Cron
	firstRun sync.WaitGroup
	stopOnce sync.Once
}

// New checks the configuration; nothing runs until Start or Tick.
func New(cfg Config, deps Deps) (*Scheduler, error) {
	if deps.Store == nil || deps.WhatsApp == nil || deps.Notifier == nil {
		return nil, errors.New("scheduler: Store, WhatsApp and Notifier are required")
	}
	if len(cfg.Defaults.Stages) == 0 {
		cfg.Defaults = store.BuiltinReminderDefaults()
	}
	if cfg.Defaults.LatestTime <= cfg.Defaults.SendTime {
		return nil, fmt.Errorf("scheduler: default latest time %s is not after the send time %s",
			billing.FormatTimeOfDay(cfg.Defaults.LatestTime), billing.FormatTimeOfDay(cfg.Defaults.SendTime))
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.AdminLocation == nil {
		cfg.AdminLocation = time.UTC
	}
	s := &Scheduler{
		cfg: cfg, store: deps.Store, wa: deps.WhatsApp, notify: deps.Notifier, clock: deps.Clock, log: deps.Log,
		chores: deps.Chores, busy: map[int64]bool{}, hold: map[int64]time.Time{},
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "scheduler")
	m, err := newMetrics(s, deps.Metrics)
	if err != nil {
		return nil, fmt.Errorf("scheduler: metrics: %w", err)
	}
	s.metrics = m
	s.life, s.end = context.WithCancel(context.Background())
	return s, nil
}

// Start ticks now and then at the start of every minute. One tick for all
// resellers (never one cron entry per reseller); a tick still running when
// the next is due makes that one skip; a panic in a tick is logged.
func (s *Scheduler) Start() {
	logger := cronLogger{s.log}
	s.cron = cron.New(cron.WithLocation(time.UTC), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	id, err := s.cron.AddFunc("* * * * *", func() {
		if err := s.Tick(s.life); err != nil && s.life.Err() == nil {
			s.log.Error("tick", "err", err)
		}
	})
	if err != nil {
		panic("scheduler: " + err.Error()) // a constant spec: cannot fail
	}
	s.cron.Start()
	// Catch-up after a restart should not wait for the next minute.
	first := s.cron.Entry(id).WrappedJob
	s.firstRun.Go(first.Run)
}

// Stop stops ticking, interrupts the reseller jobs (a reminder being sent
// stays "sending" and is resent with the same WhatsApp id next time) and
// waits for everything to end. Call it before closing the WhatsApp manager.
func (s *Scheduler) Stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.queue = nil
		s.mu.Unlock()
		s.end()
		if s.cron != nil {
			<-s.cron.Stop().Done()
		}
		s.firstRun.Wait()
		s.workers.Wait()
	})
}

// Wait blocks until no reseller job runs (tests: after Tick). Do not call
// it concurrently with Tick.
func (s *Scheduler) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Tick is one minute of the scheduler: it plans the resellers whose send
// time has passed, starts a job for each reseller with reminders to send
// or a day to close, and sends the admins' line when due. It returns once
// jobs are started, not finished (see Wait).
func (s *Scheduler) Tick(ctx context.Context) error {
	s.tickMu.Lock()
	defer s.tickMu.Unlock()
	now := s.clock.Now()
	defer func() { s.metrics.tick.Observe(s.clock.Now().Sub(now).Seconds()) }()
	jobs, planErr := s.planAll(ctx, now)
	for _, chatID := range jobs {
		s.enqueue(chatID)
	}
	errs := []error{planErr, s.adminDigest(ctx, now)}
	for _, chore := range s.chores {
		errs = append(errs, chore(ctx))
	}
	return errors.Join(errs...)
}

// planAll plans every reseller due for it and returns the resellers that
// need a job. A reseller whose planning fails is logged and reported; the
// others go on.
func (s *Scheduler) planAll(ctx context.Context, now time.Time) ([]int64, error) {
	accounts, err := s.store.SchedulerAccounts(ctx, s.cfg.Defaults)
	if err != nil {
		return nil, err
	}
	due, err := s.store.SchedulerOutbox(ctx, now)
	if err != nil {
		return nil, err
	}
	var jobs []int64
	var errs []error
	for _, a := range accounts {
		if ctx.Err() != nil {
			return jobs, ctx.Err()
		}
		job, err := s.plan(ctx, now, a)
		if err != nil {
			s.log.Error("planning reminders", "chat", a.Reseller.ChatID, "err", err)
			errs = append(errs, fmt.Errorf("chat %d: %w", a.Reseller.ChatID, err))
			continue
		}
		if job == jobRun || job == jobIfDue && due[a.Reseller.ChatID] {
			jobs = append(jobs, a.Reseller.ChatID)
		}
	}
	return jobs, errors.Join(errs...)
}

// enqueue starts a job for chatID unless one is queued or running; with
// every worker busy, it waits in line for the next free one.
func (s *Scheduler) enqueue(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.busy[chatID] {
		return
	}
	s.busy[chatID] = true
	if s.active >= s.cfg.Workers {
		s.queue = append(s.queue, chatID)
		return
	}
	s.active++
	s.workers.Go(func() { s.worker(chatID) })
}

// worker runs a reseller's job, then the next queued reseller's, until
// the queue is empty.
func (s *Scheduler) worker(chatID int64) {
	for {
		s.safeRun(chatID)
		s.mu.Lock()
		delete(s.busy, chatID)
		if len(s.queue) == 0 || s.closed {
			s.active--
			s.mu.Unlock()
			return
		}
		chatID, s.queue = s.queue[0], s.queue[1:]
		s.mu.Unlock()
	}
}

// safeRun keeps a panic in one reseller's job from taking the process down.
func (s *Scheduler) safeRun(chatID int64) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in reseller job", "chat", chatID, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	s.runReseller(s.life, chatID)
}

// held reports whether the reseller's WhatsApp was found unable to send
// and should not be tried yet.
func (s *Scheduler) held(chatID int64, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.hold[chatID]
	if ok && !now.Before(until) {
		delete(s.hold, chatID)
		return false
	}
	return ok
}

func (s *Scheduler) holdUntil(chatID int64, until time.Time) {
	s.mu.Lock()
	s.hold[chatID] = until
	s.mu.Unlock()
}

// cronLogger sends cron's messages to slog (its routine ones at debug).
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}
