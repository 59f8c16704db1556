package whatsapp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// sendThrough runs Send while moving the fake clock through exactly
// sleeps waits (pacing gap, typing), and returns Send's error.
func (e *env) sendThrough(t *testing.T, sleeps int, text string, opts whatsapp.SendOptions) error {
	t.Helper()
	ctx := tctx(t)
	done := make(chan error, 1)
	go func() {
		_, err := e.m.Send(ctx, 1, "5521987650001", text, opts)
		done <- err
	}()
	for range sleeps {
		if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
			t.Fatal(err)
		}
		e.clk.AdvanceToNextSleeper()
	}
	return <-done
}

// SendOptions.Check is asked after the pacing gap and the typing presence,
// right before the text leaves; its error stops the send with nothing sent
// and comes back from Send unchanged.
func TestPreSendCheckRunsAfterTheWaitsAndCanStopTheSend(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) {
		c.MinGap, c.MaxGap, c.TypingFor = 10*time.Second, 10*time.Second, 2*time.Second
	})
	e.link(1, "5511987650001")
	e.d.SetOnWhatsApp("5521987650001", "")
	if err := e.sendThrough(t, 1, "primeiro", whatsapp.SendOptions{}); err != nil { // typing only
		t.Fatal(err)
	}
	start := e.clk.Now()
	var askedAt time.Time
	stop := errors.New("client renewed")
	check := func(context.Context) error {
		askedAt = e.clk.Now()
		return stop
	}
	if err := e.sendThrough(t, 2, "segundo", whatsapp.SendOptions{Check: check}); !errors.Is(err, stop) { // gap, typing
		t.Fatalf("Send = %v, want the check's error", err)
	}
	if waited := askedAt.Sub(start); waited != 12*time.Second {
		t.Fatalf("check asked %v after the previous send, want after the gap and the typing (12s)", waited)
	}
	if sends := e.d.Sends(); len(sends) != 1 || sends[0].Text != "primeiro" {
		t.Fatalf("sends = %+v", sends)
	}
	// A check that lets the message go changes nothing.
	if err := e.sendThrough(t, 2, "terceiro", whatsapp.SendOptions{Check: func(context.Context) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	if sends := e.d.Sends(); len(sends) != 2 || sends[1].Text != "terceiro" {
		t.Fatalf("sends = %+v", sends)
	}
}
