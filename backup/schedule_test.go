package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"renovabot/clock"
	"renovabot/store"
)

type admins struct {
	mu   sync.Mutex
	told []time.Time
}

func (a *admins) BackupFailed(_ context.Context, at time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.told = append(a.told, at)
	return nil
}

func (a *admins) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.told)
}

func archives(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// Issue 16: scheduled backups every backup.every on the injected clock,
// the newest backup.keep kept; a failure is logged and told to the admins
// once per row of failures, retried within the hour; the last backup's
// age, time and size are exported.
func TestScheduledBackups(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, st := installation(t)
	clk := clock.NewFake(t0)
	bdir := filepath.Join(t.TempDir(), "backups")
	os.MkdirAll(bdir, 0o700)
	os.WriteFile(filepath.Join(bdir, "notes.txt"), []byte("not ours"), 0o600)
	told := &admins{}
	reg := prometheus.NewRegistry()
	r, err := NewRunner(ctx, Schedule{Dir: bdir, Every: 6 * time.Hour, Keep: 2}, dir, RunnerDeps{Store: st, Notifier: told, Clock: clk, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	step := func(d time.Duration) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		defer wcancel()
		if err := clk.WaitForSleepers(wctx, 1); err != nil {
			t.Fatal("the runner never waited for its next backup")
		}
		if got := clk.SleepDurations(); len(got) != 1 || got[0] != d {
			t.Fatalf("next backup in %v, want %v", got, d)
		}
		clk.Advance(d)
	}
	// The first backup is made at once (none recorded), the next every 6h.
	step(6 * time.Hour)
	step(6 * time.Hour)
	step(6 * time.Hour)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	clk.WaitForSleepers(wctx, 1)
	got := archives(t, bdir)
	if strings.Join(got, " ") != "notes.txt renovabot-20261129-030000.tar.gz renovabot-20261129-090000.tar.gz" {
		t.Fatalf("backup dir = %v", got)
	}
	rec, ok, err := st.BackupRecord(ctx)
	if err != nil || !ok || !rec.OK || rec.File != "renovabot-20261129-090000.tar.gz" || rec.Size == 0 || !rec.LastOK.Equal(t0.Add(18*time.Hour)) {
		t.Fatalf("record = %+v %v %v", rec, ok, err)
	}
	if n := testutil.ToFloat64(r.runs.WithLabelValues("ok")); n != 4 {
		t.Fatalf("ok backups = %v", n)
	}

	// The directory becomes unusable: each failure is recorded, retried
	// after an hour, told once.
	os.RemoveAll(bdir)
	os.WriteFile(bdir, []byte("a file, not a directory"), 0o600)
	clk.Advance(6 * time.Hour) // the 5th backup, at 24h, fails
	step(time.Hour)            // and again an hour later
	clk.WaitForSleepers(wctx, 1)
	rec, _, _ = st.BackupRecord(ctx)
	if rec.OK || rec.Error == "" || !rec.Told || !rec.LastOK.Equal(t0.Add(18*time.Hour)) {
		t.Fatalf("record after failures = %+v", rec)
	}
	if told.count() != 1 {
		t.Fatalf("admins told %d times, want once", told.count())
	}
	// The age is measured from the last good one (18h): 7h at 25h.
	if age, err := testutil.GatherAndCount(reg, "renovabot_backup_age_seconds"); err != nil || age != 1 {
		t.Fatalf("age series = %d %v", age, err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP renovabot_backup_age_seconds Seconds since the last successful scheduled backup (absent until there is one).
# TYPE renovabot_backup_age_seconds gauge
renovabot_backup_age_seconds 25200
# HELP renovabot_backups_total Scheduled backups made by this process, by result (ok, failed).
# TYPE renovabot_backups_total counter
renovabot_backups_total{result="failed"} 2
renovabot_backups_total{result="ok"} 4
`), "renovabot_backup_age_seconds", "renovabot_backups_total"); err != nil {
		t.Fatal(err)
	}

	// Fixed: the next works; a later failure is told again.
	os.Remove(bdir)
	step(time.Hour)
	clk.WaitForSleepers(wctx, 1)
	if rec, _, _ = st.BackupRecord(ctx); !rec.OK {
		t.Fatalf("record after the fix = %+v", rec)
	}
	os.RemoveAll(bdir)
	os.WriteFile(bdir, nil, 0o600)
	step(6 * time.Hour)
	clk.WaitForSleepers(wctx, 1)
	if told.count() != 2 {
		t.Fatalf("admins told %d times, want twice", told.count())
	}
}

// A restart goes on from the recorded last backup instead of making one at
// once.
func TestScheduledBackupsResumeFromTheRecord(t *testing.T) {
	_, st := installation(t)
	ctx := context.Background()
	if err := st.SetBackupRecord(ctx, store.BackupRun{At: t0.Add(-2 * time.Hour), OK: true, LastOK: t0.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	r, err := NewRunner(ctx, Schedule{Dir: t.TempDir(), Every: 24 * time.Hour, Keep: 1}, "unused", RunnerDeps{Store: st, Notifier: &admins{}, Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.next(); !got.Equal(t0.Add(22 * time.Hour)) {
		t.Fatalf("next = %v", got)
	}
}
