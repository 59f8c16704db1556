package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/leader"
	"renovabot/store/storetest"
)

// TestPostgreSQL runs the program tests again with the store on PostgreSQL
// when RENOVABOT_TEST_DATABASE_URL is set (package testdb), and says it
// skipped them otherwise.
func TestPostgreSQL(t *testing.T) { testdb.Pass(t) }

// testPassword is the test database's password ("" on SQLite).
func testPassword(t *testing.T) string {
	if !testdb.Postgres() {
		return ""
	}
	u, err := url.Parse(os.Getenv(testdb.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return pw
}

const waitLimit = 15 * time.Second

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// program is one run of the whole binary's code against the fake Bot API.
type program struct {
	t      *testing.T
	cancel context.CancelFunc
	done   chan int
	health string
	logs   *syncBuffer
}

// writeConfig writes config.yaml in dir. In the PostgreSQL pass (package
// testdb) a config without a database section gets a fresh database of its
// own: a program started twice on the same file finds its data again.
func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	if u := storetest.DatabaseURL(t); u != "" && !strings.Contains(body, "database:") {
		body += fmt.Sprintf("database:\n  url: %q\n", u)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testConfig(srv *telegramtest.Server, dataDir string) string {
	return fmt.Sprintf(`telegram:
  api_url: %s
  admins: [900]
  poll_timeout: 3s
  rate_global: 1000
  rate_per_chat: 1000
data_dir: %s
whatsapp:
  driver: dryrun
  min_gap: 0s
  max_gap: 0s
  typing: 0s
http:
  listen: 127.0.0.1:0
log:
  level: debug
`, srv.URL(), dataDir)
}

func startProgram(t *testing.T, cfgPath, token string) *program {
	t.Helper()
	return startProgramWith(t, cfgPath, clock.Real{}, map[string]string{"TELEGRAM_BOT_TOKEN": token})
}

// startProgramWith is startProgram with a clock and an environment.
func startProgramWith(t *testing.T, cfgPath string, clk clock.Clock, envVars map[string]string) *program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{t: t, cancel: cancel, done: make(chan int, 1), logs: &syncBuffer{}}
	ready := make(chan string, 1)
	go func() {
		p.done <- run(ctx, runOptions{
			Args:   []string{"-config", cfgPath},
			Getenv: func(k string) string { return envVars[k] },
			Stderr: p.logs,
			Clock:  clk,
			Ready:  func(addr string) { ready <- addr },
			// One instance per database here: no former active instance
			// to wait for (the failover test runs the real timing).
			Failover: leader.Timing{Fence: time.Millisecond},
		})
	}()
	select {
	case p.health = <-ready:
	case code := <-p.done:
		t.Fatalf("program exited with %d during start:\n%s", code, p.logs)
	case <-time.After(waitLimit):
		t.Fatalf("program not ready:\n%s", p.logs)
	}
	t.Cleanup(func() { p.stop() })
	return p
}

// stop sends the equivalent of SIGTERM and returns the exit status.
func (p *program) stop() int {
	if p.cancel == nil {
		return 0
	}
	p.cancel()
	p.cancel = nil
	select {
	case code := <-p.done:
		return code
	case <-time.After(waitLimit):
		p.t.Fatalf("program did not stop:\n%s", p.logs)
	}
	return -1
}

func waitBotText(t *testing.T, srv *telegramtest.Server, chat int64, want string) telegramtest.Message {
	t.Helper()
	var found telegramtest.Message
	if !srv.Until(waitLimit, func() bool {
		for _, m := range srv.BotMessages(chat) {
			if strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	}) {
		t.Fatalf("chat %d never showed %q", chat, want)
	}
	return found
}

func getHealth(t *testing.T, addr string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestProgramServesResellersAndSurvivesRestart(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	srv.SetUser(telegramtest.User{ID: 202, FirstName: "Bruno"})
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testConfig(srv, filepath.Join(dir, "data")))

	p := startProgram(t, cfg, srv.Token())
	srv.SendText(101, "/start")
	srv.SendText(202, "/start")
	waitBotText(t, srv, 101, "Olá, Ana! Boas-vindas")
	waitBotText(t, srv, 202, "Olá, Bruno! Boas-vindas")

	// Healthy once polling runs.
	if !srv.Until(waitLimit, func() bool { code, _ := getHealth(t, p.health); return code == 200 }) {
		t.Fatal("healthz never 200")
	}
	code, body := getHealth(t, p.health)
	if code != 200 || body["store"] != "ok" || body["telegram"] != "polling" {
		t.Fatalf("healthz = %d %v", code, body)
	}

	// Ana starts registering a client and the process stops mid-wizard.
	srv.SendText(101, "/novo")
	waitBotText(t, srv, 101, "Qual o nome do cliente?")
	srv.SendText(101, "Cliente da Ana")
	waitBotText(t, srv, 101, "Qual o WhatsApp do cliente?")
	if status := p.stop(); status != 0 {
		t.Fatalf("exit status after stop = %d\n%s", status, p.logs)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "bot.db")); testdb.Postgres() != os.IsNotExist(err) {
		t.Fatalf("bot.db in data_dir with database %s: %v", map[bool]string{true: "PostgreSQL", false: "SQLite"}[testdb.Postgres()], err)
	}
	if strings.Contains(p.logs.String(), srv.Token()) {
		t.Fatal("the token appears in the logs")
	}
	if pw := testPassword(t); pw != "" && strings.Contains(p.logs.String(), pw) {
		t.Fatal("the database password appears in the logs")
	}

	// A new process on the same data dir continues the wizard at the same step.
	startProgram(t, cfg, srv.Token())
	srv.SendText(101, "11987654321")
	waitBotText(t, srv, 101, "Qual o plano?")
	srv.SendText(101, "/cancelar")
	waitBotText(t, srv, 101, "Operação cancelada")
	// And it knows both resellers.
	srv.SendText(202, "/start")
	waitBotText(t, srv, 202, "Olá de novo, Bruno!")
}

func click(t *testing.T, srv *telegramtest.Server, chat int64, label string) {
	t.Helper()
	if !srv.Until(waitLimit, func() bool { _, err := srv.Click(chat, label); return err == nil }) {
		_, err := srv.Click(chat, label)
		t.Fatal(err)
	}
}

// With the dry-run driver, reseller A links and sends a test: the line in
// the dry-run log carries A's chat id; B, not linked, cannot send.
func TestProgramDryRunWhatsApp(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := writeConfig(t, dir, testConfig(srv, data))
	startProgram(t, cfg, srv.Token())
	srv.SendText(101, "/start")
	srv.SendText(202, "/start")
	waitBotText(t, srv, 101, "Boas-vindas")
	waitBotText(t, srv, 202, "Boas-vindas")

	srv.SendText(101, "/whatsapp")
	waitBotText(t, srv, 101, "Seu WhatsApp não está conectado")
	click(t, srv, 101, "🔗 Conectar com QR code")
	waitBotText(t, srv, 101, "Conectado como +55 (11) 9")
	click(t, srv, 101, "🧪 Testar envio")
	waitBotText(t, srv, 101, "Mensagem de teste enviada")

	raw, err := os.ReadFile(filepath.Join(data, "dryrun-sent.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 1 {
		t.Fatalf("dry-run log = %q", raw)
	}
	var sent struct {
		Tenant int64  `json:"tenant"`
		To     string `json:"to"`
		Text   string `json:"text"`
		ID     string `json:"id"`
		At     string `json:"at"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &sent); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.RFC3339, sent.At); err != nil || sent.Tenant != 101 || sent.ID == "" || !strings.Contains(sent.Text, "Teste do RenovaBot") {
		t.Fatalf("dry-run line = %+v (%v)", sent, err)
	}

	// B is not linked: no test button, and a forged one sends nothing.
	srv.SendText(202, "/whatsapp")
	m := waitBotText(t, srv, 202, "Seu WhatsApp não está conectado")
	srv.Press(202, m.ID, "1|wat")
	waitBotText(t, srv, 202, "Conecte para enviar mensagens")
	raw, _ = os.ReadFile(filepath.Join(data, "dryrun-sent.jsonl"))
	if strings.Count(strings.TrimSpace(string(raw)), "\n") != 0 {
		t.Fatalf("B's forged test was sent: %q", raw)
	}
}

// Two resellers edit their charge message, set their own company name and
// send it to a client: the dry-run log has each rendered text, from each
// reseller's own session, and never the other's company data.
func TestProgramDryRunTemplateSend(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	startProgram(t, writeConfig(t, dir, testConfig(srv, data)), srv.Token())

	type reseller struct {
		chat            int64
		company, client string
	}
	for _, r := range []reseller{{101, "Alfa Streaming", "Carla Cliente"}, {202, "Beta TV", "Davi Cliente"}} {
		c := resellerChat{t, srv, r.chat}
		say, press := c.say, c.press
		say("/start", "Boas-vindas")
		// Company name.
		say("/config", "Configurações")
		press("🏢 Dados da empresa", "Dados da empresa")
		press("🏷️ Nome", "nome da sua empresa")
		say(r.company, r.company)
		// The charge message, edited.
		say("/config", "Configurações")
		press("📝 Mensagens", "Cobrança")
		press("Cobrança", "Prévia com")
		press("✏️ Editar", "Envie o novo texto")
		say("Oi {primeiro_nome}! {empresa} lembra: {plano} de {valor} vence {dias}.", "Mensagem salva")
		// A client, typed.
		c.addClient(r.client, fmt.Sprintf("119%08d", r.chat), "+2")
		// Link WhatsApp (dry run) and send from the card.
		c.linkDryRun()
		say("/buscar "+r.client, "1 cliente encontrado")
		press(r.client, "vence em 2 dias")
		press("📤 Enviar mensagem", "Cobrança")
		press("Cobrança", "Oi ")
		press("✅ Enviar", "Enviado")
	}

	byTenant := map[int64]string{}
	for _, sent := range readDryRun(t, filepath.Join(data, "dryrun-sent.jsonl")) {
		byTenant[sent.Tenant] = sent.Text
	}
	if got, want := byTenant[101], "Oi Carla! Alfa Streaming lembra: Mensal de R$ 35,90 vence em 2 dias."; got != want {
		t.Fatalf("A's message = %q, want %q", got, want)
	}
	if got, want := byTenant[202], "Oi Davi! Beta TV lembra: Mensal de R$ 35,90 vence em 2 dias."; got != want {
		t.Fatalf("B's message = %q, want %q", got, want)
	}
}

// waitNewBotText waits for a new bot message (index >= from) containing want.
func waitNewBotText(t *testing.T, srv *telegramtest.Server, chat int64, from int, want string) {
	t.Helper()
	if !srv.Until(waitLimit, func() bool {
		msgs := srv.BotMessages(chat)
		for i := from; i < len(msgs); i++ {
			if strings.Contains(msgs[i].Text, want) {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("chat %d never showed %q", chat, want)
	}
}

// waitAnyBotText waits for a new or edited bot message containing want.
func waitAnyBotText(t *testing.T, srv *telegramtest.Server, chat int64, from int, want string) {
	t.Helper()
	if !srv.Until(waitLimit, func() bool {
		msgs := srv.BotMessages(chat)
		for i, m := range msgs {
			if (i >= from || m.Edits > 0) && strings.Contains(m.Text, want) {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("chat %d never showed %q", chat, want)
	}
}

// resellerChat is one reseller's chat with the bot, driven step by step:
// each step waits for the bot's answer.
type resellerChat struct {
	t    *testing.T
	srv  *telegramtest.Server
	chat int64
}

// say sends text and waits for a new bot message containing want; it
// returns the latest such message.
func (c resellerChat) say(text, want string) telegramtest.Message {
	c.t.Helper()
	before := len(c.srv.BotMessages(c.chat))
	c.srv.SendText(c.chat, text)
	waitNewBotText(c.t, c.srv, c.chat, before, want)
	msgs := c.srv.BotMessages(c.chat)
	for i := len(msgs) - 1; i >= before; i-- {
		if strings.Contains(msgs[i].Text, want) {
			return msgs[i]
		}
	}
	return telegramtest.Message{}
}

// press taps the button labelled label and waits for a new or edited bot
// message containing want.
func (c resellerChat) press(label, want string) {
	c.t.Helper()
	before := len(c.srv.BotMessages(c.chat))
	click(c.t, c.srv, c.chat, label)
	waitAnyBotText(c.t, c.srv, c.chat, before, want)
}

// addClient registers a client with the /novo wizard: monthly plan at
// R$ 35,90, due as typed (due: "+2" is in two days), no server, no note.
func (c resellerChat) addClient(name, phone, due string) {
	c.t.Helper()
	c.say("/novo", "Qual o nome do cliente?")
	c.say(name, "WhatsApp")
	c.say(phone, "plano")
	c.say("mensal", "valor")
	c.say("35,90", "vencimento")
	c.say(due, "servidor")
	c.say("pular", "observação")
	c.say("pular", "Confira o cadastro")
	c.say("sim", "Cliente cadastrado")
}

// linkDryRun links the reseller's (dry-run) WhatsApp by QR code.
func (c resellerChat) linkDryRun() {
	c.t.Helper()
	c.say("/whatsapp", "não está conectado")
	c.press("🔗 Conectar com QR code", "Conectado como")
}

func TestProgramHealthFailsWhenPollingFails(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testConfig(srv, filepath.Join(dir, "data")))
	p := startProgram(t, cfg, srv.Token())
	srv.Fail(telegramtest.Fault{Method: "getUpdates", Code: 502, Description: "Bad Gateway"})
	if !srv.Until(waitLimit, func() bool { code, _ := getHealth(t, p.health); return code == 503 }) {
		t.Fatal("healthz stayed 200 while getUpdates fails")
	}
	_, body := getHealth(t, p.health)
	if body["telegram"] != "not polling" || body["store"] != "ok" {
		t.Fatalf("body = %v", body)
	}
	srv.ClearFaults()
	if !srv.Until(waitLimit, func() bool { code, _ := getHealth(t, p.health); return code == 200 }) {
		t.Fatal("healthz did not recover")
	}
}

func TestProgramRejectedToken(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testConfig(srv, filepath.Join(dir, "data")))
	logs := &syncBuffer{}
	secret := "999999:WRONG-secret-token"
	code := run(context.Background(), runOptions{
		Args:   []string{"-config", cfg},
		Getenv: func(k string) string { return map[string]string{"TELEGRAM_BOT_TOKEN": secret}[k] },
		Stderr: logs, Clock: clock.Real{},
	})
	out := logs.String()
	if code != exitFail || !strings.Contains(out, "rejected the bot token") {
		t.Fatalf("exit %d, logs:\n%s", code, out)
	}
	if strings.Contains(out, secret) || strings.Contains(out, "goroutine ") {
		t.Fatalf("logs leak the token or a stack trace:\n%s", out)
	}
}

func TestProgramConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml, token, want string
	}{
		{"missing token", "data_dir: x\n", "", "telegram.token: missing: set it in the file or in the environment variable TELEGRAM_BOT_TOKEN"},
		{"unknown key", "telegram:\n  tokn: x\n", "1:a", `telegram.tokn: unknown key (line 2)`},
		{"bad time zone", "timezone: Marte/Base\n", "1:a", "timezone:"},
		{"bad time", "scheduler:\n  default_send_time: \"7pm\"\n", "1:a", "scheduler.default_send_time:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeConfig(t, t.TempDir(), tc.yaml)
			logs := &syncBuffer{}
			code := run(context.Background(), runOptions{
				Args:   []string{"-config", cfg},
				Getenv: func(k string) string { return map[string]string{"TELEGRAM_BOT_TOKEN": tc.token}[k] },
				Stderr: logs, Clock: clock.Real{},
			})
			out := strings.TrimSpace(logs.String())
			if code != exitConfig {
				t.Fatalf("exit %d, want %d; output %q", code, exitConfig, out)
			}
			if strings.Count(out, "\n") != 0 || !strings.Contains(out, tc.want) {
				t.Fatalf("output %q, want one line containing %q", out, tc.want)
			}
		})
	}
	// A missing file is a config error too.
	logs := &syncBuffer{}
	code := run(context.Background(), runOptions{Args: []string{"-config", filepath.Join(dir, "none.yaml")},
		Getenv: func(string) string { return "" }, Stderr: logs, Clock: clock.Real{}})
	if code != exitConfig || !strings.Contains(logs.String(), "cannot read") {
		t.Fatalf("missing file: exit %d %q", code, logs)
	}
}

// database.url (here from DATABASE_URL, which wins over the file) naming a
// PostgreSQL server that does not answer: the start fails, the log names
// the database, and the password appears nowhere.
func TestProgramUnreachableDatabase(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testConfig(srv, filepath.Join(dir, "data"))+"database:\n  url: \"\"\n")
	secret := "pw-S3CRET-9f2c"
	logs := &syncBuffer{}
	// Bounded: a program that ignored the URL would serve until stopped.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, runOptions{
		Args: []string{"-config", cfg},
		Getenv: func(k string) string {
			return map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(),
				"DATABASE_URL": "postgres://renovabot:" + secret + "@127.0.0.1:1/renovabot?connect_timeout=5"}[k]
		},
		Stderr: logs, Clock: clock.Real{},
	})
	out := logs.String()
	if code != exitFail || !strings.Contains(out, "cannot open the database") || !strings.Contains(out, "renovabot:xxxxx@127.0.0.1:1/renovabot") {
		t.Fatalf("exit %d, logs:\n%s", code, out)
	}
	if strings.Contains(out, secret) {
		t.Fatalf("the database password is in the logs:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "bot.db")); !os.IsNotExist(err) {
		t.Fatalf("bot.db created although database.url is set: %v", err)
	}
}

// The real WhatsApp driver (no reseller linked yet, so nothing dials out)
// starts with the program and the bot serves: on PostgreSQL its device
// store is opened by the active instance, which holds the active lock
// meanwhile (see package pglock).
func TestProgramStartsWithTheWhatsmeowDriver(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	dir := t.TempDir()
	body := strings.Replace(testConfig(srv, filepath.Join(dir, "data")), "driver: dryrun", "driver: whatsmeow", 1)
	p := startProgram(t, writeConfig(t, dir, body), srv.Token())
	srv.SendText(101, "/start")
	waitBotText(t, srv, 101, "Olá, Ana! Boas-vindas")
	if !srv.Until(waitLimit, func() bool { code, _ := getHealth(t, p.health); return code == 200 }) {
		t.Fatalf("healthz never 200:\n%s", p.logs)
	}
	if code := p.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.logs)
	}
}
