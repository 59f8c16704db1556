package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestSendReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{context.Canceled, "stopped"},
		{ErrClosed, "stopped"},
		{fmt.Errorf("x: %w", ErrNotLinked), "not_linked"},
		{&TempBanError{Until: time.Now()}, "banned"},
		{&DailyCapError{Limit: 3}, "daily_cap"},
		{&RateLimitedError{Reachout: true}, "rate_limited"},
		{ErrNotOnWhatsApp, "not_on_whatsapp"},
		{ErrInvalidPhone, "invalid_phone"},
		{ErrEmptyText, "empty_text"},
		{fmt.Errorf("%w: 463", ErrRecipientRestricted), "restricted"},
		{&TransientError{Err: fmt.Errorf("%w: socket", ErrNotConnected)}, "not_connected"},
		{&ConnectFailedError{Code: 428}, "not_connected"},
		{&TransientError{Err: errors.New("timeout")}, "transient"},
	} {
		if got := sendReason(tc.err); got != tc.want {
			t.Errorf("sendReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestSendResult(t *testing.T) {
	for _, tc := range []struct {
		err            error
		result, reason string
	}{
		{nil, "sent", "none"},
		{ErrNotOnWhatsApp, "failed", "not_on_whatsapp"},
		// The text left; only the Pix code after it failed.
		{&FollowError{Err: &TransientError{Err: errors.New("timeout")}}, "partial", "transient"},
		{&FollowError{Err: fmt.Errorf("%w: socket", ErrNotConnected)}, "partial", "not_connected"},
	} {
		if result, reason := sendResult(tc.err); result != tc.result || reason != tc.reason {
			t.Errorf("sendResult(%v) = %q, %q; want %q, %q", tc.err, result, reason, tc.result, tc.reason)
		}
	}
}
