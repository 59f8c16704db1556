package whatsapp_test

// Accounts that require a passkey to link (issue 11, point 2): the manager
// over the fake driver, then the whatsmeow adapter with events coming from
// whatsmeow's own notification handlers.

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// pairFlow starts a QR or a code pairing of chatID and reads its first item.
type pairFlow struct {
	name  string
	start func(e *env, ctx context.Context, chatID int64) (<-chan whatsapp.PairEvent, error)
	first whatsapp.PairEventKind
}

var pairFlows = []pairFlow{
	{"qr", func(e *env, ctx context.Context, chatID int64) (<-chan whatsapp.PairEvent, error) {
		return e.m.PairQR(ctx, chatID)
	}, whatsapp.PairQR},
	{"code", func(e *env, ctx context.Context, chatID int64) (<-chan whatsapp.PairEvent, error) {
		return e.m.PairPhone(ctx, chatID, "5511987650021")
	}, whatsapp.PairCode},
}

func startFlow(t *testing.T, e *env, f pairFlow, chatID int64) <-chan whatsapp.PairEvent {
	t.Helper()
	ch, err := f.start(e, tctx(t), chatID)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != f.first {
		t.Fatalf("%s: first = %+v", f.name, ev)
	}
	return ch
}

func TestPairPasskeyRequestEndsPairing(t *testing.T) {
	for _, f := range pairFlows {
		t.Run(f.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ch := startFlow(t, e, f, 21)
			if err := e.d.RequestPasskey(21); err != nil {
				t.Fatal(err)
			}
			ev := next(t, ch)
			if ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrPasskeyRequired) {
				t.Fatalf("final = %+v, want ErrPasskeyRequired", ev)
			}
			expectClosed(t, ch)
			if got := e.st.PairingOutcome(21); got != whatsapp.OutcomePasskeyRequired {
				t.Errorf("outcome = %q", got)
			}
			if _, ok := e.d.DeviceJID(21); ok {
				t.Error("unpaired device file kept")
			}
			if e.d.OpenClients() != 0 {
				t.Error("pairing client left open")
			}
			if st := mustStatus(t, e.m, 21); st.State != whatsapp.StateUnlinked {
				t.Errorf("state = %s", st.State)
			}
			if _, ok := e.st.Record(21); ok {
				t.Error("a session record was saved")
			}
		})
	}
}

