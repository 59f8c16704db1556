package whatsapp_test

// Issue 11 ("WhatsApp in the field"), through the real adapter: a real
// *whatsmeow.Client over a temp device store, never connected, with
// events dispatched through the library's own handlers.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"renovabot/whatsapp"
)

// A session whose socket is gone while it still looks connected (whatsmeow
// drops sockets without an event) answers a send with ErrNotConnected,
// stops looking connected, and redials the same client.
func TestWhatsmeowDeadSocketIsNotConnected(t *testing.T) {
	e := newWAEnv(t, 101, 202)
	ctx := tctx(t)
	cli := e.client(t, 101)
	e.client(t, 202)
	dispatch(cli, &events.Connected{})
	if st := mustStatus(t, e.m, 101); st.State != whatsapp.StateConnected {
		t.Fatalf("before: %s", st.State)
	}
	_, err := e.m.Send(ctx, 101, "5521987650001", "Olá", whatsapp.SendOptions{})
	if !errors.Is(err, whatsapp.ErrNotConnected) || whatsapp.IsPermanent(err) {
		t.Fatalf("send over a gone socket: %v", err)
	}
	if st := mustStatus(t, e.m, 101); st.State == whatsapp.StateConnected {
		t.Fatal("the session still looks connected after its socket was found gone")
	}
	// 101 and 202 dialled once each; the third dial is 101's redial.
	if err := e.off.WaitDials(ctx, 3); err != nil {
		t.Fatalf("no redial: %v", err)
	}
	if e.m.WhatsmeowClientOf(101) != cli {
		t.Fatal("the redial opened a second client for the same device")
	}
	dispatch(cli, &events.Connected{})
	if st := mustStatus(t, e.m, 101); st.State != whatsapp.StateConnected || !st.ConnectedSince.Equal(e.clk.Now()) {
		t.Fatalf("after the reconnect: %+v", st)
	}
	if st := mustStatus(t, e.m, 202); st.State != whatsapp.StateConnecting || e.dials() != 3 {
		t.Fatalf("chat 202 was touched: %+v, %d dials", st, e.dials())
	}
}

// whatsmeow's keepalive failing means the connection is unstable: the
// session stops looking connected at once, the reseller hears "conexão
// perdida" after the usual grace, and KeepAliveRestored brings it back.
func TestWhatsmeowKeepAliveTimeoutIsNotConnected(t *testing.T) {
	e := newWAEnv(t, 707, 808)
	ctx := tctx(t)
	a, b := e.client(t, 707), e.client(t, 808)
	dispatch(a, &events.Connected{})
	dispatch(b, &events.Connected{})

	dispatch(a, &events.KeepAliveTimeout{ErrorCount: 1, LastSuccess: t0})
	if st := mustStatus(t, e.m, 707); st.State != whatsapp.StateDisconnected {
		t.Fatalf("after a keepalive timeout: %s", st.State)
	}
	dispatch(a, &events.KeepAliveTimeout{ErrorCount: 2, LastSuccess: t0})
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if d := e.clk.SleepDurations(); len(d) != 1 || d[0] != 3*time.Minute {
		t.Fatalf("lost timers = %v, want one of 3 min", d)
	}
	e.clk.Advance(3 * time.Minute)
	if _, err := e.rec.WaitForEvent(ctx, 707, whatsapp.EventConnectionLost); err != nil {
		t.Fatal(err)
	}
	dispatch(a, &events.KeepAliveRestored{})
	if _, err := e.rec.WaitForEvent(ctx, 707, whatsapp.EventConnectionRestored); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, e.m, 707); st.State != whatsapp.StateConnected {
		t.Fatalf("after KeepAliveRestored: %s", st.State)
	}
	for _, ev := range e.rec.Events() {
		if ev.ChatID == 808 {
			t.Fatalf("chat 808 got %+v", ev)
		}
	}
	if st := mustStatus(t, e.m, 808); st.State != whatsapp.StateConnected {
		t.Fatalf("chat 808 was affected: %+v", st)
	}
}

// After a fresh link the push name arrives in critical_block's full sync,
// which emits AppStateSyncComplete and no PushNameSetting: that is when
// the name is announced, so the first reminders do not go out nameless.
func TestWhatsmeowAnnouncesPushNameAfterFullSync(t *testing.T) {
	e := newWAEnv(t, 101)
	cli := e.client(t, 101)
	dispatch(cli, &events.Connected{})
	if got := e.off.Presences(); len(got) != 0 {
		t.Fatalf("announced %q before the name was known", got)
	}
	// What whatsmeow does while applying critical_block before the event.
	cli.Store.PushName = "Revenda Ana"
	dispatch(cli, &events.AppStateSyncComplete{Name: appstate.WAPatchRegularHigh})
	if got := e.off.Presences(); len(got) != 0 {
		t.Fatalf("announced on another collection's sync: %q", got)
	}
	dispatch(cli, &events.AppStateSyncComplete{Name: appstate.WAPatchCriticalBlock})
	if got := e.off.Presences(); !slices.Equal(got, []string{"Revenda Ana"}) {
		t.Fatalf("presences = %q, want the push name once", got)
	}
}

