package whatsapp

import (
	"context"
	"time"
)

// Driver opens the device of one reseller. Implementations: the whatsmeow
// adapter, the dry-run driver, and whatsapptest's fake.
type Driver interface {
	// Open loads the device of chatID (creating an unpaired one when there is
	// none) without connecting. Every event of the returned Client is passed
	// to sink, which never blocks for long. The manager opens at most one
	// Client per chatID at a time.
	Open(ctx context.Context, chatID int64, sink func(ClientEvent)) (Client, error)
	// Exists reports whether chatID has a device file.
	Exists(chatID int64) (bool, error)
	// Remove deletes chatID's device file (and its SQLite -wal/-shm). Not
	// finding one is not an error.
	Remove(chatID int64) error
	// Close releases what the driver holds (the dry-run log file).
	Close() error
}

// VersionUpdater is a Driver whose WhatsApp protocol version can be
// refreshed at run time, for when WhatsApp refuses it (ClientOutdated). The
// version is one for every client of the driver.
type VersionUpdater interface {
	// UpdateVersion sets the newest version; an error means none newer
	// than from could be set.
	UpdateVersion(ctx context.Context) (from, to string, err error)
}

// Client is one reseller's connection. JIDs are strings so no whatsmeow type
// leaks past the adapter.
type Client interface {
	// DeviceJID is the paired device's JID, "" before pairing.
	DeviceJID() string
	// Connect starts connecting: a paired device logs in (ClientConnected
	// follows), an unpaired one starts pairing (ClientQR follows). ctx bounds
	// the connection's whole life, not just the dial.
	Connect(ctx context.Context) error
	Disconnect()
	// Close disconnects and releases the device store; idempotent.
	Close() error
	// PairCode asks WhatsApp for an 8-character code for phone (digits). Call
	// it only after the first ClientQR, when the connection is up.
	PairCode(ctx context.Context, phone string) (string, error)
	IsOnWhatsApp(ctx context.Context, phones []string) ([]Contact, error)
	// SendTyping shows "composing" in the chat with jid.
	SendTyping(ctx context.Context, jid string) error
	// SendText sends a text message with the given ID. Errors are already
	// classified (TransientError, RateLimitedError, ErrNotLinked, ...).
	SendText(ctx context.Context, jid, text, id string) error
	// Logout unlinks the device on the server.
	Logout(ctx context.Context) error
	// ConfirmPasskey tells WhatsApp that the code of a ClientPasskeyConfirm
	// was accepted, which lets the phone finish the pairing.
	ConfirmPasskey(ctx context.Context) error
}

// Contact is one answer of IsOnWhatsApp.
type Contact struct {
	Query      string // the phone digits asked for
	JID        string // the JID to send to (phone-number JID when known)
	OnWhatsApp bool
}

// ClientEventKind is our vocabulary for what a client reports.
type ClientEventKind int

const (
	ClientConnected    ClientEventKind = iota + 1
	ClientDisconnected                 // Final: the library will not reconnect by itself
	ClientQR                           // Codes
	ClientPaired                       // JID of the new device
	ClientPairFailed                   // Err
	ClientLoggedOut                    // Detail
	ClientReplaced                     // stream replaced
	ClientTempBanned                   // Expire (0 = unknown), Detail
	ClientOutdated
	ClientTimelock // Active, Until (zero = unknown), Detail
	ClientReceipt  // MessageIDs, Receipt
	// ClientPasskeyRequired: the pairing needs the account's passkey, which
	// we cannot provide (Detail; Err: the library's error, if any).
	ClientPasskeyRequired
	// ClientPasskeyConfirm: Code is to be compared with the phone's before
	// ConfirmPasskey, unless Trusted (the library vouches for it).
	ClientPasskeyConfirm
	ClientUnstable // keepalive pings go unanswered: treat as disconnected
	ClientRestored // keepalive pings answered again after ClientUnstable
	ClientMessage  // Inbound: someone wrote to this WhatsApp
)

func (k ClientEventKind) String() string {
	switch k {
	case ClientConnected:
		return "connected"
	case ClientDisconnected:
		return "disconnected"
	case ClientQR:
		return "qr"
	case ClientPaired:
		return "paired"
	case ClientPairFailed:
		return "pair_failed"
	case ClientLoggedOut:
		return "logged_out"
	case ClientReplaced:
		return "replaced"
	case ClientTempBanned:
		return "temp_banned"
	case ClientOutdated:
		return "outdated"
	case ClientTimelock:
		return "timelock"
	case ClientReceipt:
		return "receipt"
	case ClientPasskeyRequired:
		return "passkey_required"
	case ClientPasskeyConfirm:
		return "passkey_confirm"
	case ClientUnstable:
		return "unstable"
	case ClientRestored:
		return "restored"
	case ClientMessage:
		return "message"
	}
	return "unknown"
}

// ClientEvent is what a Client reports, already translated from the library.
type ClientEvent struct {
	Kind       ClientEventKind
	Codes      []string
	Code       string
	Trusted    bool
	JID        string
	Expire     time.Duration
	Until      time.Time
	Active     bool
	Final      bool
	Refusal    int // ClientDisconnected with Final: the code WhatsApp refused the connection with
	MessageIDs []string
	Receipt    Receipt
	Err        error
	Detail     string
	Inbound    *Inbound // ClientMessage
}
