package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"renovabot/clock"
)

// DryRunDriver pretends to be WhatsApp for staging, demos and black-box
// tests: pairing completes at once, by QR code as a number derived from the
// chat_id (DryRunPhone), by code as the number typed; every number is on
// WhatsApp, and every sent message becomes one JSON line in the log file. The Manager, pacing and cap code are the same as with the
// real driver; only the bottom layer is fake.
type DryRunDriver struct {
	dir   string
	clock clock.Clock

	logMu   sync.Mutex // appends, and Forget's rewrite
	logPath string
	log     *os.File

	// The inbox (dryrun_inbox.go): open clients receive its lines.
	inbox inbox
}

// NewDryRunDriver keeps its per-chat "device" markers in dataDir/whatsapp
// and appends sends to logPath (default dataDir/whatsapp-dryrun.jsonl).
func NewDryRunDriver(dataDir, logPath string, clk clock.Clock) (*DryRunDriver, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	dir := filepath.Join(dataDir, "whatsapp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("whatsapp dryrun: %w", err)
	}
	if logPath == "" {
		logPath = filepath.Join(dataDir, "whatsapp-dryrun.jsonl")
	}
	// O_APPEND: each line is one write at the end of the file, so
	// concurrent sessions (and processes) never interleave inside a line.
	f, err := openDryRunLog(logPath)
	if err != nil {
		return nil, err
	}
	return &DryRunDriver{dir: dir, clock: clk, logPath: logPath, log: f}, nil
}

// openDryRunLog opens the log for appending, private (0600) like every file
// holding resellers' data, even when an older version created it 0644.
func openDryRunLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err == nil {
		if err = f.Chmod(0o600); err != nil {
			f.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("whatsapp dryrun: open log: %w", err)
	}
	return f, nil
}

// DryRunPhone is the number a chat pairs as in dry-run: 55 11 9 + the last 8
// digits of the chat_id, so every tenant has a stable, distinct-looking
// number (chat ids equal modulo 10^8 share one; fine for demos).
func DryRunPhone(chatID int64) string {
	n := chatID
	if n < 0 {
		n = -n
	}
	return fmt.Sprintf("55119%08d", n%100_000_000)
}

func (d *DryRunDriver) path(chatID int64) string {
	return filepath.Join(d.dir, fmt.Sprintf("%d.dryrun", chatID))
}