func TestPairPasskeyCodeConfirmedOnce(t *testing.T) {
	for _, f := range pairFlows {
		t.Run(f.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := tctx(t)
			ch := startFlow(t, e, f, 22)
			// Another chat with its own pairing: its answers never reach 22.
			other := startFlow(t, e, pairFlows[0], 23)

			if err := e.m.ConfirmPasskeyCode(ctx, 22, "WXYZ-1234", true); !errors.Is(err, whatsapp.ErrNoPasskeyCode) {
				t.Fatalf("answer before any code: %v", err)
			}
			if err := e.d.AskPasskeyCode(22, "WXYZ-1234", false); err != nil {
				t.Fatal(err)
			}
			if ev := next(t, ch); ev.Kind != whatsapp.PairPasskeyCode || ev.Code != "WXYZ-1234" {
				t.Fatalf("passkey step = %+v", ev)
			}
			for _, bad := range []struct {
				chat int64
				code string
			}{{22, "AAAA-BBBB"}, {23, "WXYZ-1234"}, {24, "WXYZ-1234"}} {
				if err := e.m.ConfirmPasskeyCode(ctx, bad.chat, bad.code, true); !errors.Is(err, whatsapp.ErrNoPasskeyCode) {
					t.Fatalf("answer %+v: %v", bad, err)
				}
			}
			if err := e.m.ConfirmPasskeyCode(ctx, 22, "WXYZ-1234", true); err != nil {
				t.Fatal(err)
			}
			if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return v.PasskeyConfirmations(22) == 1 }); err != nil {
				t.Fatal(err)
			}
			// A second press, either way, does nothing.
			for _, same := range []bool{true, false} {
				if err := e.m.ConfirmPasskeyCode(ctx, 22, "WXYZ-1234", same); !errors.Is(err, whatsapp.ErrNoPasskeyCode) {
					t.Fatalf("second answer (%v): %v", same, err)
				}
			}
			// A late QR batch no longer reaches the reseller: the next item
			// is the success, not a QR code.
			if err := e.d.Emit(22, whatsapp.ClientEvent{Kind: whatsapp.ClientQR, Codes: []string{"qr-late"}}); err != nil {
				t.Fatal(err)
			}
			if err := e.d.CompletePairing(22, "5511987650022"); err != nil {
				t.Fatal(err)
			}
			if ev := next(t, ch); ev.Kind != whatsapp.PairSuccess || ev.Phone != "5511987650022" {
				t.Fatalf("final = %+v", ev)
			}
			expectClosed(t, ch)
			if got := e.d.PasskeyConfirmations(22) + e.d.PasskeyConfirmations(23); got != 1 {
				t.Errorf("%d confirmations sent, want 1", got)
			}
			if got := e.st.PairingOutcome(22); got != whatsapp.OutcomeLinked {
				t.Errorf("outcome = %q", got)
			}
			// 23 still pairs, untouched.
			if err := e.d.CompletePairing(23, "5511987650023"); err != nil {
				t.Fatal(err)
			}
			if ev := next(t, other); ev.Kind != whatsapp.PairSuccess {
				t.Fatalf("23 final = %+v", ev)
			}
		})
	}
}

func TestPairPasskeyCodeRejected(t *testing.T) {
	for _, f := range pairFlows {
		t.Run(f.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := tctx(t)
			ch := startFlow(t, e, f, 25)
			if err := e.d.AskPasskeyCode(25, "WXYZ-1234", false); err != nil {
				t.Fatal(err)
			}
			next(t, ch)
			if err := e.m.ConfirmPasskeyCode(ctx, 25, "WXYZ-1234", false); err != nil {
				t.Fatal(err)
			}
			if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrPasskeyCodeRejected) {
				t.Fatalf("final = %+v", ev)
			}
			expectClosed(t, ch)
			if err := e.m.ConfirmPasskeyCode(ctx, 25, "WXYZ-1234", true); !errors.Is(err, whatsapp.ErrNoPasskeyCode) {
				t.Fatalf("answer after the end: %v", err)
			}
			if n := e.d.PasskeyConfirmations(25); n != 0 {
				t.Fatalf("%d confirmations sent for a rejected code", n)
			}
			if got := e.st.PairingOutcome(25); got != whatsapp.OutcomeCodeRejected {
				t.Errorf("outcome = %q", got)
			}
			if e.d.OpenClients() != 0 {
				t.Error("pairing client left open")
			}
		})
	}
}

func TestPairPasskeyTrustedConfirmsAtOnce(t *testing.T) {
	for _, f := range pairFlows {
		t.Run(f.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := tctx(t)
			ch := startFlow(t, e, f, 26)
			if err := e.d.AskPasskeyCode(26, "WXYZ-1234", true); err != nil {
				t.Fatal(err)
			}
			if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return v.PasskeyConfirmations(26) == 1 }); err != nil {
				t.Fatal(err)
			}
			if err := e.m.ConfirmPasskeyCode(ctx, 26, "WXYZ-1234", true); !errors.Is(err, whatsapp.ErrNoPasskeyCode) {
				t.Fatalf("a trusted code must not wait for an answer: %v", err)
			}
			if err := e.d.CompletePairing(26, "5511987650026"); err != nil {
				t.Fatal(err)
			}
			// Nothing was shown between the first item and the success.
			if ev := next(t, ch); ev.Kind != whatsapp.PairSuccess {
				t.Fatalf("after a trusted code = %+v", ev)
			}

			// The confirmation failing ends the pairing with its error.
			boom := errors.New("iq refused")
			e.d.FailPasskeyConfirmation(boom)
			ch = startFlow(t, e, f, 27)
			if err := e.d.AskPasskeyCode(27, "WXYZ-1234", true); err != nil {
				t.Fatal(err)
			}
			if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, boom) {
				t.Fatalf("failed confirmation = %+v", ev)
			}
			expectClosed(t, ch)
			if got := e.st.PairingOutcome(27); got != whatsapp.OutcomeFailed {
				t.Errorf("outcome = %q", got)
			}
		})
	}
}

