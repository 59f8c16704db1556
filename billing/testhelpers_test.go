package billing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) Date { return Date{Year: y, Month: m, Day: d} }

// inputErr asserts that err is an *InputError whose message contains every
// want substring, and returns the message.
func inputErr(t *testing.T, err error, want ...string) string {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not *InputError", err, err)
	}
	for _, w := range want {
		if !strings.Contains(ie.Msg, w) {
			t.Errorf("message %q does not contain %q", ie.Msg, w)
		}
	}
	return ie.Msg
}
