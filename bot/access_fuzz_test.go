package bot

import (
	"net/url"
	"strings"
	"testing"
)

// The operator's contact becomes a button URL when it looks like a link;
// Telegram refuses the whole message (the access-denied one included) when
// a button URL is malformed, so only clean http(s) links with a dotted host
// or t.me links may come out.
func FuzzContactURL(f *testing.F) {
	for _, s := range []string{"@suporte_renova", "https://wa.me/5511999990000", "(11) 99999-0000", "http://a", "@ab", "https://x.y/a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, contact string) {
		b := &Bot{cfg: Config{Access: AccessConfig{Contact: contact}}}
		got := b.contactURL()
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.Contains(u.Hostname(), ".") || strings.ContainsAny(got, " \t\r\n") {
			t.Fatalf("contact %q gave button URL %q", contact, got)
		}
	})
}
