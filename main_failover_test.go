package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/leader"
	"renovabot/store"
	"renovabot/store/storetest"
)

// envInstance makes the test binary run the program instead of the tests:
// its value is the program's arguments, one per line. The failover test
// starts instances this way, as separate processes, so that SIGKILL is
// real (the kernel closes the killed instance's connections).
const envInstance = "RENOVABOT_TEST_INSTANCE_ARGS"

// instanceMarker prefixes the lines an instance prints to stderr when it
// stands by or serves, with its health address.
const instanceMarker = "TEST-INSTANCE"

func TestMain(m *testing.M) {
	if args := os.Getenv(envInstance); args != "" {
		os.Exit(runInstance(strings.Split(args, "\n")))
	}
	os.Exit(m.Run())
}

// runInstance is main() with markers on stderr for the test to wait on.
func runInstance(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mark := func(what string) func(string) {
		return func(addr string) { fmt.Fprintf(os.Stderr, "%s %s %s\n", instanceMarker, what, addr) }
	}
	return run(ctx, runOptions{Args: args, Getenv: os.Getenv, Stderr: os.Stderr, Clock: clock.Real{},
		Ready: mark("active"), Standby: mark("standby"), Exit: os.Exit})
}

// instance is one program process of the failover test.
type instance struct {
	name string
	cmd  *exec.Cmd
	logs *syncBuffer
}

func startInstance(t *testing.T, name, cfg, token string) *instance {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envInstance+"=-config\n"+cfg, "TELEGRAM_BOT_TOKEN="+token)
	in := &instance{name: name, cmd: cmd, logs: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = in.logs, in.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return in
}

// await waits for the instance's marker what ("standby", "active") and
// returns its health address.
func (in *instance) await(t *testing.T, what string, limit time.Duration) string {
	t.Helper()
	re := regexp.MustCompile(instanceMarker + " " + what + ` (\S+)`)
	deadline := time.Now().Add(limit)
	for {
		if m := re.FindStringSubmatch(in.logs.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s never said %q within %s:\n%s", in.name, what, limit, in.logs)
		}
		time.Sleep(10 * time.Millisecond) // polling another process's output
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// Issue 17: two instances of the program on one PostgreSQL database, the
// fake Bot API and the dry-run WhatsApp. The first is active and sending
// the day's reminders; the second stands by (its /healthz says so). The
// active one is killed (SIGKILL) with a reminder in flight: the standby
// takes over within 30 s, every client gets its reminder under exactly one
// WhatsApp id (the one in flight included), and at no moment did both
// instances poll getUpdates.
func TestFailoverStandbyTakesOverWithEachReminderOnce(t *testing.T) {
	testdb.PostgresOnly(t)
	const clients = 200
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	srv.SetUser(telegramtest.User{ID: 900, FirstName: "Admin"})
	dir := t.TempDir()
	// One database and, on this one machine, one data_dir (the erased
	// chats' key, the dry-run device); each instance its own health port.
	data := filepath.Join(dir, "data")
	sentLog := filepath.Join(dir, "sent.jsonl")
	dbURL := storetest.DatabaseURL(t)
	today := seedDueTodayIn(t, dbURL, data, 101, clients)
	cfg := writeConfig(t, dir, dueTodayConfig(srv.URL(), dbURL, data, sentLog, "127.0.0.1:0"))

	a := startInstance(t, "A", cfg, srv.Token())
	healthA := a.await(t, "active", 60*time.Second)
	b := startInstance(t, "B", cfg, srv.Token())
	healthB := b.await(t, "standby", 60*time.Second)
	if code, body := httpGet(t, "http://"+healthB+"/healthz"); code != 200 || !strings.Contains(body, `"status":"standby"`) {
		t.Fatalf("standby's /healthz = %d %s", code, body)
	}
	if _, body := httpGet(t, "http://"+healthB+"/metrics"); !strings.Contains(body, "renovabot_instance_active 0") {
		t.Fatalf("standby's /metrics:\n%s", body)
	}
	if _, body := httpGet(t, "http://"+healthA+"/metrics"); !strings.Contains(body, "renovabot_instance_active 1") {
		t.Fatalf("active's /metrics:\n%s", body)
	}

	// Reminders are going out: kill the active instance with one in flight.
	deadline := time.Now().Add(60 * time.Second)
	for len(readDryRun(t, sentLog)) < clients/4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d messages sent by A:\n%s", len(readDryRun(t, sentLog)), clients, a.logs)
		}
		time.Sleep(20 * time.Millisecond) // polling a file another process writes
	}
	inFlightPhone, inFlightID := killWhileSending(t, a.cmd, dbURL, data, a.logs)
	killedAt, killed := len(readDryRun(t, sentLog)), time.Now()
	if killedAt >= clients {
		t.Fatalf("A finished (%d messages) before it was killed; slow the pacing", killedAt)
	}

	b.await(t, "active", 30*time.Second)
	takeover := time.Since(killed)
	waitBotText(t, srv, 101, "Lembretes de hoje") // the summary comes once the day's dispatch is done
	checkEachSentOnce(t, srv, sentLog, dbURL, data, clients, today, inFlightPhone, inFlightID)
	if code, body := httpGet(t, "http://"+healthB+"/healthz"); code != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("/healthz of B once active = %d %s", code, body)
	}
	if o := srv.PollOverlaps(); len(o) > 0 {
		t.Fatalf("two instances polled getUpdates at once: %v", o)
	}
	if n := strings.Count(b.logs.String(), "reminders planned"); n != 0 {
		t.Fatalf("B planned the day again (%d):\n%s", n, b.logs)
	}
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("B's exit: %v\n%s", err, b.logs)
	}
	t.Logf("A killed after %d of %d messages with %s in flight; B active %s later", killedAt, clients, inFlightID, takeover.Round(time.Millisecond))
}

