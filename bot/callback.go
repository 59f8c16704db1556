package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Callback data is encoded as "<version>|<action>|<arg>|<arg>...".
// Actions are matched exactly (never by prefix) and arguments are split on a
// separator that neither actions nor arguments may contain, so ids with
// underscores or any other character never break parsing. A change of
// format bumps the version, and buttons from an older version are answered
// as expired instead of being misread.
const (
	callbackVersion = "1"
	callbackSep     = "|"
	// Telegram limits callback_data to 64 bytes.
	maxCallbackBytes = 64
)

// ErrStale is returned for button presses that cannot be honoured any more:
// unknown version or action, wrong arguments, a wizard that has moved on.
// The user sees a short "não encontrado ou expirado".
var ErrStale = errors.New("bot: stale or forged callback")

// Callback is a decoded button press.
type Callback struct {
	Action string
	Args   []string
}

// CB encodes an action and its arguments. It panics on arguments that could
// not round-trip, since that is a programming error caught by any test that
// renders the button.
func CB(action string, args ...any) string {
	parts := make([]string, 0, len(args)+2)
	parts = append(parts, callbackVersion, action)
	for _, a := range args {
		var s string
		switch v := a.(type) {
		case string:
			s = v
		case int:
			s = strconv.Itoa(v)
		case int64:
			s = strconv.FormatInt(v, 10)
		default:
			s = fmt.Sprint(v)
		}
		if strings.Contains(s, callbackSep) {
			panic(fmt.Sprintf("bot: callback argument %q contains %q", s, callbackSep))
		}
		parts = append(parts, s)
	}
	out := strings.Join(parts, callbackSep)
	if len(out) > maxCallbackBytes {
		panic(fmt.Sprintf("bot: callback data %q exceeds %d bytes", out, maxCallbackBytes))
	}
	return out
}

// ParseCallback decodes callback data; anything malformed is ErrStale.
func ParseCallback(data string) (Callback, error) {
	if len(data) == 0 || len(data) > maxCallbackBytes {
		return Callback{}, ErrStale
	}
	parts := strings.Split(data, callbackSep)
	if len(parts) < 2 || parts[0] != callbackVersion || parts[1] == "" {
		return Callback{}, ErrStale
	}
	return Callback{Action: parts[1], Args: parts[2:]}, nil
}

// Int64 returns argument i as an int64, or ErrStale.
func (c Callback) Int64(i int) (int64, error) {
	if i >= len(c.Args) {
		return 0, ErrStale
	}
	v, err := strconv.ParseInt(c.Args[i], 10, 64)
	if err != nil {
		return 0, ErrStale
	}
	return v, nil
}

// Int returns argument i as an int, or ErrStale.
func (c Callback) Int(i int) (int, error) {
	v, err := c.Int64(i)
	if err != nil || v != int64(int(v)) {
		return 0, ErrStale
	}
	return int(v), nil
}

// Arg returns argument i, or ErrStale.
func (c Callback) Arg(i int) (string, error) {
	if i >= len(c.Args) {
		return "", ErrStale
	}
	return c.Args[i], nil
}
