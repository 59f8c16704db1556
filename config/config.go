// Package config loads config.yaml, applies defaults and environment
// overrides, and refuses anything it does not understand with one line that
// names the key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"renovabot/billing"
)

// EnvToken is the environment variable that carries the Telegram token; it
// wins over telegram.token in the file so the secret can stay out of it.
const EnvToken = "TELEGRAM_BOT_TOKEN"

// EnvDatabaseURL carries database.url, and wins over the file's for the
// same reason: the URL holds the database's password.
const EnvDatabaseURL = "DATABASE_URL"

// Config is the whole program configuration after defaults.
type Config struct {
	Telegram  Telegram  `yaml:"telegram"`
	Database  Database  `yaml:"database"`
	DataDir   string    `yaml:"data_dir"`
	Timezone  string    `yaml:"timezone"`
	WhatsApp  WhatsApp  `yaml:"whatsapp"`
	Scheduler Scheduler `yaml:"scheduler"`
	Access    Access    `yaml:"access"`
	HTTP      HTTP      `yaml:"http"`
	Log       Log       `yaml:"log"`
	Reports   Reports   `yaml:"reports"`
	// Subscription and MercadoPago: resellers pay for access (subscription.go).
	Subscription Subscription `yaml:"subscription"`
	MercadoPago  MercadoPago  `yaml:"mercadopago"`
	Backup       Backup       `yaml:"backup"`

	// Location is Timezone loaded.
	Location *time.Location `yaml:"-"`
}

// Telegram configures the Bot API side.
type Telegram struct {
	Token  string  `yaml:"token"`
	APIURL string  `yaml:"api_url"`
	Admins []int64 `yaml:"admins"`
	// PollTimeout is the long-polling timeout of getUpdates.
	PollTimeout Duration `yaml:"poll_timeout"`
	// RateGlobal and RatePerChat are the outbound limits in messages/second.
	RateGlobal  float64 `yaml:"rate_global"`
	RatePerChat float64 `yaml:"rate_per_chat"`
	// Workers bounds how many chats are handled at the same time.
	Workers int `yaml:"workers"`
	// ShutdownGrace bounds how long in-flight handlers may run after a stop signal.
	ShutdownGrace Duration `yaml:"shutdown_grace"`
}

// Database says where the bot's tables live.
type Database struct {
	// URL is empty for SQLite in data_dir (bot.db), or a postgres:// URL
	// for every table of the bot in that PostgreSQL database.
	URL string `yaml:"url"`
}

