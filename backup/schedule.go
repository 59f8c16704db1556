package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"renovabot/clock"
	"renovabot/store"
)

// Schedule is backup.dir, backup.every and backup.keep.
type Schedule struct {
	Dir   string
	Every time.Duration
	Keep  int
}

// RetryFailed is the wait after a failed scheduled backup, when Every is
// longer: a day without a backup because a disk was full for a minute is
// too long.
const RetryFailed = time.Hour

// Notifier tells the admins, on Telegram, that a scheduled backup failed
// (the bot implements it). An error means nobody was told: the next
// failure tries again.
type Notifier interface {
	BackupFailed(ctx context.Context, at time.Time) error
}

// RunnerDeps are the scheduled backups' collaborators.
type RunnerDeps struct {
	Store    *store.Store // the record of the last backup
	Notifier Notifier
	Clock    clock.Clock
	Log      *slog.Logger
	// Metrics registers the backups' metrics; nil: not exported.
	Metrics prometheus.Registerer
}

// Runner makes the scheduled backups of one data_dir.
type Runner struct {
	cfg     Schedule
	dataDir string
	deps    RunnerDeps
	log     *slog.Logger

	mu   sync.Mutex
	last store.BackupRun // as recorded; zero At: none yet

	runs *prometheus.CounterVec
	desc struct{ age, at, size *prometheus.Desc }
}

// archiveName is how scheduled archives are named (UTC), and how pruning
// recognises them: nothing else in the directory is touched.
var archiveName = regexp.MustCompile(`^renovabot-[0-9]{8}-[0-9]{6}\.tar\.gz$`)

// NewRunner checks the schedule and reads the last backup's record.
func NewRunner(ctx context.Context, cfg Schedule, dataDir string, deps RunnerDeps) (*Runner, error) {
	if cfg.Dir == "" || cfg.Every <= 0 || cfg.Keep < 1 {
		return nil, fmt.Errorf("backup: schedule %+v is incomplete", cfg)
	}
	if deps.Store == nil || deps.Notifier == nil || deps.Clock == nil {
		return nil, errors.New("backup: Store, Notifier and Clock are required")
	}
	r := &Runner{cfg: cfg, dataDir: dataDir, deps: deps, log: deps.Log}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.log = r.log.With("component", "backup")
	last, _, err := deps.Store.BackupRecord(ctx)
	if err != nil {
		return nil, err
	}
	r.last = last
	r.runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "renovabot_backups_total",
		Help: "Scheduled backups made by this process, by result (ok, failed).",
	}, []string{"result"})
	r.desc.age = prometheus.NewDesc("renovabot_backup_age_seconds",
		"Seconds since the last successful scheduled backup (absent until there is one).", nil, nil)
	r.desc.at = prometheus.NewDesc("renovabot_backup_last_success_timestamp_seconds",
		"When the last successful scheduled backup was made (Unix time).", nil, nil)
	r.desc.size = prometheus.NewDesc("renovabot_backup_last_size_bytes",
		"Size of the last successful scheduled backup's archive.", nil, nil)
	if deps.Metrics != nil {
		for _, c := range []prometheus.Collector{r.runs, runnerCollector{r}} {
			if err := deps.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("backup: metrics: %w", err)
			}
		}
	}
	return r, nil
}

// Run makes a backup whenever one is due (at once when the last is older
// than Every, or there is none), until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	for {
		if err := r.deps.Clock.Sleep(ctx, r.next().Sub(r.deps.Clock.Now())); err != nil {
			return
		}
		r.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
	}
}

// next is when the next backup is due.
func (r *Runner) next() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last.At.IsZero() {
		return r.deps.Clock.Now()
	}
	if r.last.OK {
		return r.last.At.Add(r.cfg.Every)
	}
	return r.last.At.Add(min(r.cfg.Every, RetryFailed))
}

// RunOnce makes one backup into Dir, keeps the newest Keep archives and
// records the outcome; a failure is logged, and the admins hear of the
// first of a row of failures.
func (r *Runner) RunOnce(ctx context.Context) store.BackupRun {
	now := r.deps.Clock.Now()
	name := "renovabot-" + now.UTC().Format("20060102-150405") + ".tar.gz"
	res, err := r.create(ctx, filepath.Join(r.cfg.Dir, name), now)
	r.mu.Lock()
	prev := r.last
	r.mu.Unlock()
	rec := store.BackupRun{At: now, OK: err == nil, LastOK: prev.LastOK, LastOKSize: prev.LastOKSize}
	if err != nil {
		if ctx.Err() != nil {
			return prev // stopping: not a failure of the backup
		}
		r.runs.WithLabelValues("failed").Inc()
		rec.Error = err.Error()
		r.log.Error("scheduled backup failed", "dir", r.cfg.Dir, "err", err)
		// Told once per row of failures, and kept across restarts.
		rec.Told = !prev.OK && !prev.At.IsZero() && prev.Told
		if !rec.Told {
			if nerr := r.deps.Notifier.BackupFailed(ctx, now); nerr != nil {
				r.log.Warn("telling the admins the backup failed", "err", nerr)
			} else {
				rec.Told = true
			}
		}
	} else {
		r.runs.WithLabelValues("ok").Inc()
		rec.Size, rec.File, rec.LastOK, rec.LastOKSize = res.Size, name, now, res.Size
		r.log.Info("scheduled backup written", "file", res.Path, "bytes", res.Size, "schema", res.Manifest.SchemaVersion)
		r.prune()
	}
	r.mu.Lock()
	r.last = rec
	r.mu.Unlock()
	if err := r.deps.Store.SetBackupRecord(context.WithoutCancel(ctx), rec); err != nil {
		r.log.Error("recording the backup", "err", err)
	}
	return rec
}

func (r *Runner) create(ctx context.Context, out string, now time.Time) (Result, error) {
	if err := os.MkdirAll(r.cfg.Dir, 0o700); err != nil {
		return Result{}, fmt.Errorf("backup: %w", err)
	}
	return Create(ctx, r.dataDir, out, now)
}

// prune removes the scheduled archives beyond the newest Keep.
func (r *Runner) prune() {
	entries, err := os.ReadDir(r.cfg.Dir)
	if err != nil {
		r.log.Warn("listing old backups", "err", err)
		return
	}
	var names []string
	for _, e := range entries {
		if archiveName.MatchString(e.Name()) && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names) // the names sort by time
	for len(names) > r.cfg.Keep {
		if err := os.Remove(filepath.Join(r.cfg.Dir, names[0])); err != nil {
			r.log.Warn("removing an old backup", "file", names[0], "err", err)
		}
		names = names[1:]
	}
}

// runnerCollector exports the last successful backup, read at scrape.
type runnerCollector struct{ r *Runner }

func (c runnerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.r.desc.age
	ch <- c.r.desc.at
	ch <- c.r.desc.size
}

func (c runnerCollector) Collect(ch chan<- prometheus.Metric) {
	c.r.mu.Lock()
	last := c.r.last
	c.r.mu.Unlock()
	if last.LastOK.IsZero() {
		return
	}
	age := c.r.deps.Clock.Now().Sub(last.LastOK).Seconds()
	ch <- prometheus.MustNewConstMetric(c.r.desc.age, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(c.r.desc.at, prometheus.GaugeValue, float64(last.LastOK.Unix()))
	ch <- prometheus.MustNewConstMetric(c.r.desc.size, prometheus.GaugeValue, float64(last.LastOKSize))
}
