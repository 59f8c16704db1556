package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/store"
	"renovabot/store/storetest"
	"renovabot/whatsapp"
)

// opsRun is one program run that goes through what resellers do most: a
// reseller named on Telegram registers a client by the wizard, links the
// (dry-run) WhatsApp, sends the client a message from the card, and the
// client answers and asks to stop reminders. Its logs are JSON.
type opsRun struct {
	p                  *program
	srv                *telegramtest.Server
	data               string
	reseller, client   string // names
	clientPhone, reply string
}

func runOps(t *testing.T) opsRun {
	t.Helper()
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	srv.CheckMarkup(t)
	o := opsRun{srv: srv, reseller: "Rebeca Revendedora", client: "Clóvis Sigiloso", clientPhone: "5521987650042",
		reply: "paguei o pix, segue meu endereço rua secreta"}
	srv.SetUser(telegramtest.User{ID: 101, FirstName: "Rebeca", LastName: "Revendedora", Username: "rebeca_rev"})
	dir := t.TempDir()
	o.data = filepath.Join(dir, "data")
	cfg := strings.Replace(testConfig(srv, o.data), "  level: debug\n", "  level: debug\n  format: json\n", 1)
	o.p = startProgram(t, writeConfig(t, dir, cfg), srv.Token())
	const chat = 101
	c := resellerChat{t, srv, chat}
	say, press := c.say, c.press
	say("/start", "Boas-vindas")
	c.addClient(o.client, o.clientPhone, "+2")
	c.linkDryRun()
	say("/buscar Clovis", "1 cliente encontrado")
	press(o.client, "vence em 2 dias")
	press("📤 Enviar mensagem", "Qual mensagem?")
	press("Lembrete antes do vencimento", "Prévia")
	press("✅ Enviar", "Enviado")
	inbox := filepath.Join(o.data, "dryrun-inbox.jsonl")
	appendInbox(t, inbox, fmt.Sprintf(`{"tenant": 101, "from": %q, "text": %q, "id": "IN1", "name": "Clóvis"}`, o.clientPhone, o.reply))
	waitBotText(t, srv, chat, "rua secreta")
	appendInbox(t, inbox, fmt.Sprintf(`{"tenant": 101, "from": %q, "text": "SAIR", "id": "IN2"}`, o.clientPhone))
	waitBotText(t, srv, chat, "os lembretes automáticos foram pausados")
	return o
}

// logLine is one JSON log line.
type logLine map[string]any

func jsonLogs(t *testing.T, raw string) []logLine {
	t.Helper()
	var out []logLine
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		var m logLine
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// Issue 16: at info level and above, no log line holds a name, a phone
// number (the client's, in any form, or the reseller's linked one) or a
// text a client wrote; every line about the reseller carries "chat".
// Debug lines may say more (log.level debug is on here, and they do).
func TestProgramLogsNothingPersonalAtInfo(t *testing.T) {
	o := runOps(t)
	if code := o.p.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	own := whatsapp.DryRunPhone(101)
	personal := []string{o.client, "Clovis", "Clóvis", "Sigiloso", "Rebeca", "Revendedora", "rebeca_rev",
		o.clientPhone, o.clientPhone[2:], "98765-0042", own, own[2:], o.reply, "rua secreta"}
	lines := jsonLogs(t, o.p.logs.String())
	var debugPersonal, withChat int
	for _, l := range lines {
		raw, _ := json.Marshal(l)
		if _, ok := l["chat_id"]; ok {
			t.Errorf("a line names the reseller chat_id, not chat: %s", raw)
		}
		if l["chat"] == float64(101) {
			withChat++
		}
		for _, p := range personal {
			if !strings.Contains(string(raw), p) {
				continue
			}
			if l["level"] == "DEBUG" {
				debugPersonal++
				continue
			}
			t.Errorf("%s line holds %q: %s", l["level"], p, raw)
		}
	}
	for _, msg := range []string{"new reseller", "client created", "linked", "manual send", "WhatsApp message forwarded"} {
		found := false
		for _, l := range lines {
			if l["msg"] == msg && l["chat"] == float64(101) && l["level"] != "DEBUG" {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q line with chat=101 at info", msg)
		}
	}
	t.Logf("%d lines, %d with chat=101, %d debug lines with personal data", len(lines), withChat, debugPersonal)
}

// scrape reads GET /metrics into series -> value, a series written as the
// text format prints it: name{label="value",...} (labels sorted by name).
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	out := map[string]float64{}
	for _, l := range strings.Split(string(raw), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", l, err)
		}
		out[l[:i]] = v
	}
	return out
}

// dueTodayConfig is the configuration of a program that sends the
// reminders seedDueTodayIn seeded: the dry-run driver logging to sentLog,
// a short pacing gap, no daily cap; listen is the health server's address
// ("" for none).
func dueTodayConfig(apiURL, dbURL, data, sentLog, listen string) string {
	return fmt.Sprintf(`telegram:
  api_url: %s
  admins: [900]
  poll_timeout: 3s
  rate_global: 1000
  rate_per_chat: 1000
database:
  url: %q
data_dir: %s
whatsapp:
  driver: dryrun
  dryrun_log: %s
  min_gap: 10ms
  max_gap: 20ms
  typing: 0s
  daily_cap: 0
http:
  listen: %q
log:
  level: debug
`, apiURL, dbURL, data, sentLog, listen)
}

