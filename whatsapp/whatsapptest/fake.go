// Package whatsapptest fakes the bottom of package whatsapp: a scriptable
// Driver/Client and an in-memory SessionStore, so the Manager (and code
// built on it: scheduler, bot) is tested without WhatsApp and without
// sleeping.
package whatsapptest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"renovabot/clock"
	"renovabot/internal/wake"
	"renovabot/whatsapp"
)

// Sent is one message a fake client sent. ChatID is the chat of the session
// whose client sent it: the isolation tests assert on it.
type Sent struct {
	ChatID    int64
	DeviceJID string
	To        string // JID
	Text      string
	ID        string
}

// Driver is a fake whatsapp.Driver. The zero value is not usable: NewDriver.
type Driver struct {
	// ConnectGate, when set, makes every Connect take one value from it
	// first, so a test controls how many connects are in flight.
	ConnectGate chan struct{}
	// AutoConnect: Connect of a paired device emits ClientConnected at once
	// (default true). Set false to script connection events by hand.
	AutoConnect bool
	// QRCodes are emitted (as one ClientQR) when an unpaired device connects.
	QRCodes []string
	// PairingCode is what PairCode returns.
	PairingCode string
	// DialDelay is how long each Connect takes (after ConnectGate), and
	// CloseDelay how long a client's first Close takes, both on Clock
	// (nil: clock.Real): the latency of a real dial and of a websocket's
	// close handshake, for start-up and shutdown tests and benchmarks.
	DialDelay  time.Duration
	CloseDelay time.Duration
	Clock      clock.Clock
	// VersionGate, when set, makes every UpdateVersion take one value
	// from it first.
	VersionGate chan struct{}

	mu             sync.Mutex
	changed        wake.Signal
	devices        map[int64]string // the "device files": chat -> device JID ("" = unpaired)
	clients        map[int64]*Client
	open           map[int64]int
	maxOpen        int
	opens          map[int64]int
	connecting     int
	maxConnecting  int
	connects       int
	onWhatsApp     map[string]string
	lookups        []string
	logouts        int
	sends          []Sent
	sendErrs       map[int64][]error
	lookupErrs     map[int64][]error
	logoutErr      error
	typing         []string
	closedDrivers  int
	connectErrNext error
	passkeyOK      map[int64]int
	passkeyErr     error
	versionUpdates []VersionUpdate
	versionCalls   int
}

// VersionUpdate is one scripted answer of UpdateVersion.
type VersionUpdate struct {
	From, To string
	Err      error
}

// NewDriver returns a fake with AutoConnect on and three QR codes.
func NewDriver() *Driver {
	return &Driver{
		AutoConnect: true,
		QRCodes:     []string{"qr-1", "qr-2", "qr-3"},
		PairingCode: "ABCD-EFGH",
		devices:     make(map[int64]string),
		clients:     make(map[int64]*Client),
		open:        make(map[int64]int),
		opens:       make(map[int64]int),
		onWhatsApp:  make(map[string]string),
		sendErrs:    make(map[int64][]error),
		lookupErrs:  make(map[int64][]error),
		passkeyOK:   make(map[int64]int),
	}
}

var (
	_ whatsapp.Driver         = (*Driver)(nil)
	_ whatsapp.VersionUpdater = (*Driver)(nil)
)

// ScriptVersionUpdates sets the answers of the next UpdateVersion calls, in
// order; without one left, UpdateVersion fails.
func (d *Driver) ScriptVersionUpdates(u ...VersionUpdate) {
	d.mu.Lock()
	d.versionUpdates = append(d.versionUpdates, u...)
	d.mu.Unlock()
}

// VersionCalls is how many times UpdateVersion was called.
func (d *Driver) VersionCalls() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.versionCalls
}

// UpdateVersion implements whatsapp.VersionUpdater with the scripted answers.
func (d *Driver) UpdateVersion(ctx context.Context) (string, string, error) {
	d.mu.Lock()
	gate := d.VersionGate
	d.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return "", "", ctx.Err()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.versionCalls++
	d.touchLocked()
	if len(d.versionUpdates) == 0 {
		return "", "", errors.New("whatsapptest: no version update scripted")
	}
	u := d.versionUpdates[0]
	d.versionUpdates = d.versionUpdates[1:]
	return u.From, u.To, u.Err
}

var _ whatsapp.Client = (*Client)(nil)

