package whatsapp

import (
	"errors"
	"fmt"
	"time"
)

// Driver names accepted in Config.Driver.
const (
	DriverWhatsmeow = "whatsmeow"
	DriverDryRun    = "dryrun"
)

// Config tunes the manager. Start from DefaultConfig: in NewManager a zero
// MinGap, MaxGap, TypingFor, DailyCap or StartupJitter means "off" (staging
// and tests rely on that), so forgetting DefaultConfig removes the pacing.
type Config struct {
	DataDir string // device files live in DataDir/whatsapp/<chat_id>.db
	// DatabaseURL, when set (database.url, postgres://...), keeps every
	// whatsmeow device in that PostgreSQL database instead of DataDir: one
	// container for all resellers, each device found through its chat's
	// session record.
	DatabaseURL string
	Driver      string // DriverWhatsmeow | DriverDryRun
	DryRunLog   string // JSON-lines file of the dry-run driver; default DataDir/whatsapp-dryrun.jsonl
	// DryRunInbox is the dry-run driver's inbox: JSON lines appended to it
	// arrive as messages a number sent to that reseller's WhatsApp (see
	// DryRunDriver.WatchInbox). Empty: no inbox.
	DryRunInbox string

	// MinGap..MaxGap is the randomized pause between two messages of ONE
	// session, measured from the end of the previous send. Defaults 8s..20s:
	// a person copying reminders by hand needs at least that long per
	// message, and WhatsApp's anti-spam heuristics (temporary bans 101/104:
	// "too many messages to people who don't have you", "same message to too
	// many people") key on bursts from one account. Randomizing avoids a
	// machine-regular cadence. Sessions never wait for each other.
	MinGap, MaxGap time.Duration
	// TypingFor is the "composing" presence shown before each message
	// (default 2s; 0 disables), again to look like a person typing.
	TypingFor time.Duration
	// DailyCap is the maximum of successful sends per session per RESELLER
	// day: the day in CapLocation (default America/Sao_Paulo), not UTC. The
	// reminders go out once per local day; a UTC boundary (21:00 in Brazil)
	// would let one evening batch straddle two caps. Default 150; 0 = no cap.
	// A new day's count starts from SessionStore.SentSince, so a restart on
	// the same day keeps counting.
	DailyCap    int
	CapLocation *time.Location

	// StartupConcurrency bounds the session starts StartLinked runs at once
	// (default 16; config whatsapp.connect_concurrency), and StartupJitter
	// is the most each waits before its start (default 250ms), so the
	// dials of a restart do not leave in lockstep. With a dial of ~200ms,
	// 1,000 sessions take about 20s (BenchmarkStartLinked1000); the old 4
	// at a time with up to 2s each took about 5 min.
	StartupConcurrency int
	StartupJitter      time.Duration
	PairTimeout        time.Duration // whole pairing window (default 160s: the server's QR window, 60s + 5*20s)
	// DisplayName is reserved. WhatsApp shows a Chrome companion as
	// "Google Chrome (<OS>)" and the fixed decision is OS "Linux", so the
	// name is not shown anywhere today; see linkedOS in whatsmeow.go.
	DisplayName string

	// ConnectionLostAfter is how long a session may stay disconnected before
	// the reseller hears EventConnectionLost (default 3 min): short blips
	// are normal and reconnect on their own.
	ConnectionLostAfter time.Duration
	// ConnectWait bounds how long Send/Unlink wait for a session that is
	// connecting (default 20s); after that Send returns a TransientError and
	// the caller keeps the message.
	ConnectWait time.Duration
	// ReplacedCooldown is how long a session stays down after
	// StreamReplaced (another process connected with the same device) before
	// a later need reconnects it (default 10 min). Reconnecting at once would
	// kick the other process, which would kick us: flapping.
	ReplacedCooldown time.Duration
	// UnknownBanPause is assumed when a temporary ban does not say when it
	// ends (default 1h): the session is not restarted before that.
	UnknownBanPause time.Duration

	// MediaMaxBytes bounds a received file's download (default 20 MB): a
	// larger one is described, not fetched ("veja no seu WhatsApp").
	// MediaTimeout bounds its download (default 60s).
	MediaMaxBytes int64
	MediaTimeout  time.Duration
}

// DefaultConfig returns the careful production values described on Config.
func DefaultConfig() Config {
	return Config{
		Driver:              DriverWhatsmeow,
		MinGap:              8 * time.Second,
		MaxGap:              20 * time.Second,
		TypingFor:           2 * time.Second,
		DailyCap:            150,
		StartupConcurrency:  16,
		StartupJitter:       250 * time.Millisecond,
		PairTimeout:         160 * time.Second,
		ConnectionLostAfter: 3 * time.Minute,
		ConnectWait:         20 * time.Second,
		ReplacedCooldown:    10 * time.Minute,
		UnknownBanPause:     time.Hour,
		MediaMaxBytes:       20 << 20,
		MediaTimeout:        time.Minute,
	}
}

// saoPaulo is America/Sao_Paulo without depending on tzdata being
// installed: Brazil has had no daylight saving time since 2019.
var saoPaulo = time.FixedZone("America/Sao_Paulo", -3*60*60)

// withDefaults fills the fields whose zero value cannot mean "off".
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Driver == "" {
		c.Driver = d.Driver
	}
	if c.StartupConcurrency <= 0 {
		c.StartupConcurrency = d.StartupConcurrency
	}
	if c.PairTimeout <= 0 {
		c.PairTimeout = d.PairTimeout
	}
	if c.ConnectionLostAfter <= 0 {
		c.ConnectionLostAfter = d.ConnectionLostAfter
	}
	if c.ConnectWait <= 0 {
		c.ConnectWait = d.ConnectWait
	}
	if c.ReplacedCooldown <= 0 {
		c.ReplacedCooldown = d.ReplacedCooldown
	}
	if c.UnknownBanPause <= 0 {
		c.UnknownBanPause = d.UnknownBanPause
	}
	if c.MediaMaxBytes <= 0 {
		c.MediaMaxBytes = d.MediaMaxBytes
	}
	if c.MediaTimeout <= 0 {
		c.MediaTimeout = d.MediaTimeout
	}
	if c.CapLocation == nil {
		c.CapLocation = saoPaulo
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.MinGap < 0 || c.MaxGap < 0 || c.TypingFor < 0 || c.StartupJitter < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	if c.MaxGap < c.MinGap {
		errs = append(errs, fmt.Errorf("MaxGap %v is below MinGap %v", c.MaxGap, c.MinGap))
	}
	if c.DailyCap < 0 {
		errs = append(errs, errors.New("DailyCap must not be negative"))
	}
	if c.Driver != DriverWhatsmeow && c.Driver != DriverDryRun {
		errs = append(errs, fmt.Errorf("unknown driver %q (want %q or %q)", c.Driver, DriverWhatsmeow, DriverDryRun))
	}
	return errors.Join(errs...)
}