// seedDueTodayIn registers chat with n clients due today, reminders from
// 00:00 to 23:59 in a zone where it is about noon, and a linked dry-run
// WhatsApp, straight in the store (before the program starts): the
// database at dbURL, or SQLite in data when dbURL is "". It returns the
// clients' due date, today in their zone.
func seedDueTodayIn(t *testing.T, dbURL, data string, chat int64, n int) billing.Date {
	t.Helper()
	ctx := context.Background()
	zone := zoneAtNoon(time.Now())
	st, err := store.OpenDatabase(ctx, dbURL, data, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tn := st.Tenant(chat)
	if _, _, err := tn.Account().Register(ctx, fmt.Sprintf("Revenda %d", chat), "", zone); err != nil {
		t.Fatal(err)
	}
	if err := tn.Reminders().SetSendTime(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := tn.Reminders().SetLatestTime(ctx, 23*60+59); err != nil {
		t.Fatal(err)
	}
	plan, err := tn.Plans().FindByName(ctx, "Mensal")
	if err != nil {
		t.Fatal(err)
	}
	today := billing.Today(time.Now(), store.LoadLocation(zone))
	seed := make([]store.NewClient, n)
	for i := range seed {
		seed[i] = store.NewClient{Name: fmt.Sprintf("Cliente %d-%03d", chat, i), Phone: fmt.Sprintf("5521%d%06d", 9, int(chat)*1000+i),
			PlanID: plan.ID, Price: 3590, Due: today}
	}
	if res, err := tn.Clients().Import(ctx, seed); err != nil || res.Created != n {
		t.Fatalf("import: %+v %v", res, err)
	}
	phone := whatsapp.DryRunPhone(chat)
	jid := phone + ":1@s.whatsapp.net"
	if err := os.MkdirAll(filepath.Join(data, "whatsapp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "whatsapp", fmt.Sprintf("%d.dryrun", chat)), []byte(jid+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tn.WhatsApp().SaveSession(ctx, store.WhatsAppSession{DeviceJID: jid, Phone: phone, LinkedAt: time.Now(), State: "connected"}); err != nil {
		t.Fatal(err)
	}
	return today
}

// Issue 16: GET /metrics on http.listen, after a run where a reseller's
// reminders went out, another reseller registered (one Telegram 429 on
// the way) and the first pressed a button: every counter moved as the run
// did, and no label names a chat, a number or a name.
func TestProgramMetricsFollowTheRun(t *testing.T) {
	const reminders = 12
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	dbURL := storetest.DatabaseURL(t) // "": SQLite in data
	seedDueTodayIn(t, dbURL, data, 101, reminders)
	p := startProgram(t, writeConfig(t, dir, testConfig(srv, data)+fmt.Sprintf("database:\n  url: %q\n", dbURL)), srv.Token())
	waitBotText(t, srv, 101, "Lembretes de hoje")

	srv.Fail(telegramtest.Fault{Method: "sendMessage", ChatID: 202, Code: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1, Times: 1})
	srv.SendText(202, "/start")
	waitBotText(t, srv, 202, "Boas-vindas")
	srv.SendText(101, "/whatsapp")
	waitBotText(t, srv, 101, "WhatsApp conectado")
	click(t, srv, 101, "🧪 Testar envio")
	waitBotText(t, srv, 101, "Mensagem de teste enviada")

	sent := len(readDryRun(t, filepath.Join(data, "dryrun-sent.jsonl")))
	if sent != reminders+1 {
		t.Fatalf("dry-run log has %d messages, want %d", sent, reminders+1)
	}
	// Updates are counted once handled, after the answer the test waited
	// for: wait for the last one to be counted.
	var m map[string]float64
	if !srv.Until(waitLimit, func() bool {
		m = scrape(t, p.health)
		return m[`renovabot_telegram_updates_total{kind="button"}`] == 1
	}) {
		t.Fatalf("the button press was never counted: %v", m)
	}
	calls := map[string]float64{}
	for _, c := range srv.Calls("") {
		result := "ok"
		switch c.Status {
		case 200:
		case 429:
			result = "rate_limited"
		case 400:
			result = "bad_request" // the admin digest to an admin who never started the bot
		default:
			result = fmt.Sprint(c.Status)
		}
		calls[fmt.Sprintf(`renovabot_telegram_calls_total{method=%q,result=%q}`, c.Method, result)]++
	}
	want := map[string]float64{
		`renovabot_telegram_updates_total{kind="command"}`:                           2,
		`renovabot_telegram_updates_total{kind="button"}`:                            1,
		`renovabot_telegram_update_duration_seconds_count{kind="command"}`:           2,
		`renovabot_telegram_update_duration_seconds_count{kind="button"}`:            1,
		`renovabot_telegram_calls_total{method="sendMessage",result="rate_limited"}`: 1,
		`renovabot_whatsapp_sends_total{reason="none",result="sent"}`:                float64(sent),
		`renovabot_whatsapp_sessions{state="connected"}`:                             1,
		`renovabot_whatsapp_sessions{state="pairing"}`:                               0,
		`renovabot_reminders_today{status="planned"}`:                                reminders,
		`renovabot_reminders_today{status="sent"}`:                                   reminders,
		`renovabot_reminders_today{status="failed"}`:                                 0,
		`renovabot_reminders_today{status="not_sent"}`:                               0,
		`renovabot_reminders_today{status="open"}`:                                   0,
		`renovabot_outbox_depth`:                                                     0,
	}
	for series, n := range calls {
		want[series] = n
	}
	for series, n := range want {
		if got, ok := m[series]; !ok || got != n {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, n)
		}
	}
	if m[`renovabot_scheduler_tick_duration_seconds_count`] < 1 {
		t.Errorf("no scheduler tick measured")
	}
	// Labels: never a chat id, a number or a name.
	for series := range m {
		_, labels, _ := strings.Cut(series, "{")
		for _, forbidden := range []string{"chat", "phone", "101", "202", "5521", "Cliente", "Revenda"} {
			if strings.Contains(labels, forbidden) {
				t.Errorf("series %s has a label with %q", series, forbidden)
			}
		}
	}
}