func TestPairOutcomeIsRecorded(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) { c.PairTimeout = 90 * time.Second })
	ctx := tctx(t)
	ch := startFlow(t, e, pairFlows[1], 28)
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(90 * time.Second)
	if ev := next(t, ch); ev.Kind != whatsapp.PairTimeout {
		t.Fatalf("final = %+v", ev)
	}
	if got := e.st.PairingOutcome(28); got != whatsapp.OutcomeTimeout {
		t.Errorf("timeout recorded as %q", got)
	}
	ch = startFlow(t, e, pairFlows[0], 28)
	if err := e.m.Unlink(ctx, 28); err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	if got := e.st.PairingOutcome(28); got != whatsapp.OutcomeCancelled {
		t.Errorf("cancel recorded as %q", got)
	}
	// Our own shutdown says nothing about the reseller's last pairing.
	ch = startFlow(t, e, pairFlows[0], 29)
	e.m.Close()
	if ev := next(t, ch); !errors.Is(ev.Err, whatsapp.ErrClosed) {
		t.Fatalf("final = %+v", ev)
	}
	if got := e.st.PairingOutcome(29); got != "" {
		t.Errorf("shutdown recorded as %q", got)
	}
}

// ---- the whatsmeow adapter ----

// pairingClient starts a QR pairing of chatID on the real adapter and
// returns its stream (first QR read) and whatsmeow client.
func pairingClient(t *testing.T, e *waEnv, chatID int64) (<-chan whatsapp.PairEvent, *whatsmeow.Client) {
	t.Helper()
	ch, err := e.m.PairQR(tctx(t), chatID)
	if err != nil {
		t.Fatal(err)
	}
	cli := e.m.WhatsmeowClientOf(chatID)
	if cli == nil {
		t.Fatal("no pairing client")
	}
	dispatch(cli, &events.QR{Codes: []string{"2@ref,noise,identity,adv,1"}})
	if ev := next(t, ch); ev.Kind != whatsapp.PairQR {
		t.Fatalf("first = %+v", ev)
	}
	return ch, cli
}

func TestWhatsmeowPasskeyRequestEndsPairing(t *testing.T) {
	e := newWAEnv(t)
	ctx := tctx(t)

	// WhatsApp's passkey_prologue_request, through whatsmeow's own handler
	// (which parses it and dispatches PairPasskeyRequest).
	ch, cli := pairingClient(t, e, 31)
	cli.DangerousInternals().HandlePasskeyNotification(ctx, &waBinary.Node{Tag: "notification",
		Attrs: waBinary.Attrs{"from": types.ServerJID, "type": "passkey_prologue_request", "id": "1"},
		Content: []waBinary.Node{{Tag: "passkey_request_options",
			Content: []byte(`{"challenge":"AAECAw","timeout":60000,"rpId":"whatsapp.com","userVerification":"required"}`)}}})
	ev := next(t, ch)
	if ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrPasskeyRequired) || !strings.Contains(ev.Err.Error(), "whatsapp.com") {
		t.Fatalf("after a passkey request = %+v", ev)
	}
	expectClosed(t, ch)
	if _, err := os.Stat(e.d.DevicePath(31)); !os.IsNotExist(err) {
		t.Errorf("unpaired device file kept: %v", err)
	}
	if got := e.st.PairingOutcome(31); got != whatsapp.OutcomePasskeyRequired {
		t.Errorf("outcome = %q", got)
	}

	// A continuation whatsmeow cannot handle (it dispatches PairPasskeyError).
	ch, cli = pairingClient(t, e, 32)
	cli.DangerousInternals().TryHandlePasskeyContinuationNotification(ctx, &waBinary.Node{Tag: "notification",
		Attrs: waBinary.Attrs{"from": types.ServerJID, "type": "crsc_continuation", "id": "2"}})
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrPasskeyRequired) {
		t.Fatalf("after a passkey error = %+v", ev)
	}
	expectClosed(t, ch)
}

