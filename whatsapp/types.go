package whatsapp

import (
	"context"
	"time"
)

// State is where a reseller's session stands.
type State string

const (
	StateUnlinked     State = "unlinked"
	StatePairing      State = "pairing"
	StateConnecting   State = "connecting"
	StateConnected    State = "connected"
	StateDisconnected State = "disconnected"
	StateLoggedOut    State = "logged_out" // unlinked from the phone (or by WhatsApp)
	StateBanned       State = "banned"     // temporary ban; see Status.BanUntil
)

// Status is what the Telegram side shows about a reseller's WhatsApp.
type Status struct {
	State          State
	Phone          string // linked number, digits
	LinkedAt       time.Time
	ConnectedSince time.Time // zero unless State is connected
	BanUntil       time.Time // zero unless State is banned
	// Refused is the last connection WhatsApp refused with a reason we do
	// not know (e.g. 428), zero once a connection succeeds; the session is
	// not dialled again before Refused.RetryAt().
	Refused ConnectRefusal
}

// ConnectRefusal is a connection WhatsApp refused with a reason we do not
// know (the library does not reconnect after it).
type ConnectRefusal struct {
	Code    int // zero: none
	Message string
	At      time.Time
	Count   int // refusals in a row
}

// RetryAt is when the session may be dialled again: 1 minute after the
// first refusal, doubling with each refusal in a row, at most 30 minutes.
// Dialling on every send would hammer a server that keeps saying no.
func (r ConnectRefusal) RetryAt() time.Time {
	if r.Code == 0 {
		return time.Time{}
	}
	d := time.Minute
	for i := 1; i < r.Count && d < 30*time.Minute; i++ {
		d *= 2
	}
	return r.At.Add(min(d, 30*time.Minute))
}

// PairEventKind tells the items of a pairing stream apart.
type PairEventKind string

const (
	PairQR      PairEventKind = "qr"      // Code: a new QR payload; replace the previous picture
	PairCode    PairEventKind = "code"    // Code: the 8-character pairing code, "ABCD-EFGH"
	PairSuccess PairEventKind = "success" // Phone: the linked number
	PairTimeout PairEventKind = "timeout"
	PairError   PairEventKind = "error" // Err; errors.Is(Err, ErrPairingCancelled) when a newer pairing or Unlink took over
	// PairPasskeyCode: Code is the code WhatsApp asks to compare with the
	// one the phone shows (an account that links with its passkey). Answer
	// with Manager.ConfirmPasskeyCode; the stream then goes on to success,
	// timeout or error.
	PairPasskeyCode PairEventKind = "passkey_code"
)

// PairOutcome is how a pairing ended, kept per reseller (the last one only)
// for the operator's statistics.
type PairOutcome string

const (
	OutcomeLinked          PairOutcome = "linked"
	OutcomeTimeout         PairOutcome = "timeout"
	OutcomeCancelled       PairOutcome = "cancelled"        // by the reseller, a newer pairing or Unlink
	OutcomePasskeyRequired PairOutcome = "passkey_required" // ErrPasskeyRequired
	OutcomeCodeRejected    PairOutcome = "code_rejected"    // ErrPasskeyCodeRejected
	OutcomeFailed          PairOutcome = "failed"
)

// PairEvent is one item of the stream returned by PairQR and PairPhone. The
// stream ends with exactly one of PairSuccess, PairTimeout or PairError and
// is then closed. QR codes nobody read in time are dropped (only the newest
// code is useful); the final item is never dropped.
type PairEvent struct {
	Kind  PairEventKind
	Code  string
	Phone string
	Err   error
}

// SendOptions are optional parameters of Send.
type SendOptions struct {
	// MessageID chosen by the caller (see Manager.NewMessageID) so a resend
	// after a crash reuses the same WhatsApp message ID; empty: generated.
	MessageID string
	// Check, when set, is asked right before the message leaves.
	Check PreSendCheck
	// Follow, when not blank, is a second message sent to the same chat
	// right after the first, in the same pacing slot (no gap, no typing in
	// between): the Pix copia-e-cola on its own, which the client copies
	// with one long-press. The pair counts as one send for the daily cap.
	Follow string
	// FollowID is its WhatsApp message ID (like MessageID, so a resend
	// after a crash reuses it); empty: generated.
	FollowID string
}

// PreSendCheck is the caller's last word on a message: Send calls it after
// the pacing gap and the typing presence (which can take 20 seconds and
// more), immediately before the message goes to WhatsApp. A non-nil error
// stops the send: nothing reaches WhatsApp and Send returns that error as
// is. A reminder whose client renewed during the wait is stopped here.
type PreSendCheck func(ctx context.Context) error