// Redacted is URL without its password, for logs.
func (d Database) Redacted() string {
	u, err := url.Parse(d.URL)
	if err != nil {
		return "(unparsable URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Engine names the database engine: "sqlite" or "postgres".
func (d Database) Engine() string {
	if d.URL == "" {
		return "sqlite"
	}
	return "postgres"
}

// WhatsApp configures the per-reseller sessions.
type WhatsApp struct {
	Driver    string `yaml:"driver"`
	DryRunLog string `yaml:"dryrun_log"`
	// DryRunInbox is the dry-run driver's inbox: JSON lines appended to it
	// arrive as messages a number sent to that reseller's WhatsApp.
	DryRunInbox string `yaml:"dryrun_inbox"`
	// MinGap..MaxGap is the random pause between two messages of one
	// reseller's WhatsApp; Typing is the "digitando..." shown before each;
	// DailyCap bounds messages per reseller per day (0 = no cap).
	MinGap   Duration `yaml:"min_gap"`
	MaxGap   Duration `yaml:"max_gap"`
	Typing   Duration `yaml:"typing"`
	DailyCap int      `yaml:"daily_cap"`
	// ConnectConcurrency is how many linked sessions connect at the same
	// time when the program starts.
	ConnectConcurrency int `yaml:"connect_concurrency"`
}

// Scheduler configures the automatic reminders.
type Scheduler struct {
	// DefaultSendTime, DefaultLatestTime and DefaultStages are the reminder
	// settings of a reseller who never changed them (Configurações >
	// Lembretes).
	DefaultSendTime   string `yaml:"default_send_time"`
	DefaultLatestTime string `yaml:"default_latest_time"`
	DefaultStages     string `yaml:"default_stages"`
	// DispatchWorkers bounds how many resellers' reminders are being sent
	// at the same time. Each reseller's messages go one by one with its
	// WhatsApp pacing, so a worker mostly waits.
	DispatchWorkers int `yaml:"dispatch_workers"`

	// The defaults parsed: minutes after midnight and day offsets.
	SendTime   int   `yaml:"-"`
	LatestTime int   `yaml:"-"`
	Stages     []int `yaml:"-"`
}

// Reports configures the reports.
type Reports struct {
	// ChurnDays: a client overdue for longer than this counts as lost.
	ChurnDays int `yaml:"churn_days"`
}

// Backup configures the scheduled backups (the backup package).
type Backup struct {
	// Dir receives an archive every Every; empty: no scheduled backups.
	Dir   string   `yaml:"dir"`
	Every Duration `yaml:"every"`
	// Keep is how many of the newest archives in Dir are kept.
	Keep int `yaml:"keep"`
}

// Access decides who may use the bot.
type Access struct {
	// Mode is "open" (anyone who sends /start gets a trial) or "approval"
	// (an admin approves each new chat).
	Mode string `yaml:"mode"`
	// TrialDays is the length of the trial of new resellers in open mode
	// (and of "approve with a trial" in approval mode).
	TrialDays int `yaml:"trial_days"`
	// Contact is how resellers reach the operator to renew, shown to
	// expired and blocked ones: "@suporte", a wa.me link, free text.
	Contact string `yaml:"contact"`
}

// Access modes.
const (
	AccessOpen     = "open"
	AccessApproval = "approval"
)

// HTTP configures the health endpoint.
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Duration is a time.Duration written as "30s", "2m" in YAML.
type Duration time.Duration

// UnmarshalYAML parses Go duration syntax.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration (examples: 30s, 2m, 1h)", n.Value)
	}
	*d = Duration(v)
	return nil
}

// D returns the value as time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Error is a configuration problem. Its message is one line naming the key.
type Error struct {
	Key string
	Msg string
}

func (e *Error) Error() string { return "config: " + e.Key + ": " + e.Msg }

func keyErr(key, format string, args ...any) *Error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Defaults returns the configuration used for keys the file leaves out.
func Defaults() Config {
	sub, mp := defaultSubscription()
	return Config{
		Subscription: sub, MercadoPago: mp,
		Telegram: Telegram{
			APIURL:        "https://api.telegram.org",
			PollTimeout:   Duration(50 * time.Second),
			RateGlobal:    25,
			RatePerChat:   1,
			Workers:       16,
			ShutdownGrace: Duration(10 * time.Second),
		},
		DataDir:  "./data",
		Timezone: "America/Sao_Paulo",
		WhatsApp: WhatsApp{Driver: "whatsmeow", MinGap: Duration(8 * time.Second), MaxGap: Duration(20 * time.Second),
			Typing: Duration(2 * time.Second), DailyCap: 150, ConnectConcurrency: 16},
		Scheduler: Scheduler{DefaultSendTime: "09:00", DefaultLatestTime: "21:00", DefaultStages: "-2, 0, +1", DispatchWorkers: 64},
		Access:    Access{Mode: AccessOpen, TrialDays: 7},
		HTTP:      HTTP{Listen: "127.0.0.1:8080"},
		Log:       Log{Level: "info", Format: "text"},
		Reports:   Reports{ChurnDays: 30},
		Backup:    Backup{Every: Duration(24 * time.Hour), Keep: 7},
	}
}

// Load reads the file at path, overlays it on Defaults, applies the
// environment (getenv may be os.Getenv) and validates the result.
func Load(path string, getenv func(string) string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Key: "-config", Msg: fmt.Sprintf("cannot read %s: %v", path, errors.Unwrap(err))}
	}
	return Parse(raw, getenv)
}

// LoadForTool is Load for the maintenance subcommands (backup, restore),
// which never talk to Telegram: the token may be missing.
func LoadForTool(path string, getenv func(string) string) (*Config, error) {
	return Load(path, func(k string) string {
		if k == EnvToken && strings.TrimSpace(getenv(k)) == "" {
			return toolToken
		}
		return getenv(k)
	})
}