// postgresProgram is the fake Bot API and a program configuration on a
// fresh PostgreSQL database of the PostgreSQL pass (the test is skipped
// in the SQLite pass), with that database's URL.
func postgresProgram(t *testing.T) (*telegramtest.Server, string, string) {
	t.Helper()
	testdb.PostgresOnly(t)
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	dbURL := storetest.DatabaseURL(t)
	cfg := writeConfig(t, dir, testConfig(srv, filepath.Join(dir, "data"))+fmt.Sprintf("database:\n  url: %q\n", dbURL))
	return srv, cfg, dbURL
}

// An active instance whose lock connection fails (here the server ends
// its session, as a restart of PostgreSQL would) stops at once and exits
// with status 1, for its supervisor to restart it as a standby.
func TestProgramExitsWhenItLosesTheActiveLock(t *testing.T) {
	srv, cfg, dbURL := postgresProgram(t)
	p := startProgram(t, cfg, srv.Token())
	if _, body := getHealth(t, p.health); body["status"] == "standby" {
		t.Fatalf("the only instance stands by: %v", body)
	}

	db, err := store.PostgresDB(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ended bool
	if err := db.QueryRow(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid = ? AND objid = hashtext(current_schema())::oid AND objsubid = 2`, leader.LockClass).Scan(&ended); err != nil || !ended {
		t.Fatalf("end the lock's session: %v %v", ended, err)
	}
	select {
	case code := <-p.done:
		p.cancel = nil
		if code != exitFail {
			t.Fatalf("exit status %d after losing the lock, want %d:\n%s", code, exitFail, p.logs)
		}
	case <-time.After(waitLimit):
		t.Fatalf("still running %s after losing the lock:\n%s", waitLimit, p.logs)
	}
	if !strings.Contains(p.logs.String(), "lost the active lock") {
		t.Fatalf("the logs do not say why it stopped:\n%s", p.logs)
	}
}

// A standby leaves the schema to the active instance: in a rolling upgrade
// an instance of a newer build waits without changing the tables under the
// older one still serving, and migrates once it is active. Here the
// database is set one migration behind this build while an instance is
// active; a second instance must stand by without applying it (applying it
// again would fail on the table it creates), and stop cleanly.
func TestProgramStandbyLeavesTheSchemaAlone(t *testing.T) {
	srv, cfg, dbURL := postgresProgram(t)
	startProgram(t, cfg, srv.Token())

	db, err := store.PostgresDB(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	latest := store.KnownSchemaVersion()
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = ?`, latest); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	standby := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, runOptions{
			Args:     []string{"-config", cfg},
			Getenv:   func(k string) string { return map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token()}[k] },
			Stderr:   logs,
			Clock:    clock.Real{},
			Standby:  func(addr string) { standby <- addr },
			Failover: leader.Timing{Fence: time.Millisecond},
		})
	}()
	select {
	case addr := <-standby:
		if code, body := getHealth(t, addr); code != 200 || body["status"] != "standby" {
			t.Fatalf("second instance's /healthz = %d %v", code, body)
		}
	case code := <-done:
		t.Fatalf("the second instance exited with %d instead of standing by:\n%s", code, logs)
	case <-time.After(waitLimit):
		t.Fatalf("the second instance never stood by:\n%s", logs)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = ?`, latest).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a standby applied migration %d: %d rows, %v", latest, n, err)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("standby's exit status %d:\n%s", code, logs)
	}
}
