package whatsapp

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the Manager. Match them with errors.Is / errors.As.
var (
	ErrNotLinked     = errors.New("whatsapp: not linked")
	ErrNotOnWhatsApp = errors.New("whatsapp: number is not on WhatsApp")
	ErrRateLimited   = errors.New("whatsapp: rate limited")
	ErrDailyCap      = errors.New("whatsapp: daily cap reached")
	ErrAlreadyLinked = errors.New("whatsapp: already linked")
	ErrLogoutFailed  = errors.New("whatsapp: logout on the server failed")

	ErrInvalidPhone     = errors.New("whatsapp: invalid phone number")
	ErrEmptyText        = errors.New("whatsapp: empty message")
	ErrNotConnected     = errors.New("whatsapp: not connected")
	ErrPairingCancelled = errors.New("whatsapp: pairing cancelled")
	ErrClientOutdated   = errors.New("whatsapp: client outdated, update whatsmeow")
	ErrStreamReplaced   = errors.New("whatsapp: another connection replaced this one")
	// ErrDeviceMismatch means the device file of a chat holds another device
	// than the one we recorded for it; the session refuses to start rather
	// than send from a device we cannot vouch for.
	ErrDeviceMismatch = errors.New("whatsapp: device file does not match the recorded device")
	ErrClosed         = errors.New("whatsapp: manager closed")

	// ErrPasskeyRequired ends a pairing when WhatsApp asks for the account's
	// passkey (a WebAuthn assertion bound to whatsapp.com, which only
	// WhatsApp's own web and apps can obtain from the reseller), or when
	// code pairing fails the way it does for those accounts.
	ErrPasskeyRequired = errors.New("whatsapp: the account requires its passkey to link a device")
	// ErrPasskeyCodeRejected ends a pairing whose passkey confirmation code
	// the reseller said differs from the one on the phone.
	ErrPasskeyCodeRejected = errors.New("whatsapp: passkey confirmation code differs from the phone's")
	// ErrNoPasskeyCode: no pairing of the chat waits for an answer to that
	// passkey confirmation code (never shown, already answered, or ended).
	ErrNoPasskeyCode = errors.New("whatsapp: no passkey confirmation code awaits an answer")
	// ErrRecipientRestricted: WhatsApp refused this message for this one
	// recipient (server error 463) while the account has no reach-out
	// time-lock. It usually means the contact's privacy token is missing
	// (they never talked with this number); other clients are not affected.
	ErrRecipientRestricted = errors.New("whatsapp: WhatsApp refused the message for this recipient (error 463)")
)

// FollowError: the first message of a Send left, its SendOptions.Follow
// did not (Err says why; errors.Is and errors.As see through to it, so the
// caller handles it as it would the same error on the first message).
// Send returns the first message's ID with it. Sending both again under
// the same IDs delivers the missing one; the client's phone drops the
// copy of the one it has.
type FollowError struct{ Err error }

func (e *FollowError) Error() string { return "whatsapp: second message not sent: " + e.Err.Error() }
func (e *FollowError) Unwrap() error { return e.Err }

// passkeyRequired is the error of a pairing ended by a passkey demand;
// detail says what the library reported, cause is its error, if any.
func passkeyRequired(detail string, cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: %s", ErrPasskeyRequired, detail)
	}
	return fmt.Errorf("%w: %s: %w", ErrPasskeyRequired, detail, cause)
}

// ConnectFailedError: WhatsApp refused the session's connection with a
// reason we do not know (e.g. 428). It is errors.Is(ErrNotConnected): the
// message waits. The session is not dialled again before RetryAt.
type ConnectFailedError struct {
	Code    int
	Message string
	RetryAt time.Time
}

func (e *ConnectFailedError) Error() string {
	return fmt.Sprintf("whatsapp: connection refused by WhatsApp (code %d %s), next attempt at %s", e.Code, e.Message, e.RetryAt.Format(time.RFC3339))
}
func (e *ConnectFailedError) Is(target error) bool { return target == ErrNotConnected }

// TempBanError: the reseller's account is temporarily banned until Until
// (estimated with Config.UnknownBanPause when WhatsApp did not say).
type TempBanError struct{ Until time.Time }

func (e *TempBanError) Error() string {
	return fmt.Sprintf("whatsapp: temporarily banned until %s", e.Until.Format(time.RFC3339))
}

// TransientError: network, timeout, server 5xx, session still connecting.
// The caller keeps the message and may retry later.
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return "whatsapp: transient: " + errString(e.Err) }
func (e *TransientError) Unwrap() error { return e.Err }

// RateLimitedError is errors.Is(ErrRateLimited). Reachout marks WhatsApp's
// error 463 (reach-out time-lock: no messages to new contacts for a while);
// Until is when it ends, zero when unknown.
type RateLimitedError struct {
	Until    time.Time
	Reachout bool
	Err      error
}

func (e *RateLimitedError) Error() string {
	s := "whatsapp: rate limited"
	if e.Reachout {
		s += " (reach-out time-lock)"
	}
	if !e.Until.IsZero() {
		s += " until " + e.Until.Format(time.RFC3339)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }
func (e *RateLimitedError) Unwrap() error        { return e.Err }

// DailyCapError is errors.Is(ErrDailyCap); ResetAt is the next reseller
// midnight, when sending may resume.
type DailyCapError struct {
	Limit   int
	ResetAt time.Time
}

func (e *DailyCapError) Error() string {
	return fmt.Sprintf("whatsapp: daily cap of %d messages reached, resets at %s", e.Limit, e.ResetAt.Format(time.RFC3339))
}
func (e *DailyCapError) Is(target error) bool { return target == ErrDailyCap }

// IsPermanent reports whether retrying the same send can never succeed:
// the number is not on WhatsApp (including WhatsApp finding no account for
// it when sending) or is not a phone number at all, or the text is empty.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrNotOnWhatsApp) || errors.Is(err, ErrInvalidPhone) || errors.Is(err, ErrEmptyText)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
