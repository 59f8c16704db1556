package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/store"
	"renovabot/store/storetest"
)

// zoneAtNoon returns a fixed-offset IANA zone where it is between 12:00
// and 13:00 now, so a test run at any hour has a whole afternoon before it:
// send time 00:00 has passed and the latest time 23:59 is far.
func zoneAtNoon(now time.Time) string {
	h := 12 - now.UTC().Hour() // local = UTC + h
	switch {
	case h == 0:
		return "Etc/GMT"
	case h > 0:
		return fmt.Sprintf("Etc/GMT-%d", h) // the Etc names' sign is inverted
	}
	return fmt.Sprintf("Etc/GMT+%d", -h)
}

// dryRunLine is one message in the dry-run driver's log.
type dryRunLine struct {
	Tenant int64  `json:"tenant"`
	To     string `json:"to"`
	Text   string `json:"text"`
	ID     string `json:"id"`
}

func readDryRun(t *testing.T, path string) []dryRunLine {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []dryRunLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l dryRunLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("dry-run line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// The built binary, killed with SIGKILL in the middle of sending a few
// hundred reminders and restarted on the same data directory, sends every
// reminder, and never one reminder under two WhatsApp message ids.
func TestCrashMidDispatchSendsEachReminderOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const clients = 300
	dir := t.TempDir()
	bin := filepath.Join(dir, "renovabot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	srv.SetUser(telegramtest.User{ID: 900, FirstName: "Admin"})
	data := filepath.Join(dir, "data")
	sentLog := filepath.Join(dir, "sent.jsonl")

	// Seed through the store before the first start: the reseller with a
	// linked dry-run WhatsApp and clients all due today.
	dbURL := storetest.DatabaseURL(t) // "": SQLite in data
	today := seedDueTodayIn(t, dbURL, data, 101, clients)

	cfg := writeConfig(t, dir, dueTodayConfig(srv.URL(), dbURL, data, sentLog, ""))
	start := func() (*exec.Cmd, *syncBuffer) {
		cmd := exec.Command(bin, "-config", cfg)
		cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+srv.Token())
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, logs
	}
	waitLines := func(n int, logs *syncBuffer) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for len(readDryRun(t, sentLog)) < n {
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d messages in the dry-run log; process output:\n%s", len(readDryRun(t, sentLog)), n, logs)
			}
			time.Sleep(20 * time.Millisecond) // polling a file another process writes
		}
	}

	first, logs1 := start()
	waitLines(clients/4, logs1)
	// Kill while a reminder is claimed ("sending", its id stored) and in
	// flight: the restart must send it under that same id.
	inFlightPhone, inFlightID := killWhileSending(t, first, dbURL, data, logs1)
	killedAt := len(readDryRun(t, sentLog))
	if killedAt >= clients {
		t.Fatalf("the process finished (%d messages) before it was killed; slow the pacing", killedAt)
	}

	second, logs2 := start()
	waitBotText(t, srv, 101, "Lembretes de hoje") // the summary comes once the day's dispatch is done
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("second run exit: %v\n%s", err, logs2)
	}

	lines := checkEachSentOnce(t, srv, sentLog, dbURL, data, clients, today, inFlightPhone, inFlightID)
	if n := strings.Count(logs2.String(), "reminders planned"); n != 0 {
		t.Fatalf("the second run planned again (%d):\n%s", n, logs2)
	}
	t.Logf("killed after %d messages with %s in flight; %d lines in total for %d reminders", killedAt, inFlightID, len(lines), clients)
}

// killWhileSending waits until a reminder is claimed ("sending", its id
// stored) in the database at dbURL ("": SQLite in data), then kills proc
// with SIGKILL. It returns the number and WhatsApp id of that reminder.
func killWhileSending(t *testing.T, proc *exec.Cmd, dbURL, data string, logs fmt.Stringer) (phone, waID string) {
	t.Helper()
	var db *sql.DB
	var err error
	if dbURL == "" {
		db, err = sql.Open("sqlite3", "file:"+filepath.Join(data, "bot.db")+"?mode=ro&_busy_timeout=5000")
	} else {
		db, err = store.PostgresDB(dbURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := db.QueryRow(`SELECT phone, wa_id FROM messages WHERE status = 'sending' LIMIT 1`).Scan(&phone, &waID)
		if err == nil {
			break
		}
		if err != sql.ErrNoRows || time.Now().After(deadline) {
			t.Fatalf("no reminder in flight: %v\n%s", err, logs)
		}
		time.Sleep(time.Millisecond) // polling another process's database
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	return phone, waID
}

// checkEachSentOnce checks, once reseller 101's day is over, that each of
// the clients seeded by seedDueTodayIn got its reminder under exactly one
// WhatsApp id in the dry-run log (the one in flight at a kill included),
// that the database agrees (every row sent, with the id the client got)
// and that the day's summary counts them all. It returns the log's lines.
func checkEachSentOnce(t *testing.T, srv *telegramtest.Server, sentLog, dbURL, data string, clients int, today billing.Date,
	inFlightPhone, inFlightID string) []dryRunLine {
	t.Helper()
	ctx := context.Background()
	lines := readDryRun(t, sentLog)
	ids := map[string]map[string]bool{}
	for _, l := range lines {
		if l.Tenant != 101 {
			t.Fatalf("sent from tenant %d: %+v", l.Tenant, l)
		}
		if ids[l.To] == nil {
			ids[l.To] = map[string]bool{}
		}
		ids[l.To][l.ID] = true
	}
	if len(ids) != clients {
		t.Fatalf("%d clients got a message, want %d (%d lines)", len(ids), clients, len(lines))
	}
	for to, set := range ids {
		if len(set) != 1 {
			t.Errorf("%s got the reminder under %d ids: %v", to, len(set), set)
		}
	}
	if !ids[inFlightPhone][inFlightID] {
		t.Fatalf("the reminder in flight at the kill (%s, id %s) went out under %v", inFlightPhone, inFlightID, ids[inFlightPhone])
	}
	st, err := store.OpenDatabase(ctx, dbURL, data, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	msgs, err := st.Tenant(101).Messages().Recent(ctx, 10*clients)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != clients {
		t.Fatalf("%d message rows, want %d", len(msgs), clients)
	}
	for _, m := range msgs {
		if m.Origin != store.OriginAuto || m.Status != store.MsgSent || !ids[m.Phone][m.WAID] || m.SendOn != today {
			t.Fatalf("row %+v (ids sent to it: %v)", m, ids[m.Phone])
		}
	}
	sum := waitBotText(t, srv, 101, "Lembretes de hoje")
	if !strings.Contains(sum.Text, fmt.Sprintf("Enviados: %d", clients)) {
		t.Fatalf("summary:\n%s", sum.Text)
	}
	return lines
}
