// Command renovabot is the renewal-reminder bot: one binary with the
// Telegram front end, the per-reseller WhatsApp sessions, the store (SQLite
// or PostgreSQL) and the minute scheduler.
//
// This file is wiring only: config -> store -> (PostgreSQL: the active
// lock, package leader) -> whatsapp manager -> bot -> scheduler -> scheduled
// backups; signals; shutdown. `renovabot backup` and `renovabot restore` are
// the backup package's, `renovabot migrate` the pgmigrate package's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"renovabot/backup"
	"renovabot/bot"
	"renovabot/clock"
	"renovabot/config"
	"renovabot/internal/subcmd"
	"renovabot/leader"
	"renovabot/pgmigrate"
	"renovabot/redact"
	"renovabot/scheduler"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Exit statuses: the subcommands' (package subcmd).
const (
	exitOK     = subcmd.ExitOK
	exitFail   = subcmd.ExitFail
	exitConfig = subcmd.ExitConfig
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, runOptions{
		Args:   os.Args[1:],
		Getenv: os.Getenv,
		Stderr: os.Stderr,
		Clock:  clock.Real{},
		Exit:   os.Exit,
	}))
}

// runOptions are the program's inputs, so tests run the same code as main.
type runOptions struct {
	Args   []string
	Getenv func(string) string
	Stderr io.Writer
	Clock  clock.Clock
	// Ready, if set, is called once serving with the health server address.
	Ready func(healthAddr string)
	// Standby, if set, is called when the instance stands by (another one
	// holds the PostgreSQL lock), with the health server address.
	Standby func(healthAddr string)
	// Failover is the active lock's timing (zero: leader.DefaultTiming).
	Failover leader.Timing
	// Exit, if set, ends the process when an instance that lost the
	// active lock cannot finish stopping in time (main: os.Exit).
	Exit func(code int)
}