// toolToken stands in for the token when the environment has none; it
// also hides the file's, which the tools never read.
const toolToken = "0:not-needed-by-this-tool"

// Parse is Load without the file read.
func Parse(raw []byte, getenv func(string) string) (*Config, error) {
	cfg := Defaults()
	if len(bytes.TrimSpace(raw)) > 0 {
		var root yaml.Node
		if err := yaml.Unmarshal(raw, &root); err != nil {
			return nil, &Error{Key: "yaml", Msg: oneLine(err.Error())}
		}
		if err := checkKeys(&root); err != nil {
			return nil, err
		}
		if err := root.Decode(&cfg); err != nil {
			return nil, decodeErr(err)
		}
	}
	if tok := strings.TrimSpace(getenv(EnvToken)); tok != "" {
		cfg.Telegram.Token = tok
	}
	if u := strings.TrimSpace(getenv(EnvDatabaseURL)); u != "" {
		cfg.Database.URL = u
	}
	if tok := strings.TrimSpace(getenv(EnvMercadoPagoToken)); tok != "" {
		cfg.MercadoPago.AccessToken = tok
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// known lists every accepted key as a dotted path. Keys are refused unless
// they appear here, so a typo never silently falls back to a default.
var known = map[string]bool{
	"telegram": true, "telegram.token": true, "telegram.api_url": true, "telegram.admins": true,
	"telegram.poll_timeout": true, "telegram.rate_global": true, "telegram.rate_per_chat": true,
	"telegram.workers": true, "telegram.shutdown_grace": true,
	"database": true, "database.url": true,
	"data_dir": true, "timezone": true,
	"whatsapp": true, "whatsapp.driver": true, "whatsapp.dryrun_log": true, "whatsapp.dryrun_inbox": true, "whatsapp.connect_concurrency": true,
	"whatsapp.min_gap": true, "whatsapp.max_gap": true, "whatsapp.typing": true, "whatsapp.daily_cap": true,
	"scheduler": true, "scheduler.default_send_time": true, "scheduler.default_latest_time": true,
	"scheduler.default_stages": true, "scheduler.dispatch_workers": true,
	"access": true, "access.mode": true, "access.trial_days": true, "access.contact": true,
	"http": true, "http.listen": true,
	"log": true, "log.level": true, "log.format": true,
	"reports": true, "reports.churn_days": true,
	"backup": true, "backup.dir": true, "backup.every": true, "backup.keep": true,
}

// KnownKeys returns every accepted key, sorted (used by the test that keeps
// config.example.yaml complete).
func KnownKeys() []string {
	out := make([]string, 0, len(known))
	for k := range known {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkKeys(root *yaml.Node) error {
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return &Error{Key: "yaml", Msg: "the file must be a mapping of keys (key: value)"}
	}
	return walkKeys(root, "")
}

func walkKeys(m *yaml.Node, prefix string) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		path := k.Value
		if prefix != "" {
			path = prefix + "." + k.Value
		}
		if !known[path] {
			return keyErr(path, "unknown key (line %d)", k.Line)
		}
		if v.Kind == yaml.MappingNode {
			if err := walkKeys(v, path); err != nil {
				return err
			}
		}
		if v.Kind == yaml.SequenceNode {
			// A list of mappings (subscription.plans): each item's keys
			// are checked under the list's name.
			for _, item := range v.Content {
				if item.Kind != yaml.MappingNode {
					continue
				}
				if err := walkKeys(item, path); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func decodeErr(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return &Error{Key: "yaml", Msg: oneLine(te.Errors[0])}
	}
	return &Error{Key: "yaml", Msg: oneLine(err.Error())}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (c *Config) validate() error {
	if strings.TrimSpace(c.Telegram.Token) == "" {
		return keyErr("telegram.token", "missing: set it in the file or in the environment variable %s", EnvToken)
	}
	if strings.ContainsAny(c.Telegram.Token, " \t\r\n/") {
		return keyErr("telegram.token", "malformed token (from the file or %s)", EnvToken)
	}
	u, err := url.Parse(c.Telegram.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return keyErr("telegram.api_url", "%q is not an http(s) URL", c.Telegram.APIURL)
	}
	c.Telegram.APIURL = strings.TrimRight(c.Telegram.APIURL, "/")
	for _, id := range c.Telegram.Admins {
		if id <= 0 {
			return keyErr("telegram.admins", "%d is not a private chat id (positive number)", id)
		}
	}
	if c.Telegram.PollTimeout.D() < 2*time.Second || c.Telegram.PollTimeout.D() > 5*time.Minute {
		return keyErr("telegram.poll_timeout", "must be between 2s and 5m")
	}
	if c.Telegram.RateGlobal <= 0 || c.Telegram.RateGlobal > 1000 {
		return keyErr("telegram.rate_global", "must be between 0 and 1000 messages per second")
	}
	if c.Telegram.RatePerChat <= 0 || c.Telegram.RatePerChat > 1000 {
		return keyErr("telegram.rate_per_chat", "must be between 0 and 1000 messages per second")
	}
	if c.Telegram.Workers < 1 || c.Telegram.Workers > 1024 {
		return keyErr("telegram.workers", "must be between 1 and 1024")
	}
	if c.Telegram.ShutdownGrace.D() < 0 {
		return keyErr("telegram.shutdown_grace", "must not be negative")
	}
	c.Database.URL = strings.TrimSpace(c.Database.URL)
	if c.Database.URL != "" {
		// The value is not repeated: it holds the database's password.
		u, err := url.Parse(c.Database.URL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return keyErr("database.url", "must be empty (SQLite in data_dir) or a PostgreSQL URL postgres://user:password@host:5432/database (from the file or %s)", EnvDatabaseURL)
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return keyErr("data_dir", "must not be empty")
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "" || strings.EqualFold(c.Timezone, "local") {
		return keyErr("timezone", "%q is not an IANA time zone (example: America/Sao_Paulo)", c.Timezone)
	}
	c.Location = loc
	switch c.WhatsApp.Driver {
	case "whatsmeow", "dryrun":
	default:
		return keyErr("whatsapp.driver", "%q is not a driver (whatsmeow or dryrun)", c.WhatsApp.Driver)
	}
	if c.WhatsApp.MinGap < 0 || c.WhatsApp.MaxGap < c.WhatsApp.MinGap {
		return keyErr("whatsapp.max_gap", "must be at least whatsapp.min_gap (%v), and neither negative", c.WhatsApp.MinGap.D())
	}
	if c.WhatsApp.Typing < 0 || c.WhatsApp.Typing.D() > time.Minute {
		return keyErr("whatsapp.typing", "must be between 0s and 1m")
	}
	if c.WhatsApp.DailyCap < 0 {
		return keyErr("whatsapp.daily_cap", "must not be negative (0 = no cap)")
	}
	if c.WhatsApp.ConnectConcurrency < 1 || c.WhatsApp.ConnectConcurrency > 256 {
		return keyErr("whatsapp.connect_concurrency", "must be between 1 and 256")
	}
	if c.WhatsApp.DryRunLog == "" {
		c.WhatsApp.DryRunLog = filepath.Join(c.DataDir, "dryrun-sent.jsonl")
	}
	if c.WhatsApp.DryRunInbox == "" {
		c.WhatsApp.DryRunInbox = filepath.Join(c.DataDir, "dryrun-inbox.jsonl")
	}
	if c.WhatsApp.DryRunInbox == c.WhatsApp.DryRunLog {
		return keyErr("whatsapp.dryrun_inbox", "must not be the same file as whatsapp.dryrun_log (%s)", c.WhatsApp.DryRunLog)
	}
	if c.Scheduler.SendTime, err = billing.ParseTimeOfDay(c.Scheduler.DefaultSendTime); err != nil {
		return keyErr("scheduler.default_send_time", "%q is not a time of day HH:MM (example: 09:00)", c.Scheduler.DefaultSendTime)
	}
	if c.Scheduler.LatestTime, err = billing.ParseTimeOfDay(c.Scheduler.DefaultLatestTime); err != nil {
		return keyErr("scheduler.default_latest_time", "%q is not a time of day HH:MM (example: 21:00)", c.Scheduler.DefaultLatestTime)
	}
	if c.Scheduler.LatestTime <= c.Scheduler.SendTime {
		return keyErr("scheduler.default_latest_time", "%s must be after scheduler.default_send_time (%s)",
			c.Scheduler.DefaultLatestTime, c.Scheduler.DefaultSendTime)
	}
	if c.Scheduler.Stages, err = billing.ParseStageOffsets(c.Scheduler.DefaultStages); err != nil {
		return keyErr("scheduler.default_stages", "%q is not a list of day offsets from the due date, each -%d..+%d, unique, at most %d (example: \"-2, 0, +1\")",
			c.Scheduler.DefaultStages, billing.MaxStageOffset, billing.MaxStageOffset, billing.MaxStages)
	}
	if c.Scheduler.DispatchWorkers < 1 || c.Scheduler.DispatchWorkers > 10000 {
		return keyErr("scheduler.dispatch_workers", "must be between 1 and 10000")
	}
	switch c.Access.Mode {
	case AccessOpen:
	case AccessApproval:
		if len(c.Telegram.Admins) == 0 {
			return keyErr("access.mode", "approval needs at least one admin in telegram.admins to approve new resellers")
		}
	default:
		return keyErr("access.mode", "%q is not a mode (open or approval)", c.Access.Mode)
	}
	if c.Access.TrialDays < 1 || c.Access.TrialDays > 365 {
		return keyErr("access.trial_days", "must be between 1 and 365 days")
	}
	c.Access.Contact = strings.TrimSpace(c.Access.Contact)
	if strings.ContainsAny(c.Access.Contact, "\r\n") || utf8.RuneCountInString(c.Access.Contact) > 200 {
		return keyErr("access.contact", "must be one line of at most 200 characters")
	}
	if lc := strings.ToLower(c.Access.Contact); strings.HasPrefix(lc, "http:") || strings.HasPrefix(lc, "https:") {
		// It becomes a button; Telegram refuses a message whose button link is malformed.
		u, err := url.Parse(c.Access.Contact)
		if err != nil || u.Host == "" || !strings.Contains(u.Hostname(), ".") || strings.ContainsAny(c.Access.Contact, " \t") {
			return keyErr("access.contact", "%q is not a valid link (example: https://wa.me/5511999999999)", c.Access.Contact)
		}
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil && c.HTTP.Listen != "" {
		return keyErr("http.listen", "%q is not host:port (example: 127.0.0.1:8080; empty disables)", c.HTTP.Listen)
	}
	if err := c.Backup.validate(c.DataDir); err != nil {
		return err
	}
	if c.Backup.Dir != "" && c.Database.URL != "" {
		// The archives hold data_dir's SQLite files: with database.url
		// the tables are not there, and an archive without them would
		// look like a backup.
		return keyErr("backup.dir", "must be empty with database.url: the data is on the PostgreSQL server; back it up with the server's own means (pg_dump, replicas)")
	}
	if c.Reports.ChurnDays < 1 || c.Reports.ChurnDays > 365 {
		return keyErr("reports.churn_days", "must be between 1 and 365 days")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		return keyErr("log.level", "%q is not a level (debug, info, warn, error)", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return keyErr("log.format", "%q is not a format (text or json)", c.Log.Format)
	}
	return c.validateSubscription()
}

// IsAdmin reports whether chatID is listed in telegram.admins.
func (c *Config) IsAdmin(chatID int64) bool {
	for _, id := range c.Telegram.Admins {
		if id == chatID {
			return true
		}
	}
	return false
}

func (b *Backup) validate(dataDir string) error {
	b.Dir = strings.TrimSpace(b.Dir)
	if b.Every.D() < 10*time.Minute || b.Every.D() > 30*24*time.Hour {
		return keyErr("backup.every", "must be between 10m and 720h (example: 24h)")
	}
	if b.Keep < 1 || b.Keep > 1000 {
		return keyErr("backup.keep", "must be between 1 and 1000 archives")
	}
	if b.Dir == "" {
		return nil
	}
	// Archives inside data_dir would make it non-empty for a restore and
	// share its disk's fate; never the directory itself.
	if abs, err := filepath.Abs(b.Dir); err == nil {
		if data, err := filepath.Abs(dataDir); err == nil && abs == data {
			return keyErr("backup.dir", "must not be data_dir itself (%s)", dataDir)
		}
	}
	return nil
}
