package whatsapp_test

import (
	"errors"
	"testing"

	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// A second message (the Pix code alone) goes right after the first, to the
// same JID, under the id the caller chose; the pair is one send for the
// daily cap.
func TestFollowGoesRightAfterAsOneSend(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) { c.DailyCap = 2 })
	e.link(1, "5511987650001")
	e.d.SetOnWhatsApp("5521987650001", "")
	ctx := tctx(t)
	id, err := e.m.Send(ctx, 1, "5521987650001", "Segue a cobrança 👇", whatsapp.SendOptions{MessageID: "3EB0TEXT", Follow: "00020126codigo", FollowID: "3EB0CODE"})
	if err != nil || id != "3EB0TEXT" {
		t.Fatalf("send = %q, %v", id, err)
	}
	s := e.d.Sends()
	if len(s) != 2 || s[0].ID != "3EB0TEXT" || s[0].Text != "Segue a cobrança 👇" || s[1].ID != "3EB0CODE" || s[1].Text != "00020126codigo" ||
		s[1].To != s[0].To || s[1].ChatID != 1 {
		t.Fatalf("sends = %+v", s)
	}
	// A generated id when none is chosen; blank follow-ups are not sent.
	if _, err := e.m.Send(ctx, 1, "5521987650001", "oi", whatsapp.SendOptions{Follow: " \n"}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.d.Sends()); n != 3 {
		t.Fatalf("a blank follow-up was sent (%d sends)", n)
	}
	if _, err := e.m.Send(ctx, 1, "5521987650001", "terceira", whatsapp.SendOptions{Follow: "x"}); !errors.Is(err, whatsapp.ErrDailyCap) {
		t.Fatalf("third send of the day (cap 2, the pair counting one): %v", err)
	}
}

// When only the second message fails, Send says so (FollowError, seen
// through to the cause) and returns the first one's id.
func TestFollowFailureKeepsTheFirstID(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	e.d.SetOnWhatsApp("5521987650001", "")
	e.d.FailNextSend(1, nil)
	e.d.FailNextSend(1, &whatsapp.RateLimitedError{})
	id, err := e.m.Send(tctx(t), 1, "5521987650001", "texto", whatsapp.SendOptions{MessageID: "3EB0TEXT", Follow: "codigo", FollowID: "3EB0CODE"})
	var fe *whatsapp.FollowError
	var rl *whatsapp.RateLimitedError
	if id != "3EB0TEXT" || !errors.As(err, &fe) || !errors.As(err, &rl) {
		t.Fatalf("send = %q, %v", id, err)
	}
	if s := e.d.Sends(); len(s) != 1 || s[0].ID != "3EB0TEXT" {
		t.Fatalf("sends = %+v", s)
	}
}

// A stale cached JID found out when sending the text: the text goes to the
// number's current JID, and the code follows it there.
func TestFollowGoesWhereTheTextWent(t *testing.T) {
	e := newEnv(t, nil)
	e.st.Clock = e.clk // the cache entry is dated on the manager's clock
	e.link(1, "5511987650001")
	const phone = "5521987650001"
	ctx := tctx(t)
	if err := e.st.CacheJID(ctx, 1, phone, "552187650001@s.whatsapp.net"); err != nil {
		t.Fatal(err)
	}
	e.d.SetOnWhatsApp(phone, "")
	e.d.FailNextSend(1, whatsapp.ErrNotOnWhatsApp) // the cached JID has no account any more
	if _, err := e.m.Send(ctx, 1, phone, "texto", whatsapp.SendOptions{Follow: "codigo"}); err != nil {
		t.Fatal(err)
	}
	s := e.d.Sends()
	if len(s) != 2 || s[0].To != phone+"@s.whatsapp.net" || s[1].To != s[0].To || s[1].Text != "codigo" {
		t.Fatalf("sends = %+v", s)
	}
}