func TestWhatsmeowCodePairingWithoutPhoneKeyEndsPairing(t *testing.T) {
	e := newWAEnv(t)
	ctx := tctx(t)

	// Another code-pairing failure (no pairing of ours is pending) is only
	// logged: the pairing goes on.
	ch, cli := pairingClient(t, e, 33)
	cli.DangerousInternals().TryHandleCodePairNotification(ctx, &waBinary.Node{Tag: "notification",
		Attrs:   waBinary.Attrs{"from": types.ServerJID, "type": "link_code_companion_reg"},
		Content: []waBinary.Node{{Tag: "link_code_companion_reg"}}})
	jid := linkedJID("5511987650033")
	cli.Store.ID = &jid
	setFakeAccount(cli.Store)
	if err := cli.Store.Save(ctx); err != nil {
		t.Fatal(err)
	}
	dispatch(cli, &events.PairSuccess{ID: jid, Platform: "android"})
	if ev := next(t, ch); ev.Kind != whatsapp.PairSuccess {
		t.Fatalf("an unrelated code-pair failure ended the pairing: %+v", ev)
	}

	// The phone's notification without its wrapped key: whatsmeow only logs
	// it, exactly like this (pair-code.go, tryHandleCodePairNotification).
	ch, cli = pairingClient(t, e, 34)
	cli.Log.Errorf("Failed to handle code pair notification: %s",
		&whatsmeow.ElementMissingError{Tag: "link_code_pairing_wrapped_primary_ephemeral_pub", In: "notification"})
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrPasskeyRequired) {
		t.Fatalf("after the missing key = %+v", ev)
	}
	expectClosed(t, ch)
	if got := e.st.PairingOutcome(34); got != whatsapp.OutcomePasskeyRequired {
		t.Errorf("outcome = %q", got)
	}
}

func TestWhatsmeowPasskeyConfirmation(t *testing.T) {
	e := newWAEnv(t)
	ctx := tctx(t)

	// Without SkipHandoffUX the code goes to the reseller, and their answer
	// reaches whatsmeow's SendPasskeyConfirmation (offline it has no linking
	// cache to confirm, which proves the call was made).
	ch, cli := pairingClient(t, e, 35)
	dispatch(cli, &events.PairPasskeyConfirmation{Code: "WXYZ-1234"})
	if ev := next(t, ch); ev.Kind != whatsapp.PairPasskeyCode || ev.Code != "WXYZ-1234" {
		t.Fatalf("passkey step = %+v", ev)
	}
	if err := e.m.ConfirmPasskeyCode(ctx, 35, "WXYZ-1234", true); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !strings.Contains(ev.Err.Error(), "no passkey linking cache") {
		t.Fatalf("after confirming = %+v", ev)
	}
	expectClosed(t, ch)

	// With SkipHandoffUX it is confirmed at once, nothing shown.
	ch, cli = pairingClient(t, e, 36)
	dispatch(cli, &events.PairPasskeyConfirmation{Code: "WXYZ-1234", SkipHandoffUX: true})
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !strings.Contains(ev.Err.Error(), "no passkey linking cache") {
		t.Fatalf("after a trusted code = %+v", ev)
	}
	expectClosed(t, ch)
}