func (d *DryRunDriver) Open(_ context.Context, chatID int64, sink func(ClientEvent)) (Client, error) {
	c := &dryRunClient{d: d, chatID: chatID}
	// The inbox hands a chat's waiting messages to its client once it is
	// connected (logged in), as WhatsApp does after a phone was offline.
	c.sink = func(ev ClientEvent) {
		sink(ev)
		if ev.Kind == ClientConnected {
			d.inbox.connected(c)
		}
	}
	b, err := os.ReadFile(d.path(chatID))
	switch {
	case err == nil:
		c.jid = strings.TrimSpace(string(b))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	d.inbox.opened(c)
	return c, nil
}

func (d *DryRunDriver) Exists(chatID int64) (bool, error) {
	_, err := os.Stat(d.path(chatID))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (d *DryRunDriver) Remove(chatID int64) error {
	err := os.Remove(d.path(chatID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (d *DryRunDriver) Close() error {
	d.inbox.stop()
	d.logMu.Lock()
	defer d.logMu.Unlock()
	return d.log.Close()
}

// Forget rewrites the send log and the inbox without chatID's lines (their
// clients' numbers and the texts they got or wrote), for the erasure of
// their account. Each new file replaces the old one at once (rename), so a
// crash leaves one or the other whole.
func (d *DryRunDriver) Forget(chatID int64) error {
	if err := d.inbox.forget(chatID); err != nil {
		return err
	}
	d.logMu.Lock()
	defer d.logMu.Unlock()
	raw, err := os.ReadFile(d.logPath)
	if err != nil {
		return fmt.Errorf("whatsapp dryrun: read log: %w", err)
	}
	kept, removed := withoutTenant(raw, chatID)
	if removed == 0 {
		return nil
	}
	if err := replaceFile(d.logPath, kept); err != nil {
		return fmt.Errorf("whatsapp dryrun: rewrite log: %w", err)
	}
	f, err := openDryRunLog(d.logPath)
	if err != nil {
		return err
	}
	d.log.Close()
	d.log = f
	return nil
}

// dryRunLine is the log format; field order is the documented one.
type dryRunLine struct {
	Tenant int64  `json:"tenant"`
	To     string `json:"to"`
	Text   string `json:"text"`
	ID     string `json:"id"`
	At     string `json:"at"`
}

func (d *DryRunDriver) appendLine(l dryRunLine) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<", ">" and "&" of message texts readable
	if err := enc.Encode(l); err != nil {
		return err
	}
	d.logMu.Lock()
	defer d.logMu.Unlock()
	_, err := d.log.Write(buf.Bytes()) // one write per line (Encode adds the newline)
	return err
}

type dryRunClient struct {
	d      *DryRunDriver
	chatID int64
	sink   func(ClientEvent)

	mu  sync.Mutex
	jid string
}

func (c *dryRunClient) DeviceJID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.jid
}

func (c *dryRunClient) Connect(context.Context) error {
	if c.DeviceJID() != "" {
		c.sink(ClientEvent{Kind: ClientConnected})
		return nil
	}
	// Pairing completes at once: one QR code, the pairing, the login. The
	// pairing event leaves the JID out, so the manager reads it back from
	// DeviceJID when it handles the event: a pairing by code asks PairCode
	// on the QR event, before it reads this one, and links as the number
	// typed (PairCode sets it); a pairing by QR code links as DryRunPhone.
	if err := c.link(DryRunPhone(c.chatID)); err != nil {
		return err
	}
	c.sink(ClientEvent{Kind: ClientQR, Codes: []string{fmt.Sprintf("dryrun-qr:%d", c.chatID)}})
	c.sink(ClientEvent{Kind: ClientPaired})
	c.sink(ClientEvent{Kind: ClientConnected})
	return nil
}

// link records phone as the linked device, on disk and in memory.
func (c *dryRunClient) link(phone string) error {
	jid := phone + ":1@s.whatsapp.net"
	if err := os.WriteFile(c.d.path(c.chatID), []byte(jid+"\n"), 0o600); err != nil {
		return err
	}
	c.mu.Lock()
	c.jid = jid
	c.mu.Unlock()
	return nil
}

func (c *dryRunClient) Disconnect() {}
func (c *dryRunClient) Close() error {
	c.d.inbox.closed(c)
	return nil
}

// PairCode links as phone, the number the reseller typed (digits).
func (c *dryRunClient) PairCode(_ context.Context, phone string) (string, error) {
	if err := c.link(phone); err != nil {
		return "", err
	}
	return "DRYR-UNPC", nil
}

func (c *dryRunClient) IsOnWhatsApp(_ context.Context, phones []string) ([]Contact, error) {
	out := make([]Contact, len(phones))
	for i, p := range phones {
		out[i] = Contact{Query: p, JID: phoneJID(p), OnWhatsApp: true}
	}
	return out, nil
}

func (c *dryRunClient) SendTyping(context.Context, string) error { return nil }

func (c *dryRunClient) SendText(_ context.Context, jid, text, id string) error {
	if c.DeviceJID() == "" {
		return ErrNotLinked
	}
	return c.d.appendLine(dryRunLine{
		Tenant: c.chatID,
		To:     userOf(jid),
		Text:   text,
		ID:     id,
		At:     c.d.clock.Now().UTC().Format(time.RFC3339),
	})
}

func (c *dryRunClient) Logout(context.Context) error {
	c.mu.Lock()
	c.jid = ""
	c.mu.Unlock()
	return c.d.Remove(c.chatID)
}

// ConfirmPasskey: a dry-run pairing completes at once and never reaches a
// passkey step, so there is nothing to confirm.
func (c *dryRunClient) ConfirmPasskey(context.Context) error {
	return errors.New("whatsapp: dry-run pairing has no passkey step")
}
