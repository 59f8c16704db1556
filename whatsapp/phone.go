package whatsapp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
)

// validPhone accepts international digits only (E.164 without "+", 8..15
// digits, no leading 0). Brazilian numbers arrive canonical ("55"+DDD+number)
// from billing; foreign clients of a reseller are allowed too.
func validPhone(p string) bool {
	if len(p) < 8 || len(p) > 15 || p[0] == '0' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// userOf returns the user part of a JID: "5511...:3@s.whatsapp.net" -> "5511...".
func userOf(jid string) string {
	if i := strings.IndexByte(jid, '@'); i >= 0 {
		jid = jid[:i]
	}
	if i := strings.IndexByte(jid, ':'); i >= 0 {
		jid = jid[:i]
	}
	if i := strings.IndexByte(jid, '.'); i >= 0 { // agent part, "user.agent:device"
		jid = jid[:i]
	}
	return jid
}

// phoneJID is the non-device JID of a phone number.
func phoneJID(digits string) string { return digits + "@s.whatsapp.net" }

// newMessageID builds an ID in the format whatsmeow's
// Client.GenerateMessageID uses (WhatsApp Web's): "3EB0" + the first 9 bytes
// of SHA-256(unix time, random) in upper-case hex. whatsmeow also hashes the
// own JID in; it only adds entropy and the manager-wide ID has no session.
func newMessageID(now time.Time) string {
	var data [8 + 16]byte
	binary.BigEndian.PutUint64(data[:8], uint64(now.Unix()))
	_, _ = rand.Read(data[8:]) // crypto/rand.Read never fails on supported platforms
	sum := sha256.Sum256(data[:])
	return "3EB0" + strings.ToUpper(hex.EncodeToString(sum[:9]))
}
