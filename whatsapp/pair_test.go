package whatsapp_test

import (
	"errors"
	"testing"
	"time"

	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

func next(t *testing.T, ch <-chan whatsapp.PairEvent) whatsapp.PairEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("pairing stream closed early")
		}
		return ev
	case <-tctx(t).Done():
		t.Fatal("no pairing event")
	}
	return whatsapp.PairEvent{}
}

func expectClosed(t *testing.T, ch <-chan whatsapp.PairEvent) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Fatalf("extra item after the final one: %+v", ev)
		}
	case <-tctx(t).Done():
		t.Fatal("stream not closed")
	}
}

func TestPairQRRotatesAndSucceeds(t *testing.T) {
	e := newEnv(t, nil)
	ctx := tctx(t)
	ch, err := e.m.PairQR(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairQR || ev.Code != "qr-1" {
		t.Fatalf("first = %+v", ev)
	}
	if st := mustStatus(t, e.m, 5); st.State != whatsapp.StatePairing {
		t.Fatalf("state = %s", st.State)
	}
	// Deadline + rotation timers on the fake clock.
	if err := e.clk.WaitForSleepers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(60 * time.Second)
	if ev := next(t, ch); ev.Code != "qr-2" {
		t.Fatalf("after 60s = %+v", ev)
	}
	if err := e.clk.WaitForSleepers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(20 * time.Second)
	if ev := next(t, ch); ev.Code != "qr-3" {
		t.Fatalf("after 80s = %+v", ev)
	}
	if err := e.d.CompletePairing(5, "5511987655555"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairSuccess || ev.Phone != "5511987655555" {
		t.Fatalf("final = %+v", ev)
	}
	expectClosed(t, ch)

	rec, ok := e.st.Record(5)
	if !ok || rec.DeviceJID != "5511987655555:7@s.whatsapp.net" || rec.Phone != "5511987655555" || !rec.LinkedAt.Equal(e.clk.Now()) {
		t.Fatalf("record = %+v", rec)
	}
	if _, err := e.rec.WaitForEvent(ctx, 5, whatsapp.EventLinked); err != nil {
		t.Fatal(err)
	}
	st := mustStatus(t, e.m, 5)
	if st.State != whatsapp.StateConnected || st.Phone != "5511987655555" {
		t.Fatalf("status = %+v", st)
	}
	if _, err := e.m.PairQR(ctx, 5); !errors.Is(err, whatsapp.ErrAlreadyLinked) {
		t.Fatalf("pair again: %v", err)
	}
	// The pairing client is the session's client now: no second one.
	if e.d.Opens(5) != 1 {
		t.Fatalf("opens = %d", e.d.Opens(5))
	}
	e.d.SetOnWhatsApp("5521987650001", "")
	if _, err := e.m.Send(ctx, 5, "5521987650001", "primeiro lembrete", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestPairPhoneGivesCodeFirst(t *testing.T) {
	e := newEnv(t, nil)
	ctx := tctx(t)
	ch, err := e.m.PairPhone(ctx, 6, "5511987656666")
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairCode || ev.Code != "ABCD-EFGH" {
		t.Fatalf("first = %+v", ev)
	}
	if err := e.d.CompletePairing(6, "5511987656666"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairSuccess || ev.Phone != "5511987656666" {
		t.Fatalf("final = %+v", ev)
	}
	expectClosed(t, ch)
	if _, err := e.m.PairPhone(ctx, 6, "abc"); !errors.Is(err, whatsapp.ErrInvalidPhone) {
		t.Fatalf("bad phone: %v", err)
	}
}

func TestPairTimeoutCleansUp(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) { c.PairTimeout = 90 * time.Second })
	ctx := tctx(t)
	ch, err := e.m.PairQR(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	if err := e.clk.WaitForSleepers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(90 * time.Second)
	for {
		ev := next(t, ch)
		if ev.Kind == whatsapp.PairQR {
			continue // a rotation that fired at 60s
		}
		if ev.Kind != whatsapp.PairTimeout {
			t.Fatalf("final = %+v", ev)
		}
		break
	}
	expectClosed(t, ch)
	if _, ok := e.d.DeviceJID(7); ok {
		t.Error("unpaired device file kept")
	}
	if e.d.OpenClients() != 0 {
		t.Error("pairing client left open")
	}
	if st := mustStatus(t, e.m, 7); st.State != whatsapp.StateUnlinked {
		t.Errorf("state = %s", st.State)
	}
}

func TestPairServerClosesIsTimeout(t *testing.T) {
	e := newEnv(t, nil)
	ch, err := e.m.PairQR(tctx(t), 7)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	if err := e.d.Emit(7, whatsapp.ClientEvent{Kind: whatsapp.ClientDisconnected}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairTimeout {
		t.Fatalf("final = %+v", ev)
	}
	expectClosed(t, ch)
}

func TestNewPairingCancelsOld(t *testing.T) {
	e := newEnv(t, nil)
	ctx := tctx(t)
	first, err := e.m.PairQR(ctx, 8)
	if err != nil {
		t.Fatal(err)
	}
	next(t, first)
	second, err := e.m.PairPhone(ctx, 8, "5511987658888")
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, first); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrPairingCancelled) {
		t.Fatalf("old stream final = %+v", ev)
	}
	expectClosed(t, first)
	if ev := next(t, second); ev.Kind != whatsapp.PairCode {
		t.Fatalf("new stream first = %+v", ev)
	}
	if n := e.d.MaxOpenPerChat(); n != 1 {
		t.Fatalf("%d clients open at once", n)
	}
	if err := e.d.CompletePairing(8, "5511987658888"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, second); ev.Kind != whatsapp.PairSuccess {
		t.Fatalf("new stream final = %+v", ev)
	}
}

func TestPairErrorAndCallerCancel(t *testing.T) {
	e := newEnv(t, nil)
	ch, err := e.m.PairQR(tctx(t), 9)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	boom := errors.New("hmac mismatch")
	if err := e.d.Emit(9, whatsapp.ClientEvent{Kind: whatsapp.ClientPairFailed, Err: boom}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, boom) {
		t.Fatalf("final = %+v", ev)
	}
	expectClosed(t, ch)

	ctx, cancel := contextWithCancel(t)
	ch, err = e.m.PairQR(ctx, 9)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	cancel()
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || ev.Err == nil {
		t.Fatalf("after caller cancel = %+v", ev)
	}
	expectClosed(t, ch)
	if e.d.OpenClients() != 0 {
		t.Error("client left open after the caller gave up")
	}
}

func TestUnlinkDuringPairing(t *testing.T) {
	e := newEnv(t, nil)
	ch, err := e.m.PairQR(tctx(t), 11)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	if err := e.m.Unlink(tctx(t), 11); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrPairingCancelled) {
		t.Fatalf("final = %+v", ev)
	}
	if e.d.OpenClients() != 0 {
		t.Error("client left open")
	}
}

func TestCloseEndsPairing(t *testing.T) {
	e := newEnv(t, nil)
	ch, err := e.m.PairQR(tctx(t), 12)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	e.m.Close()
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrClosed) {
		t.Fatalf("final = %+v", ev)
	}
	if _, err := e.m.PairQR(tctx(t), 12); !errors.Is(err, whatsapp.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
