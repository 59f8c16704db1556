package config

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse([]byte("telegram:\n  token: \"1:abc\"\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Telegram.APIURL != "https://api.telegram.org" || cfg.DataDir != "./data" ||
		cfg.Timezone != "America/Sao_Paulo" || cfg.WhatsApp.Driver != "whatsmeow" ||
		cfg.WhatsApp.DryRunLog != "data/dryrun-sent.jsonl" || cfg.WhatsApp.DryRunInbox != "data/dryrun-inbox.jsonl" ||
		cfg.Scheduler.DefaultSendTime != "09:00" ||
		cfg.HTTP.Listen != "127.0.0.1:8080" || cfg.Telegram.RateGlobal != 25 || cfg.Telegram.RatePerChat != 1 ||
		cfg.Access != (Access{Mode: AccessOpen, TrialDays: 7}) {
		t.Fatalf("defaults = %+v", cfg)
	}
	if cfg.WhatsApp.ConnectConcurrency != 16 {
		t.Fatalf("whatsapp.connect_concurrency default = %d, want 16", cfg.WhatsApp.ConnectConcurrency)
	}
	if cfg.Location.String() != "America/Sao_Paulo" {
		t.Fatalf("location = %v", cfg.Location)
	}
	if s := cfg.Scheduler; s.SendTime != 540 || s.LatestTime != 1260 || len(s.Stages) != 3 || s.Stages[0] != -2 || s.Stages[2] != 1 || s.DispatchWorkers != 64 {
		t.Fatalf("scheduler defaults = %+v", s)
	}
}

func TestEnvTokenWins(t *testing.T) {
	cfg, err := Parse([]byte("telegram:\n  token: \"1:file\"\n"), env(map[string]string{EnvToken: "2:env"}))
	if err != nil || cfg.Telegram.Token != "2:env" {
		t.Fatalf("token = %q, %v", cfg.Telegram.Token, err)
	}
	cfg, err = Parse(nil, env(map[string]string{EnvToken: "3:only-env"}))
	if err != nil || cfg.Telegram.Token != "3:only-env" {
		t.Fatalf("token from env only = %q, %v", cfg.Telegram.Token, err)
	}
}

func TestAllKeys(t *testing.T) {
	yaml := `
telegram:
  token: "1:abc"
  api_url: http://127.0.0.1:8081/
  admins: [111, 222]
  poll_timeout: 20s
  rate_global: 20
  rate_per_chat: 0.5
  workers: 4
  shutdown_grace: 3s
data_dir: /tmp/x
timezone: America/Manaus
whatsapp:
  driver: dryrun
  dryrun_log: /tmp/x/sent.jsonl
  dryrun_inbox: /tmp/x/in.jsonl
  connect_concurrency: 32
scheduler:
  default_send_time: "08:30"
  default_latest_time: "20:00"
  default_stages: "-3, -1, 0, +2"
  dispatch_workers: 8
access:
  mode: approval
  trial_days: 14
  contact: "  @suporte_renova  "
http:
  listen: ":9090"
log:
  level: debug
  format: json
`
	cfg, err := Parse([]byte(yaml), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Telegram.APIURL != "http://127.0.0.1:8081" || !cfg.IsAdmin(222) || cfg.IsAdmin(333) ||
		cfg.Telegram.PollTimeout.D() != 20*time.Second || cfg.WhatsApp.Driver != "dryrun" ||
		cfg.WhatsApp.DryRunLog != "/tmp/x/sent.jsonl" || cfg.WhatsApp.DryRunInbox != "/tmp/x/in.jsonl" ||
		cfg.Location.String() != "America/Manaus" ||
		cfg.Scheduler.SendTime != 510 || cfg.Scheduler.LatestTime != 1200 || len(cfg.Scheduler.Stages) != 4 ||
		cfg.Scheduler.Stages[3] != 2 || cfg.Scheduler.DispatchWorkers != 8 || cfg.WhatsApp.ConnectConcurrency != 32 ||
		cfg.Access != (Access{Mode: AccessApproval, TrialDays: 14, Contact: "@suporte_renova"}) {
		t.Fatalf("parsed = %+v", cfg)
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		key        string
	}{
		{"missing token", "data_dir: x\n", nil, "telegram.token"},
		{"unknown key", "telegram:\n  token: \"1:a\"\n  tokn: x\n", nil, "telegram.tokn"},
		{"unknown top key", "telegram:\n  token: \"1:a\"\ndatadir: x\n", nil, "datadir"},
		{"bad timezone", "timezone: Mars/Olympus\n", map[string]string{EnvToken: "1:a"}, "timezone"},
		{"local timezone", "timezone: Local\n", map[string]string{EnvToken: "1:a"}, "timezone"},
		{"bad time", "scheduler:\n  default_send_time: \"25:00\"\n", map[string]string{EnvToken: "1:a"}, "scheduler.default_send_time"},
		{"bad time format", "scheduler:\n  default_send_time: \"9x\"\n", map[string]string{EnvToken: "1:a"}, "scheduler.default_send_time"},
		{"bad latest", "scheduler:\n  default_latest_time: \"21:7\"\n", map[string]string{EnvToken: "1:a"}, "scheduler.default_latest_time"},
		{"latest before send", "scheduler:\n  default_send_time: \"10:00\"\n  default_latest_time: \"09:59\"\n", map[string]string{EnvToken: "1:a"}, "scheduler.default_latest_time"},
		{"bad stages", "scheduler:\n  default_stages: \"-2, 0, 0\"\n", map[string]string{EnvToken: "1:a"}, "scheduler.default_stages"},
		{"empty stages", "scheduler:\n  default_stages: \"\"\n", map[string]string{EnvToken: "1:a"}, "scheduler.default_stages"},
		{"bad workers", "scheduler:\n  dispatch_workers: 0\n", map[string]string{EnvToken: "1:a"}, "scheduler.dispatch_workers"},
		{"bad driver", "whatsapp:\n  driver: baileys\n", map[string]string{EnvToken: "1:a"}, "whatsapp.driver"},
		{"inbox is the send log", "whatsapp:\n  dryrun_log: /tmp/a.jsonl\n  dryrun_inbox: /tmp/a.jsonl\n", map[string]string{EnvToken: "1:a"}, "whatsapp.dryrun_inbox"},
		{"zero connect concurrency", "whatsapp:\n  connect_concurrency: 0\n", map[string]string{EnvToken: "1:a"}, "whatsapp.connect_concurrency"},
		{"huge connect concurrency", "whatsapp:\n  connect_concurrency: 1000\n", map[string]string{EnvToken: "1:a"}, "whatsapp.connect_concurrency"},
		{"bad url", "telegram:\n  token: \"1:a\"\n  api_url: ftp://x\n", nil, "telegram.api_url"},
		{"bad admin", "telegram:\n  token: \"1:a\"\n  admins: [-100]\n", nil, "telegram.admins"},
		{"bad duration", "telegram:\n  token: \"1:a\"\n  poll_timeout: soon\n", nil, "yaml"},
		{"bad listen", "http:\n  listen: nonsense\n", map[string]string{EnvToken: "1:a"}, "http.listen"},
		{"bad level", "log:\n  level: loud\n", map[string]string{EnvToken: "1:a"}, "log.level"},
		{"not a mapping", "- a\n- b\n", nil, "yaml"},
		{"bad access mode", "access:\n  mode: closed\n", map[string]string{EnvToken: "1:a"}, "access.mode"},
		{"approval without admins", "access:\n  mode: approval\n", map[string]string{EnvToken: "1:a"}, "access.mode"},
		{"zero trial", "access:\n  trial_days: 0\n", map[string]string{EnvToken: "1:a"}, "access.trial_days"},
		{"long trial", "access:\n  trial_days: 400\n", map[string]string{EnvToken: "1:a"}, "access.trial_days"},
		{"multi-line contact", "access:\n  contact: \"a\\nb\"\n", map[string]string{EnvToken: "1:a"}, "access.contact"},
		{"bad contact link", "access:\n  contact: \"https://\"\n", map[string]string{EnvToken: "1:a"}, "access.contact"},
		{"long contact", "access:\n  contact: \"" + strings.Repeat("x", 201) + "\"\n", map[string]string{EnvToken: "1:a"}, "access.contact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), env(tc.env))
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if cerr.Key != tc.key {
				t.Fatalf("key = %q (%v), want %q", cerr.Key, err, tc.key)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
	_, err := Parse([]byte("data_dir: x\n"), env(nil))
	if !strings.Contains(err.Error(), EnvToken) {
		t.Fatalf("missing-token error does not name %s: %v", EnvToken, err)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	secret := "987654:SECRET-VALUE"
	_, err := Parse([]byte("telegram:\n  token: \""+secret+"\"\ntimezone: Nowhere/City\n"), env(nil))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("err = %v", err)
	}
}

// The example file must document every key, and parse.
func TestExampleDocumentsEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(raw, env(map[string]string{EnvToken: "1:a"})); err != nil {
		t.Fatalf("config.example.yaml does not parse: %v", err)
	}
	text := string(raw)
	for _, key := range KnownKeys() {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !regexp.MustCompile(`(?m)^\s*#?\s*` + regexp.QuoteMeta(leaf) + `:`).MatchString(text) {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}

// database.url: empty is SQLite; a postgres:// URL from the file or, winning
// over it, DATABASE_URL; anything else is refused naming the key, and the
// URL's password is in no error and no log line (Redacted).
func TestDatabaseURL(t *testing.T) {
	tok := map[string]string{EnvToken: "1:a"}
	cfg, err := Parse(nil, env(tok))
	if err != nil || cfg.Database.URL != "" || cfg.Database.Engine() != "sqlite" {
		t.Fatalf("default = %+v, %v", cfg.Database, err)
	}
	file := "database:\n  url: postgres://bot:FILE-SECRET@db.example:5432/renovabot\n"
	cfg, err = Parse([]byte(file), env(tok))
	if err != nil || cfg.Database.URL != "postgres://bot:FILE-SECRET@db.example:5432/renovabot" || cfg.Database.Engine() != "postgres" {
		t.Fatalf("from the file = %+v, %v", cfg.Database, err)
	}
	cfg, err = Parse([]byte(file), env(map[string]string{EnvToken: "1:a", EnvDatabaseURL: " postgresql://bot:ENV-SECRET@10.0.0.5/prod?sslmode=require "}))
	if err != nil || cfg.Database.URL != "postgresql://bot:ENV-SECRET@10.0.0.5/prod?sslmode=require" {
		t.Fatalf("from the environment = %+v, %v", cfg.Database, err)
	}
	if r := cfg.Database.Redacted(); strings.Contains(r, "ENV-SECRET") || !strings.Contains(r, "bot:xxxxx@10.0.0.5/prod") {
		t.Fatalf("redacted = %q", r)
	}
	if r := (Database{URL: "postgres://h/db?user=bot&password=QUERY-SECRET"}).Redacted(); strings.Contains(r, "QUERY-SECRET") {
		t.Fatalf("redacted = %q", r)
	}
	for _, bad := range []string{"mysql://bot:BAD-SECRET@h/db", "bot:BAD-SECRET@h/db", "host=h password=BAD-SECRET", "postgres://bot:BAD%zz@h/db"} {
		_, err := Parse([]byte("database:\n  url: \""+bad+"\"\n"), env(tok))
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Key != "database.url" {
			t.Fatalf("%q: err = %v, want database.url", bad, err)
		}
		if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "BAD%zz") {
			t.Fatalf("%q: the error repeats the URL: %v", bad, err)
		}
	}
}