// A client's phone asks for a message again (retry receipt) that this
// client never sent in its life (sent before a restart): it is served from
// the reseller's message log, only for this reseller and only to the chat
// it was sent to.
func TestWhatsmeowRetryReceiptServedFromMessageLog(t *testing.T) {
	e := newWAEnv(t, 101, 202)
	ctx := tctx(t)
	peer := types.NewJID("5521987650001", types.DefaultUserServer)
	const id, text = "3EB0C0FFEE0011223344", "Olá! Sua mensalidade vence amanhã."
	e.st.PutSentText(101, id, "5521987650001", text)
	e.st.PutSentText(202, "3EB0BEEF", "5521987650001", "mensagem da revenda 202")

	cli := e.client(t, 101) // a new client: whatsmeow's memory of sent messages is empty
	var resent []string
	cli.PreRetryCallback = func(_ *events.Receipt, _ types.MessageID, _ int, msg *waE2E.Message) bool {
		resent = append(resent, msg.GetConversation())
		return false // offline: stop before encrypting and sending
	}
	retry := func(chat types.JID, msgID string) error {
		receipt := &events.Receipt{
			MessageSource: types.MessageSource{Chat: chat, Sender: types.NewADJID(chat.User, 0, 1)},
			MessageIDs:    []string{msgID}, Type: types.ReceiptTypeRetry,
		}
		node := &waBinary.Node{Tag: "receipt", Attrs: waBinary.Attrs{"id": msgID, "from": chat, "type": "retry"},
			Content: []waBinary.Node{{Tag: "retry", Attrs: waBinary.Attrs{"id": msgID, "t": "1773144000", "count": "1", "v": "1"}}}}
		return cli.DangerousInternals().HandleRetryReceipt(ctx, receipt, node)
	}
	if err := retry(peer, id); err != nil {
		t.Fatalf("retry receipt: %v", err)
	}
	if !slices.Equal(resent, []string{text}) {
		t.Fatalf("resent %q, want the logged text", resent)
	}
	// Another reseller's message, and this message to another chat: not served.
	if err := retry(peer, "3EB0BEEF"); err == nil {
		t.Fatal("served another reseller's message")
	}
	if err := retry(types.NewJID("5521900000000", types.DefaultUserServer), id); err == nil {
		t.Fatal("served the message to a chat it was not sent to")
	}
	// The recipient's phone may ask under their LID.
	lid := types.NewJID("207720049483861", types.HiddenUserServer)
	if err := cli.Store.LIDs.PutLIDMapping(ctx, lid, peer); err != nil {
		t.Fatal(err)
	}
	if err := retry(lid, id); err != nil {
		t.Fatalf("retry receipt from the LID chat: %v", err)
	}
	if len(resent) != 2 || resent[1] != text {
		t.Fatalf("resent %q", resent)
	}
}