func (d *Driver) clock() clock.Clock {
	if d.Clock == nil {
		return clock.Real{}
	}
	return d.Clock
}

// touchLocked wakes WaitFor callers.
func (d *Driver) touchLocked() { d.changed.Touch() }

// WaitFor blocks until cond (evaluated under the fake's lock) holds or ctx
// ends. cond must not call the Driver's methods.
func (d *Driver) WaitFor(ctx context.Context, cond func(v View) bool) error {
	err := d.changed.Wait(ctx, func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return cond(View{d})
	})
	if err != nil {
		return fmt.Errorf("whatsapptest: condition not met: %w", err)
	}
	return nil
}

// WaitForSends waits until at least n messages were sent (by all sessions).
func (d *Driver) WaitForSends(ctx context.Context, n int) error {
	return d.WaitFor(ctx, func(v View) bool { return len(v.d.sends) >= n })
}

// View reads the fake's state inside WaitFor.
type View struct{ d *Driver }

// HasDevice reports whether chat has a device "file"; Logouts counts logouts.
func (v View) HasDevice(chat int64) bool { _, ok := v.d.devices[chat]; return ok }
func (v View) Logouts() int              { return v.d.logouts }

func (v View) Sends() int                { return len(v.d.sends) }
func (v View) Connecting() int           { return v.d.connecting }
func (v View) Connects() int             { return v.d.connects }
func (v View) HasClient(chat int64) bool { return v.d.clients[chat] != nil }

// PasskeyConfirmations is how many passkey confirmations chat's clients
// sent successfully.
func (v View) PasskeyConfirmations(chat int64) int { return v.d.passkeyOK[chat] }

// Link creates a paired device "file" for chatID as phone and returns the
// record the manager's store should hold for it.
func (d *Driver) Link(chatID int64, phone string) whatsapp.SessionRecord {
	jid := phone + ":7@s.whatsapp.net"
	d.mu.Lock()
	d.devices[chatID] = jid
	d.touchLocked()
	d.mu.Unlock()
	return whatsapp.SessionRecord{ChatID: chatID, DeviceJID: jid, Phone: phone, State: whatsapp.StateConnected}
}

// DeviceJID of chatID's device file; ok false when there is no file.
func (d *Driver) DeviceJID(chatID int64) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	jid, ok := d.devices[chatID]
	return jid, ok
}

// SetOnWhatsApp makes phone resolve to jid ("" -> phone@s.whatsapp.net).
func (d *Driver) SetOnWhatsApp(phone, jid string) {
	if jid == "" {
		jid = phone + "@s.whatsapp.net"
	}
	d.mu.Lock()
	d.onWhatsApp[phone] = jid
	d.mu.Unlock()
}

// RemoveFromWhatsApp makes phone no longer resolve (the number left
// WhatsApp).
func (d *Driver) RemoveFromWhatsApp(phone string) {
	d.mu.Lock()
	delete(d.onWhatsApp, phone)
	d.mu.Unlock()
}

// FailNextSend makes the next SendText of chatID's session fail with err.
// Calls queue up, one per SendText; a nil err lets that one through (to
// fail the second message of a send and not the first).
func (d *Driver) FailNextSend(chatID int64, err error) {
	d.mu.Lock()
	d.sendErrs[chatID] = append(d.sendErrs[chatID], err)
	d.mu.Unlock()
}

// FailNextLookup makes the next IsOnWhatsApp of chatID's session fail.
func (d *Driver) FailNextLookup(chatID int64, err error) {
	d.mu.Lock()
	d.lookupErrs[chatID] = append(d.lookupErrs[chatID], err)
	d.mu.Unlock()
}

// FailNextConnect makes the next Connect fail.
func (d *Driver) FailNextConnect(err error) {
	d.mu.Lock()
	d.connectErrNext = err
	d.mu.Unlock()
}

// SetLogoutError makes Logout fail (e.g. server unreachable).
func (d *Driver) SetLogoutError(err error) {
	d.mu.Lock()
	d.logoutErr = err
	d.mu.Unlock()
}

// Emit delivers ev to chatID's current client's sink, as the library would.
func (d *Driver) Emit(chatID int64, ev whatsapp.ClientEvent) error {
	d.mu.Lock()
	c := d.clients[chatID]
	d.mu.Unlock()
	if c == nil {
		return fmt.Errorf("whatsapptest: chat %d has no open client", chatID)
	}
	c.sink(ev)
	return nil
}