// SessionRecord is what we persist per reseller, next to (not inside)
// whatsmeow's device file.
type SessionRecord struct {
	ChatID    int64
	DeviceJID string // full device JID, e.g. "5511987654321:12@s.whatsapp.net"
	Phone     string // digits of the linked number
	LinkedAt  time.Time
	State     State // persisted on meaningful changes only: connected (linked), logged_out, banned
	BanUntil  time.Time
	// Refused is the last connection refused with an unknown reason, kept
	// so the back-off and its explanation survive a restart.
	Refused ConnectRefusal
}

// SessionStore persists SessionRecords and the per-reseller JID cache. It is
// declared here, where it is consumed; the store package implements it. All
// methods are scoped by chat_id except LinkedSessions, the one start-up query
// over all resellers.
type SessionStore interface {
	// LinkedSessions returns every reseller that has a record (including
	// logged_out and banned ones is fine: the manager skips them).
	LinkedSessions(ctx context.Context) ([]SessionRecord, error)
	Session(ctx context.Context, chatID int64) (SessionRecord, bool, error)
	// SaveSession inserts or replaces the record of rec.ChatID, or returns
	// ErrNoAccount when that chat has no account.
	SaveSession(ctx context.Context, rec SessionRecord) error
	// DeleteSession removes the record and the JID cache of chatID.
	DeleteSession(ctx context.Context, chatID int64) error
	// CachedJID returns the WhatsApp JID that phone resolved to for chatID,
	// if it was resolved at or after since.
	CachedJID(ctx context.Context, chatID int64, phone string, since time.Time) (string, bool, error)
	CacheJID(ctx context.Context, chatID int64, phone, jid string) error
	// ForgetJID drops what phone resolved to for chatID.
	ForgetJID(ctx context.Context, chatID int64, phone string) error
	// SentSince counts the messages chatID's WhatsApp sent since t, so the
	// daily cap survives a restart on the same day.
	SentSince(ctx context.Context, chatID int64, t time.Time) (int, error)
	// SavePairingOutcome records how chatID's last pairing ended.
	SavePairingOutcome(ctx context.Context, chatID int64, outcome PairOutcome, at time.Time) error
	SentLog
}

// SentLog finds a text message chatID's session sent, by its WhatsApp
// message ID: a recipient's phone that could not decrypt it asks for it
// again (a retry receipt), possibly after our client restarted and forgot
// it.
type SentLog interface {
	SentText(ctx context.Context, chatID int64, messageID string) (SentText, bool, error)
}

// SentText is a message as it was sent: to whom (phone digits) and what.
type SentText struct {
	Phone string
	Text  string
}

// EventKind names what happened to a reseller's WhatsApp.
type EventKind string

const (
	EventLinked             EventKind = "linked"              // pairing finished; Phone
	EventLoggedOut          EventKind = "logged_out"          // unlinked from the phone; pair again
	EventTempBan            EventKind = "temp_ban"            // Until (estimated when WhatsApp did not say); Detail: reason code
	EventReachoutTimelock   EventKind = "reachout_timelock"   // error 463: no messages to new contacts; Until when known
	EventClientOutdated     EventKind = "client_outdated"     // needs a whatsmeow update: operator problem, not the reseller's
	EventConnectionLost     EventKind = "connection_lost"     // disconnected for more than ConnectionLostAfter
	EventConnectionRestored EventKind = "connection_restored" // only after EventConnectionLost
	EventStreamReplaced     EventKind = "stream_replaced"     // another program connected with this device

	// For the admins (ChatID 0), one per incident: WhatsApp refused the
	// client's version (405) for one or more sessions.
	EventVersionUpdated EventKind = "version_updated" // the newest version was set and Count sessions reconnected; Detail "old -> new"
	EventVersionFailed  EventKind = "version_failed"  // no newer version could be set; Count sessions wait; Detail says why
)

// Event is a notification for one reseller (ChatID), or for the admins
// (ChatID 0, EventVersion* kinds).
type Event struct {
	ChatID  int64
	Kind    EventKind
	Phone   string
	Until   time.Time
	Refusal int    // EventConnectionLost: the code WhatsApp refused the connection with, if it did
	Count   int    // EventVersion*: sessions concerned
	Detail  string // English, for logs; the bot writes its own pt-BR text
}

// Notifier tells the reseller (the bot implements it). It is called on the
// WhatsApp library's event goroutines: queue the message and return; do not
// call back into the Manager from inside NotifyWhatsApp (whatsmeow holds its
// event-handler lock there, and Unlink/Pair would wait on it).
type Notifier interface {
	NotifyWhatsApp(ctx context.Context, ev Event)
}

// Receipt is the delivery state WhatsApp reported for a sent message.
type Receipt string

const (
	ReceiptDelivered Receipt = "delivered"
	ReceiptRead      Receipt = "read"
)

// ReceiptSink records receipts of messages sent by a reseller's session.
// Same calling rules as Notifier.
type ReceiptSink interface {
	MessageReceipt(ctx context.Context, chatID int64, messageID string, r Receipt)
}
