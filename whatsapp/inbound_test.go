package whatsapp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// newInboxEnv is newEnv with an InboundHandler.
func newInboxEnv(t *testing.T, inbox *whatsapptest.Inbox, mut func(*whatsapp.Config)) *env {
	t.Helper()
	d := whatsapptest.NewDriver()
	cfg := whatsapp.Config{DataDir: t.TempDir()}
	if mut != nil {
		mut(&cfg)
	}
	e := &env{d: d, st: whatsapptest.NewStore(), rec: whatsapptest.NewRecorder(), clk: clock.NewFake(t0)}
	m, err := whatsapp.NewManager(cfg, whatsapp.Deps{Store: e.st, Notifier: e.rec, Inbound: inbox, Clock: e.clk, Driver: d})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	t.Cleanup(m.Close)
	return e
}

// A message reaches the handler stamped with the chat of the session that
// received it, whatever the driver said: the number that wrote to A's
// WhatsApp is A's business only, even when it is a client of B too.
func TestInboundCarriesTheReceivingSessionOnly(t *testing.T) {
	inbox := whatsapptest.NewInbox()
	e := newInboxEnv(t, inbox, nil)
	e.link(1, "5511900000001")
	e.link(2, "5511900000002")
	mustStatus(t, e.m, 1)
	mustStatus(t, e.m, 2)

	if err := e.d.Receive(1, whatsapp.Inbound{ChatID: 2, From: "5521987650001", Text: "para A", MsgID: "A1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.d.Receive(2, whatsapp.Inbound{From: "5521987650001", Text: "para B", MsgID: "B1"}); err != nil {
		t.Fatal(err)
	}
	if err := inbox.WaitForReceived(tctx(t), 2); err != nil {
		t.Fatal(err)
	}
	byChat := map[int64][]string{}
	for _, in := range inbox.Received() {
		byChat[in.ChatID] = append(byChat[in.ChatID], in.Text)
	}
	if fmt.Sprint(byChat[1]) != "[para A]" || fmt.Sprint(byChat[2]) != "[para B]" {
		t.Fatalf("messages by chat = %v", byChat)
	}
}

// The library's goroutine only appends to the session's queue: with the
// handler stuck on A's first message, A's next messages and B's are taken
// at once, B's are handled meanwhile, and A's are handled later in order,
// one at a time.
func TestInboundNeverBlocksTheLibrary(t *testing.T) {
	inbox := whatsapptest.NewInbox()
	gate := make(chan struct{})
	inbox.Gate = gate
	e := newInboxEnv(t, inbox, nil)
	e.link(1, "5511900000001")
	e.link(2, "5511900000002")
	mustStatus(t, e.m, 1)
	mustStatus(t, e.m, 2)
	ctx := tctx(t)

	for i := range 3 {
		// Receive returns once the session took the message: it would hang
		// here if the event path waited for the handler.
		if err := e.d.Receive(1, whatsapp.Inbound{From: "5521987650001", Text: fmt.Sprint("A", i), MsgID: fmt.Sprint("A", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := inbox.WaitFor(ctx, func(_ []whatsapp.Inbound, running map[int64]int) bool { return running[1] == 1 }); err != nil {
		t.Fatal(err)
	}
	if err := e.d.Receive(2, whatsapp.Inbound{From: "5521987650002", Text: "B0", MsgID: "B0"}); err != nil {
		t.Fatal(err)
	}
	// B's message is being handled while A's first still is.
	if err := inbox.WaitFor(ctx, func(got []whatsapp.Inbound, running map[int64]int) bool {
		return len(got) == 0 && running[2] == 1 && running[1] == 1
	}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		gate <- struct{}{}
	}
	if err := inbox.WaitForReceived(ctx, 4); err != nil {
		t.Fatal(err)
	}
	var a []string
	for _, in := range inbox.Received() {
		if in.ChatID == 1 {
			a = append(a, in.Text)
		}
	}
	if fmt.Sprint(a) != "[A0 A1 A2]" {
		t.Fatalf("A's messages handled as %v, want in order", a)
	}
	if n := inbox.MaxConcurrent(1); n != 1 {
		t.Fatalf("A's messages handled %d at a time, want 1", n)
	}
}

// A message from a client the session retired (an old connection) is not
// delivered, like every other event of it.
func TestInboundOfARetiredClientIsDropped(t *testing.T) {
	inbox := whatsapptest.NewInbox()
	e := newInboxEnv(t, inbox, nil)
	e.link(1, "5511900000001")
	mustStatus(t, e.m, 1)
	old := e.d.Client(1)
	old.Emit(whatsapp.ClientEvent{Kind: whatsapp.ClientReplaced})
	if err := e.m.WaitClientGone(tctx(t), 1); err != nil {
		t.Fatal(err)
	}
	old.Emit(whatsapp.ClientEvent{Kind: whatsapp.ClientMessage, Inbound: &whatsapp.Inbound{From: "5521987650001", Text: "tarde", MsgID: "X"}})
	e.clk.Advance(time.Hour) // past the cooldown after a replaced stream: a new client opens
	mustStatus(t, e.m, 1)
	if e.d.Client(1) == old {
		t.Fatal("the old client is still the session's")
	}
	if err := e.d.Receive(1, whatsapp.Inbound{From: "5521987650001", Text: "nova", MsgID: "Y"}); err != nil {
		t.Fatal(err)
	}
	if err := inbox.WaitForReceived(tctx(t), 1); err != nil {
		t.Fatal(err)
	}
	if got := inbox.Received(); len(got) != 1 || got[0].Text != "nova" {
		t.Fatalf("received %+v", got)
	}
}

// Received media: over the cap it is not downloaded at all (the size the
// sender announced) or the download stops (the size served); a download
// that takes longer than MediaTimeout on the manager's clock ends with
// ErrMediaTimeout.
func TestInboundMediaCapAndTimeout(t *testing.T) {
	inbox := whatsapptest.NewInbox()
	e := newInboxEnv(t, inbox, func(c *whatsapp.Config) { c.MediaMaxBytes = 1000; c.MediaTimeout = 30 * time.Second })
	e.link(1, "5511900000001")
	mustStatus(t, e.m, 1)
	ctx := tctx(t)

	fetches := 0
	serve := func(n int) func(context.Context, int64) ([]byte, error) {
		return func(_ context.Context, max int64) ([]byte, error) {
			fetches++
			if max != 1000 {
				return nil, fmt.Errorf("cap %d handed to the driver, want 1000", max)
			}
			return bytes.Repeat([]byte{'x'}, n), nil
		}
	}
	hang := func(ctx context.Context, _ int64) ([]byte, error) { <-ctx.Done(); return nil, ctx.Err() }
	for i, md := range []*whatsapp.Media{
		whatsapp.NewMedia(whatsapp.MediaImage, "image/jpeg", "", 900, serve(900)),
		whatsapp.NewMedia(whatsapp.MediaImage, "image/jpeg", "", 5000, serve(5000)), // announced too large
		whatsapp.NewMedia(whatsapp.MediaDocument, "application/pdf", "a.pdf", 10, serve(1001)),
		whatsapp.NewMedia(whatsapp.MediaAudio, "audio/ogg", "", 10, hang),
	} {
		if err := e.d.Receive(1, whatsapp.Inbound{From: "5521987650001", Media: md, MsgID: fmt.Sprint("M", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := inbox.WaitForReceived(ctx, 4); err != nil {
		t.Fatal(err)
	}
	got := inbox.Received()
	if data, err := got[0].Media.Download(ctx); err != nil || len(data) != 900 {
		t.Fatalf("download within the cap: %d bytes, %v", len(data), err)
	}
	if _, err := got[1].Media.Download(ctx); !errors.Is(err, whatsapp.ErrMediaTooLarge) || fetches != 1 {
		t.Fatalf("announced too large: %v (fetches %d, want no new one)", err, fetches)
	}
	if _, err := got[2].Media.Download(ctx); !errors.Is(err, whatsapp.ErrMediaTooLarge) {
		t.Fatalf("served too large: %v", err)
	}
	// The earlier downloads' timers ended with them: the one sleeper to
	// wait for is this download's timeout.
	if n := e.clk.Sleepers(); n != 0 {
		t.Fatalf("%d timers outlive their downloads", n)
	}
	done := make(chan error, 1)
	go func() { _, err := got[3].Media.Download(ctx); done <- err }()
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("download ended before its timeout: %v", err)
	default:
	}
	e.clk.Advance(30 * time.Second)
	if err := <-done; !errors.Is(err, whatsapp.ErrMediaTimeout) {
		t.Fatalf("hanging download: %v, want ErrMediaTimeout", err)
	}
	// Described media cannot be downloaded.
	if _, err := (&whatsapp.Media{Kind: whatsapp.MediaSticker}).Download(ctx); !errors.Is(err, whatsapp.ErrNotDownloadable) {
		t.Fatalf("sticker download: %v", err)
	}
}