// Receive plays someone writing to chatID's WhatsApp: in reaches the
// current client's sink as the library's message would (the driver's
// translation done). The session sets in.ChatID itself.
func (d *Driver) Receive(chatID int64, in whatsapp.Inbound) error {
	return d.Emit(chatID, whatsapp.ClientEvent{Kind: whatsapp.ClientMessage, Inbound: &in})
}

// RequestPasskey plays WhatsApp asking for the account's passkey during
// chatID's pairing (whatsmeow's PairPasskeyRequest).
func (d *Driver) RequestPasskey(chatID int64) error {
	return d.Emit(chatID, whatsapp.ClientEvent{Kind: whatsapp.ClientPasskeyRequired, Detail: "passkey requested"})
}

// AskPasskeyCode plays WhatsApp's passkey confirmation step: code is to be
// compared with the phone's, unless trusted (whatsmeow's SkipHandoffUX).
func (d *Driver) AskPasskeyCode(chatID int64, code string, trusted bool) error {
	return d.Emit(chatID, whatsapp.ClientEvent{Kind: whatsapp.ClientPasskeyConfirm, Code: code, Trusted: trusted})
}

// FailPasskeyConfirmation makes every ConfirmPasskey fail with err (nil:
// succeed again).
func (d *Driver) FailPasskeyConfirmation(err error) {
	d.mu.Lock()
	d.passkeyErr = err
	d.mu.Unlock()
}

// PasskeyConfirmations is how many passkey confirmations chatID's clients
// sent successfully.
func (d *Driver) PasskeyConfirmations(chatID int64) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.passkeyOK[chatID]
}

// CompletePairing plays the phone accepting the pairing: the device becomes
// phone's and the client reports ClientPaired then (if AutoConnect)
// ClientConnected.
func (d *Driver) CompletePairing(chatID int64, phone string) error {
	jid := phone + ":7@s.whatsapp.net"
	d.mu.Lock()
	c := d.clients[chatID]
	if c != nil {
		d.devices[chatID] = jid
		c.jid = jid
	}
	auto := d.AutoConnect
	d.mu.Unlock()
	if c == nil {
		return fmt.Errorf("whatsapptest: chat %d has no open client", chatID)
	}
	c.sink(whatsapp.ClientEvent{Kind: whatsapp.ClientPaired, JID: jid})
	if auto {
		c.sink(whatsapp.ClientEvent{Kind: whatsapp.ClientConnected})
	}
	return nil
}

// Sends returns every message sent so far, in order.
func (d *Driver) Sends() []Sent {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Sent(nil), d.sends...)
}

// Lookups returns every number asked to IsOnWhatsApp, in order.
func (d *Driver) Lookups() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.lookups...)
}

// Typing returns the JIDs that got a "composing" presence, in order.
func (d *Driver) Typing() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.typing...)
}

// Opens is how many clients were opened for chatID.
func (d *Driver) Opens(chatID int64) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opens[chatID]
}

// Logouts is how many devices were logged out on the "server".
func (d *Driver) Logouts() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logouts
}

// MaxOpenPerChat is the most clients that were open at once for one chat.
// The manager's invariant is 1.
func (d *Driver) MaxOpenPerChat() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.maxOpen
}

// OpenClients is how many clients are open now, all chats together.
func (d *Driver) OpenClients() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, k := range d.open {
		n += k
	}
	return n
}

// MaxConcurrentConnects is the most Connect calls that were in flight at once.
func (d *Driver) MaxConcurrentConnects() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.maxConnecting
}

// Connects is how many Connect calls were made.
func (d *Driver) Connects() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.connects
}

// Client returns chatID's current client, nil when none is open.
func (d *Driver) Client(chatID int64) *Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.clients[chatID]
}

// Open implements whatsapp.Driver.
func (d *Driver) Open(_ context.Context, chatID int64, sink func(whatsapp.ClientEvent)) (whatsapp.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	jid := d.devices[chatID]
	if _, ok := d.devices[chatID]; !ok {
		d.devices[chatID] = "" // an unpaired device file now exists
	}
	c := &Client{d: d, chatID: chatID, sink: sink, jid: jid}
	d.clients[chatID] = c
	d.opens[chatID]++
	d.open[chatID]++
	d.maxOpen = max(d.maxOpen, d.open[chatID])
	d.touchLocked()
	return c, nil
}