// run is the whole program. It returns when ctx is done (a stop signal) or
// start-up fails, with the process exit status.
func run(ctx context.Context, o runOptions) int {
	if len(o.Args) > 0 {
		env := subcmd.Env{Getenv: o.Getenv, Stderr: o.Stderr, Clock: o.Clock}
		switch o.Args[0] {
		case "backup", "restore":
			return backup.Command(ctx, o.Args[0], o.Args[1:], env)
		case "migrate":
			return pgmigrate.Command(ctx, o.Args[1:], env)
		}
	}
	fs := flag.NewFlagSet("renovabot", flag.ContinueOnError)
	fs.SetOutput(o.Stderr)
	cfgPath := fs.String("config", "config.yaml", "path to the YAML configuration")
	if err := fs.Parse(o.Args); err != nil {
		return exitConfig
	}
	cfg, err := config.Load(*cfgPath, o.Getenv)
	if err != nil {
		fmt.Fprintf(o.Stderr, "renovabot: %v\n", err)
		return exitConfig
	}
	log := newLogger(o.Stderr, cfg.Log)

	// With PostgreSQL the schema is prepared (migrated) only once this
	// instance is the active one, below: a standby changes nothing.
	var st *store.Store
	if cfg.Database.URL == "" {
		st, err = store.OpenDatabase(ctx, "", cfg.DataDir, o.Clock)
	} else {
		st, err = store.ConnectPostgres(ctx, cfg.Database.URL, o.Clock)
	}
	if err != nil {
		log.Error("cannot open the database", "database", databaseName(cfg), "err", err)
		return exitFail
	}
	defer st.Close()
	warnIfReadable(log, cfg.DataDir)
	// One registry for the whole program, handed to each part that
	// measures something: GET /metrics serves it.
	metrics := newMetricsRegistry()
	role := newInstanceRole(metrics)

	// The health check answers from the start: a standby says so.
	health, err := startHealth(cfg.HTTP.Listen, st, role, metrics, log)
	if err != nil {
		log.Error("cannot listen for the health check", "listen", cfg.HTTP.Listen, "err", err)
		return exitFail
	}
	defer health.stop()

	// With PostgreSQL, several instances may share the database: only the
	// one holding the active lock goes on (package leader); the others
	// wait here. active ends on a stop signal or when the lock is lost.
	// (SQLite: bot.db's flock already refuses a second instance.)
	active := ctx
	var lease *leader.Lease
	if cfg.Database.URL != "" {
		if lease, err = takeActiveLock(ctx, cfg, o, role, health.addr, log); lease == nil {
			if ctx.Err() != nil {
				log.Info("stopped while standing by")
				return exitOK
			}
			log.Error("cannot wait for the active lock", "err", err)
			return exitFail
		}
		defer lease.Release() // after everything below stopped (defers run in reverse)
		active = lease.Context()
		if err := st.PrepareSchema(active, cfg.Database.URL, cfg.DataDir); err != nil {
			log.Error("cannot prepare the database", "database", databaseName(cfg), "err", err)
			return exitFail
		}
	}

	// The WhatsApp manager reports events to the bot, which needs the
	// manager: the forwarder breaks the cycle until the bot exists.
	notices := &noticeForwarder{}
	receipts := whatsapp.NewReceiptWriter(st, log)
	defer receipts.Close()
	waCfg := whatsapp.DefaultConfig()
	waCfg.DataDir = cfg.DataDir
	// With database.url, every WhatsApp device lives in that database too.
	waCfg.DatabaseURL = cfg.Database.URL
	waCfg.Driver = cfg.WhatsApp.Driver
	waCfg.DryRunLog = cfg.WhatsApp.DryRunLog
	waCfg.DryRunInbox = cfg.WhatsApp.DryRunInbox
	waCfg.MinGap, waCfg.MaxGap = cfg.WhatsApp.MinGap.D(), cfg.WhatsApp.MaxGap.D()
	waCfg.TypingFor = cfg.WhatsApp.Typing.D()
	waCfg.DailyCap = cfg.WhatsApp.DailyCap
	waCfg.StartupConcurrency = cfg.WhatsApp.ConnectConcurrency
	wa, err := whatsapp.NewManager(waCfg, whatsapp.Deps{
		Store:    whatsapp.StoreSessions{S: st},
		Notifier: notices,
		Receipts: receipts,
		Inbound:  notices,
		Clock:    o.Clock,
		Log:      log.With("component", "whatsapp"),
		Metrics:  metrics,
	})
	if err != nil {
		log.Error("cannot start the WhatsApp manager", "err", err)
		return exitFail
	}
	// Sessions close all at once, and the stop waits for them at most
	// telegram.shutdown_grace: a websocket's close can wait 5 s for the
	// server. Run after the bot and the scheduler stopped using WhatsApp,
	// and before receipts.Close (defers run in reverse) on every way out.
	closeWhatsApp := sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.Telegram.ShutdownGrace.D())
		defer cancel()
		if err := wa.Shutdown(ctx); err != nil {
			log.Warn("WhatsApp sessions did not all close within the shutdown grace", "err", err)
		}
	})
	defer closeWhatsApp()

	subs, err := newSubscriptions(cfg, st, o.Clock, log)
	if err != nil {
		log.Error("cannot set up the resellers' payments", "err", err)
		return exitFail
	}

	reminders := store.ReminderDefaults{SendTime: cfg.Scheduler.SendTime, LatestTime: cfg.Scheduler.LatestTime,
		Stages: store.DefaultStages(cfg.Scheduler.Stages)}
	tg, err := bot.New(bot.Config{
		Token:           cfg.Telegram.Token,
		APIURL:          cfg.Telegram.APIURL,
		Admins:          cfg.Telegram.Admins,
		PollTimeout:     cfg.Telegram.PollTimeout.D(),
		RateGlobal:      cfg.Telegram.RateGlobal,
		RatePerChat:     cfg.Telegram.RatePerChat,
		Workers:         cfg.Telegram.Workers,
		ShutdownGrace:   cfg.Telegram.ShutdownGrace.D(),
		DefaultTimezone: cfg.Timezone,
		ChurnDays:       cfg.Reports.ChurnDays,
		Access: bot.AccessConfig{
			Approval:  cfg.Access.Mode == config.AccessApproval,
			TrialDays: cfg.Access.TrialDays,
			Contact:   cfg.Access.Contact,
		},
		Reminders:        reminders,
		ScheduledBackups: cfg.Backup.Dir != "",
		PostgreSQL:       cfg.Database.URL != "",
	}, bot.Deps{Store: st, Clock: o.Clock, Log: log, WhatsApp: wa, Subscriptions: botSubscriptions(subs), Metrics: metrics})
	if err != nil {
		log.Error("cannot create the Telegram client", "err", err)
		return exitFail
	}
	initCtx, cancelInit := context.WithTimeout(active, 30*time.Second)
	err = tg.Init(initCtx)
	cancelInit()
	if err != nil {
		log.Error("cannot start on Telegram", "err", err)
		return exitFail
	}

	sched, err := scheduler.New(scheduler.Config{
		Defaults: reminders, Workers: cfg.Scheduler.DispatchWorkers,
		AdminDigest: len(cfg.Telegram.Admins) > 0, AdminLocation: cfg.Location, AdminTime: cfg.Scheduler.SendTime,
	}, scheduler.Deps{Store: st, WhatsApp: wa, Notifier: tg, Clock: o.Clock, Log: log,
		Chores: []func(context.Context) error{tg.AccessNotices, st.ExpireInbound, tg.ExpiredNotices}, Metrics: metrics})
	if err != nil {
		log.Error("cannot create the scheduler", "err", err)
		return exitFail
	}

	// Scheduled backups (backup.dir), in the background until the stop;
	// they end before the store closes.
	backups := make(chan struct{})
	backupCtx, stopBackups := context.WithCancel(active)
	defer func() { stopBackups(); <-backups }()
	if cfg.Backup.Dir == "" {
		close(backups)
	} else {
		runner, err := backup.NewRunner(active, backup.Schedule{Dir: cfg.Backup.Dir, Every: cfg.Backup.Every.D(), Keep: cfg.Backup.Keep},
			cfg.DataDir, backup.RunnerDeps{Store: st, Notifier: tg, Clock: o.Clock, Log: log, Metrics: metrics})
		if err != nil {
			close(backups)
			log.Error("cannot schedule backups", "err", err)
			return exitFail
		}
		go func() {
			defer close(backups)
			runner.Run(backupCtx)
		}()
	}

	notices.to(tg)
	// Reminders start once the bot can tell resellers about them, and stop
	// before the WhatsApp manager closes.
	sched.Start()
	defer sched.Stop()
	if lease != nil {
		// Without the lock nothing may leave, not even for the shutdown
		// grace: the scheduler and every WhatsApp session stop now, not
		// after the bot's handlers finish.
		defer context.AfterFunc(active, func() {
			if lease.Lost() {
				role.set(roleLost)
				stopLost(cfg, o, log, sched.Stop, closeWhatsApp)
			}
		})()
	}
	// Pending Mercado Pago payments are polled (those of before a restart
	// too) once the bot can tell resellers; the poller ends with ctx.
	var polling sync.WaitGroup
	if subs != nil {
		subs.SetNotifier(tg)
		polling.Go(func() { subs.Run(active) })
	}
	// Reconnect linked resellers in the background (whatsapp.connect_concurrency
	// at a time, with a short jitter), so the bot answers at once even with
	// many sessions to restore.
	linked := make(chan struct{})
	go func() {
		defer close(linked)
		if err := wa.StartLinked(active); err != nil && active.Err() == nil {
			log.Error("reconnecting linked WhatsApp sessions", "err", err)
		}
	}()
	role.serving(tg)
	if o.Ready != nil {
		o.Ready(health.addr)
	}
	log.Info("serving", "data_dir", cfg.DataDir, "database", databaseName(cfg), "health", health.addr)

	tg.Serve(active) // returns after a stop signal or the lock's loss, once handlers finished (within the grace)
	polling.Wait()
	sched.Stop()
	closeWhatsApp() // also ends a StartLinked still under way
	<-linked

	if lease != nil && lease.Lost() {
		log.Error("stopped: this instance lost the active lock; exiting so a supervisor restarts it as a standby")
		return exitFail
	}
	log.Info("stopped")
	return exitOK
}