// WhatsApp refusing a connection for a reason we do not know (428) is
// stored with its code, shown, and backed off from: sends in the meantime
// wait without dialling; after the back-off the next need dials once.
func TestWhatsmeowUnknownRefusalIsStoredAndBackedOff(t *testing.T) {
	e := newWAEnv(t, 808, 909)
	ctx := tctx(t)
	b := e.client(t, 808)
	e.client(t, 909)
	dispatch(b, &events.Connected{})
	b.DangerousInternals().HandleConnectFailure(ctx, &waBinary.Node{Tag: "failure",
		Attrs: waBinary.Attrs{"reason": "428", "message": "precondition required"}})
	if err := e.st.WaitRecord(ctx, 808, func(r whatsapp.SessionRecord, _ bool) bool { return r.Refused.Code == 428 }); err != nil {
		t.Fatal(err)
	}
	if err := e.m.WaitClientGone(ctx, 808); err != nil {
		t.Fatal(err)
	}
	rec, _ := e.st.Record(808)
	if rec.Refused.Count != 1 || !rec.Refused.At.Equal(t0) || rec.Refused.Message == "" {
		t.Fatalf("stored refusal = %+v", rec.Refused)
	}
	st := mustStatus(t, e.m, 808)
	if st.State != whatsapp.StateDisconnected || st.Refused.Code != 428 || !st.Refused.RetryAt().Equal(t0.Add(time.Minute)) {
		t.Fatalf("status = %+v", st)
	}
	dials := e.dials()
	for range 3 {
		_, err := e.m.Send(ctx, 808, "5521987650001", "Olá", whatsapp.SendOptions{})
		var cf *whatsapp.ConnectFailedError
		if !errors.As(err, &cf) || cf.Code != 428 || !errors.Is(err, whatsapp.ErrNotConnected) {
			t.Fatalf("send during the back-off: %v", err)
		}
	}
	if e.dials() != dials {
		t.Fatalf("dialled %d times during the back-off", e.dials()-dials)
	}
	// After the back-off, the next need dials once; a second refusal in a
	// row backs off twice as long.
	e.clk.Advance(time.Minute)
	mustStatus(t, e.m, 808)
	if e.dials() != dials+1 {
		t.Fatalf("dials after the back-off = %d, want %d", e.dials(), dials+1)
	}
	b = e.m.WhatsmeowClientOf(808)
	b.DangerousInternals().HandleConnectFailure(ctx, &waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": "428"}})
	if err := e.st.WaitRecord(ctx, 808, func(r whatsapp.SessionRecord, _ bool) bool { return r.Refused.Count == 2 }); err != nil {
		t.Fatal(err)
	}
	if err := e.m.WaitClientGone(ctx, 808); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, e.m, 808); !st.Refused.RetryAt().Equal(e.clk.Now().Add(2 * time.Minute)) {
		t.Fatalf("second back-off until %v", st.Refused.RetryAt())
	}
	// A successful login clears it.
	e.clk.Advance(2 * time.Minute)
	mustStatus(t, e.m, 808)
	dispatch(e.m.WhatsmeowClientOf(808), &events.Connected{})
	if err := e.st.WaitRecord(ctx, 808, func(r whatsapp.SessionRecord, _ bool) bool { return r.Refused.Code == 0 }); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, e.m, 808); st.State != whatsapp.StateConnected || st.Refused.Code != 0 {
		t.Fatalf("after login: %+v", st)
	}
	if rec, _ := e.st.Record(909); rec.Refused.Code != 0 {
		t.Fatal("chat 909's record was touched")
	}
}

// WhatsApp refusing the client version (405) on several sessions: the
// newest version is fetched and set once, every refused session reconnects
// once, the admins get one notice and the resellers none.
func TestWhatsmeowVersionRefusedUpdatesOnceForAll(t *testing.T) {
	old := store.GetWAVersion()
	t.Cleanup(func() { store.SetWAVersion(old) })
	e := newWAEnv(t, 404, 505, 606)
	ctx := tctx(t)
	newer := old
	newer[2]++
	e.off.SetLatest(newer)
	clis := map[int64]*whatsmeow.Client{}
	for _, c := range []int64{404, 505, 606} {
		clis[c] = e.client(t, c)
		dispatch(clis[c], &events.Connected{})
	}
	// whatsmeow reads its version while handling a 405 and the update
	// writes it (a process-wide variable without a lock): both refusals
	// are handled before the update may set it.
	release := e.off.HoldVersionFetch()
	for _, c := range []int64{404, 505} {
		clis[c].DangerousInternals().HandleConnectFailure(ctx, &waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": "405"}})
	}
	release()
	ev, err := e.rec.WaitForEvent(ctx, 0, whatsapp.EventVersionUpdated)
	if err != nil {
		t.Fatal(err)
	}
	if got := store.GetWAVersion(); got != newer {
		t.Fatalf("version = %s, want %s", got, newer)
	}
	if ev.Detail != old.String()+" -> "+newer.String() {
		t.Fatalf("admin event %+v", ev)
	}
	// 3 first dials + one reconnect each for 404 and 505.
	if err := e.off.WaitDials(ctx, 5); err != nil {
		t.Fatal(err)
	}
	for _, c := range []int64{404, 505} {
		if cli := e.m.WhatsmeowClientOf(c); cli == nil || cli == clis[c] {
			t.Fatalf("chat %d was not reconnected with a new client", c)
		}
	}
	if e.m.WhatsmeowClientOf(606) != clis[606] {
		t.Fatal("chat 606 was reconnected without being refused")
	}
	for _, ev := range e.rec.Events() {
		if ev.ChatID != 0 || ev.Kind != whatsapp.EventVersionUpdated {
			t.Fatalf("unexpected notice %+v (resellers hear only of a failed update; admins once)", ev)
		}
	}
	if e.dials() != 5 {
		t.Fatalf("dials = %d, want 5", e.dials())
	}
}