// Exists implements whatsapp.Driver.
func (d *Driver) Exists(chatID int64) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.devices[chatID]
	return ok, nil
}

// Remove implements whatsapp.Driver.
func (d *Driver) Remove(chatID int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.devices, chatID)
	d.touchLocked()
	return nil
}

// Close implements whatsapp.Driver.
func (d *Driver) Close() error {
	d.mu.Lock()
	d.closedDrivers++
	d.mu.Unlock()
	return nil
}

// Client is a fake whatsapp.Client bound to one chat.
type Client struct {
	d      *Driver
	chatID int64
	sink   func(whatsapp.ClientEvent)

	// guarded by d.mu
	jid    string
	closed bool
}

// ChatID is the chat this client was opened for.
func (c *Client) ChatID() int64 { return c.chatID }

// Emit delivers ev to this client's sink (even if it is no longer current:
// tests of stale events use it).
func (c *Client) Emit(ev whatsapp.ClientEvent) { c.sink(ev) }

func (c *Client) DeviceJID() string {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	return c.jid
}

func (c *Client) Connect(ctx context.Context) error {
	d := c.d
	d.mu.Lock()
	d.connecting++
	d.connects++
	d.maxConnecting = max(d.maxConnecting, d.connecting)
	gate := d.ConnectGate
	d.touchLocked()
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.connecting--
		d.touchLocked()
		d.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := d.clock().Sleep(ctx, d.DialDelay); err != nil {
		return err
	}
	d.mu.Lock()
	err := d.connectErrNext
	d.connectErrNext = nil
	paired := c.jid != ""
	auto, codes := d.AutoConnect, append([]string(nil), d.QRCodes...)
	d.mu.Unlock()
	if err != nil {
		return err
	}
	switch {
	case !paired:
		c.sink(whatsapp.ClientEvent{Kind: whatsapp.ClientQR, Codes: codes})
	case auto:
		c.sink(whatsapp.ClientEvent{Kind: whatsapp.ClientConnected})
	}
	return nil
}

func (c *Client) Disconnect() {}

func (c *Client) Close() error {
	d := c.d
	d.mu.Lock()
	closed := c.closed
	d.mu.Unlock()
	if !closed {
		_ = d.clock().Sleep(context.Background(), d.CloseDelay)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	d.open[c.chatID]--
	if d.clients[c.chatID] == c {
		delete(d.clients, c.chatID)
	}
	d.touchLocked()
	return nil
}

func (c *Client) PairCode(context.Context, string) (string, error) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	return c.d.PairingCode, nil
}

func (c *Client) IsOnWhatsApp(_ context.Context, phones []string) ([]whatsapp.Contact, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if errs := d.lookupErrs[c.chatID]; len(errs) > 0 {
		d.lookupErrs[c.chatID] = errs[1:]
		return nil, errs[0]
	}
	out := make([]whatsapp.Contact, 0, len(phones))
	for _, p := range phones {
		d.lookups = append(d.lookups, p)
		jid, ok := d.onWhatsApp[p]
		out = append(out, whatsapp.Contact{Query: p, JID: jid, OnWhatsApp: ok})
	}
	d.touchLocked()
	return out, nil
}

func (c *Client) SendTyping(_ context.Context, jid string) error {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.d.typing = append(c.d.typing, jid)
	return nil
}

func (c *Client) SendText(_ context.Context, jid, text, id string) error {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if c.closed {
		return &whatsapp.TransientError{Err: errors.New("whatsapptest: client closed")}
	}
	if errs := d.sendErrs[c.chatID]; len(errs) > 0 {
		d.sendErrs[c.chatID] = errs[1:]
		if errs[0] != nil {
			return errs[0]
		}
	}
	d.sends = append(d.sends, Sent{ChatID: c.chatID, DeviceJID: c.jid, To: jid, Text: text, ID: id})
	d.touchLocked()
	return nil
}

func (c *Client) Logout(context.Context) error {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.logoutErr != nil {
		return d.logoutErr
	}
	d.logouts++
	c.jid = ""
	delete(d.devices, c.chatID)
	d.touchLocked()
	return nil
}

func (c *Client) ConfirmPasskey(context.Context) error {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.passkeyErr != nil {
		return d.passkeyErr
	}
	d.passkeyOK[c.chatID]++
	d.touchLocked()
	return nil
}