// databaseName says which database the program uses, for logs: bot.db's
// path, or the PostgreSQL URL without its password.
func databaseName(cfg *config.Config) string {
	if cfg.Database.URL == "" {
		return filepath.Join(cfg.DataDir, "bot.db")
	}
	return cfg.Database.Redacted()
}

// warnIfReadable tells the operator when other users of the machine can
// list data_dir. Its files are 0600 whatever its mode (the store and the
// WhatsApp drivers see to that), and a directory the program creates is
// 0700; an existing one is the operator's to change, not ours.
func warnIfReadable(log *slog.Logger, dir string) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return // with database.url nothing may be kept there yet; what is, is created 0700
	}
	if err != nil {
		log.Warn("cannot check data_dir's permissions", "data_dir", dir, "err", err)
		return
	}
	if mode := fi.Mode().Perm(); mode&0o044 != 0 {
		log.Warn("data_dir can be read by other users of this machine; its files are private (0600), "+
			"but restrict the directory too: chmod 700 "+dir, "data_dir", dir, "mode", fmt.Sprintf("%#o", mode))
	}
}

// noticeForwarder hands WhatsApp events and received messages to the bot
// once it exists. No session runs before: they start with StartLinked or
// a reseller's action, both after notices.to.
type noticeForwarder struct{ target atomic.Pointer[bot.Bot] }

func (f *noticeForwarder) to(b *bot.Bot) { f.target.Store(b) }

func (f *noticeForwarder) NotifyWhatsApp(ctx context.Context, ev whatsapp.Event) {
	if b := f.target.Load(); b != nil {
		b.NotifyWhatsApp(ctx, ev)
	}
}

func (f *noticeForwarder) HandleInbound(ctx context.Context, in whatsapp.Inbound) {
	if b := f.target.Load(); b != nil {
		b.HandleInbound(ctx, in)
	}
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// Phone numbers and WhatsApp ids inside errors and library lines are
	// masked at info and above: those lines carry "chat", nothing personal.
	return slog.New(redact.NewHandler(h))
}

type healthServer struct {
	addr string
	stop func()
}

// newMetricsRegistry is the program's Prometheus registry: the Go runtime
// and process collectors; each part registers its own metrics on it.
func newMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// startHealth serves GET /healthz and GET /metrics, the registry in
// Prometheus text format (counts and durations, never a chat id, number or
// name). Nothing else. An empty listen address disables both.
//
// /healthz answers, by role: active, 200 when the store answers and
// Telegram polling is alive, 503 otherwise; standby (another instance
// holds the PostgreSQL lock), 200 with status "standby" while the store
// answers; starting, and an instance that lost the lock, 503.
func startHealth(listen string, st *store.Store, role *instanceRole, metrics *prometheus.Registry, log *slog.Logger) (healthServer, error) {
	if listen == "" {
		return healthServer{stop: func() {}}, nil
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return healthServer{}, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		storeState, code := "ok", http.StatusOK
		if err := st.Ping(ctx); err != nil {
			storeState, code = "unreachable", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		state, tg := role.get()
		if state != roleActive {
			status := state.String()
			if state != roleStandby {
				code = http.StatusServiceUnavailable
			} else if code != http.StatusOK {
				status = "unhealthy"
			}
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"status":%q,"store":%q}`+"\n", status, storeState)
			return
		}
		tgState := "polling"
		if !tg.Healthy() {
			tgState, code = "not polling", http.StatusServiceUnavailable
		}
		status := "ok"
		if code != http.StatusOK {
			status = "unhealthy"
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"status":%q,"store":%q,"telegram":%q}`+"\n", status, storeState, tgState)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health server", "err", err)
		}
	}()
	return healthServer{addr: ln.Addr().String(), stop: func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}}, nil
}
