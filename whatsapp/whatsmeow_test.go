package whatsapp_test

// Offline tests of the whatsmeow adapter: real *whatsmeow.Client over real
// per-reseller SQLite device stores, never connected; events are dispatched
// by hand through the client's registered handlers (and, for connect
// failures and stream errors, through whatsmeow's own node handlers).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// removeWatch tells the test when the manager removed a device file.
type removeWatch struct {
	*whatsapp.WhatsmeowDriver
	removed chan int64
}

func (w removeWatch) Remove(chatID int64) error {
	err := w.WhatsmeowDriver.Remove(chatID)
	select {
	case w.removed <- chatID:
	default:
	}
	return err
}

func waitRemoved(t *testing.T, w removeWatch, chatID int64) {
	t.Helper()
	ctx := tctx(t)
	for {
		select {
		case c := <-w.removed:
			if c == chatID {
				return
			}
		case <-ctx.Done():
			t.Fatalf("device file of %d never removed", chatID)
		}
	}
}

// linkedJID seeds a paired device into chatID's device store, as whatsmeow
// leaves it after a successful pairing.
func linkedJID(phone string) types.JID { return types.NewADJID(phone, 0, 12) }

func seedDevice(t testing.TB, d *whatsapp.WhatsmeowDriver, chatID int64, phone string) types.JID {
	t.Helper()
	ctx := context.Background()
	dev, release, err := d.NewStoredDevice(ctx, chatID)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	jid := linkedJID(phone)
	dev.ID = &jid
	setFakeAccount(dev)
	if err := dev.Save(ctx); err != nil {
		t.Fatal(err)
	}
	return jid
}

func setFakeAccount(dev *store.Device) {
	dev.Account = &waAdv.ADVSignedDeviceIdentity{
		Details:             []byte{1},
		AccountSignature:    make([]byte, 64),
		AccountSignatureKey: make([]byte, 32),
		DeviceSignature:     make([]byte, 64),
	}
}

// deviceLeft says what is left of chat's device (jid): its file, WAL or
// shared-memory file, or its rows in the shared container's tables; ""
// when nothing is.
func deviceLeft(t testing.TB, d *whatsapp.WhatsmeowDriver, chat int64, jid types.JID) string {
	t.Helper()
	var left []string
	if db := d.SharedDeviceDB(); db != nil {
		for table, n := range deviceRows(t, db, jid) {
			if n > 0 {
				left = append(left, fmt.Sprintf("%d rows in %s", n, table))
			}
		}
		return strings.Join(left, ", ")
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if _, err := os.Stat(d.DevicePath(chat) + suffix); !os.IsNotExist(err) {
			left = append(left, filepath.Base(d.DevicePath(chat)+suffix))
		}
	}
	return strings.Join(left, ", ")
}

// deviceTables are whatsmeow's tables of one device, with the column that
// names it.
var deviceTables = map[string]string{
	"whatsmeow_device": "jid", "whatsmeow_identity_keys": "our_jid", "whatsmeow_pre_keys": "jid",
	"whatsmeow_sessions": "our_jid", "whatsmeow_sender_keys": "our_jid", "whatsmeow_app_state_sync_keys": "jid",
	"whatsmeow_app_state_version": "jid", "whatsmeow_app_state_mutation_macs": "jid", "whatsmeow_contacts": "our_jid",
	"whatsmeow_chat_settings": "our_jid", "whatsmeow_message_secrets": "our_jid", "whatsmeow_privacy_tokens": "our_jid",
	"whatsmeow_nct_salt": "our_jid", "whatsmeow_event_buffer": "our_jid", "whatsmeow_retry_buffer": "our_jid",
}

// deviceRows counts jid's rows in each of whatsmeow's device tables.
func deviceRows(t testing.TB, db *sql.DB, jid types.JID) map[string]int {
	t.Helper()
	out := map[string]int{}
	for table, col := range deviceTables {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM `+table+` WHERE `+col+` = $1`, jid.String()).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

type waEnv struct {
	clk   *clock.Fake
	m     *whatsapp.Manager
	d     removeWatch
	st    *whatsapptest.Store
	rec   *whatsapptest.Recorder
	dir   string
	jids  map[int64]types.JID
	off   *whatsapp.Offline
	dials func() int64
	inbox *whatsapptest.Inbox // received messages
}

func newWAEnv(t testing.TB, chats ...int64) *waEnv {
	t.Helper()
	dir := t.TempDir()
	inner, off, err := whatsapp.NewOfflineWhatsmeowDriver(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	e := &waEnv{d: removeWatch{inner, make(chan int64, 64)}, st: whatsapptest.NewStore(), rec: whatsapptest.NewRecorder(),
		dir: dir, jids: map[int64]types.JID{}, off: off, dials: off.Load, inbox: whatsapptest.NewInbox()}
	for _, c := range chats {
		phone := fmt.Sprintf("55119876%05d", c)
		jid := seedDevice(t, inner, c, phone)
		e.jids[c] = jid
		e.st.Put(whatsapp.SessionRecord{ChatID: c, DeviceJID: jid.String(), Phone: phone, LinkedAt: t0, State: whatsapp.StateConnected})
	}
	e.clk = clock.NewFake(t0)
	e.st.Clock = e.clk
	e.m, err = whatsapp.NewManager(whatsapp.Config{DataDir: dir},
		whatsapp.Deps{Store: e.st, Notifier: e.rec, Receipts: e.rec, Inbound: e.inbox, Clock: e.clk, Driver: e.d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.m.Close)
	return e
}

// client starts chatID's session (offline) and returns its whatsmeow client.
func (e *waEnv) client(t testing.TB, chatID int64) *whatsmeow.Client {
	t.Helper()
	if _, err := e.m.Status(tctx(t), chatID); err != nil {
		t.Fatal(err)
	}
	cli := e.m.WhatsmeowClientOf(chatID)
	if cli == nil {
		t.Fatalf("chat %d has no whatsmeow client", chatID)
	}
	return cli
}

func dispatch(cli *whatsmeow.Client, evt any) { cli.DangerousInternals().DispatchEvent(evt) }

func TestWhatsmeowDeviceFilePerReseller(t *testing.T) {
	e := newWAEnv(t, 101, 202)
	cli := e.client(t, 101)
	if cli.Store.ID == nil || *cli.Store.ID != e.jids[101] {
		t.Fatalf("chat 101 opened device %v, want %v", cli.Store.ID, e.jids[101])
	}
	if e.dials() != 1 {
		t.Fatalf("dials = %d, want 1 (only chat 101 started)", e.dials())
	}
	if e.m.WhatsmeowClientOf(202) != nil {
		t.Fatal("chat 202 started without a need")
	}
	cli2 := e.client(t, 202)
	if *cli2.Store.ID != e.jids[202] || cli2 == cli {
		t.Fatal("chat 202 shares or confuses chat 101's device")
	}
	if testdb.Postgres() {
		return // one container: TestPostgresDevicesFoundByTheirRecord
	}
	if got, want := e.d.DevicePath(101), filepath.Join(e.dir, "whatsapp", "101.db"); got != want {
		t.Fatalf("device path %q, want %q", got, want)
	}
	// The store is SQLite in WAL mode with foreign keys (whatsmeow's Upgrade
	// refuses to run without them, so opening at all proves that part).
	if _, err := os.Stat(e.d.DevicePath(101) + "-wal"); err != nil {
		t.Errorf("no WAL file next to the device store: %v", err)
	}
	// A device file holding another device than recorded is refused.
	other := seedDevice(t, e.d.WhatsmeowDriver, 303, "5511900000303")
	e.st.Put(whatsapp.SessionRecord{ChatID: 303, DeviceJID: linkedJID("5511911111111").String(), Phone: "5511911111111", State: whatsapp.StateConnected})
	if _, err := e.m.Send(tctx(t), 303, "5521987650001", "x", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrDeviceMismatch) {
		t.Fatalf("mismatch (%v in file): %v", other, err)
	}
}

func TestWhatsmeowDeviceProps(t *testing.T) {
	e := newWAEnv(t)
	if got := store.DeviceProps.GetPlatformType(); got != waCompanionReg.DeviceProps_CHROME {
		t.Fatalf("platform type %v, want CHROME (else the phone shows \"Other device\")", got)
	}
	if got := store.DeviceProps.GetOs(); got != "Linux" || whatsapp.LinkedOS != "Linux" {
		t.Fatalf("OS %q, want Linux", got)
	}
	if got := store.BaseClientPayload.GetUserAgent().GetOsVersion(); got != "0.1.0" {
		t.Fatalf("OS version in the client payload %q", got)
	}
	if whatsapp.PairCodeClient != whatsmeow.PairClientChrome || whatsapp.PairCodeDisplay != "Chrome (Linux)" {
		t.Fatalf("pair-by-code client %q %q", whatsapp.PairCodeClient, whatsapp.PairCodeDisplay)
	}
	ch, err := e.m.PairQR(tctx(t), 900)
	if err != nil {
		t.Fatal(err)
	}
	cli := e.m.WhatsmeowClientOf(900)
	if got := cli.DangerousInternals().GetQRClientType(); got != whatsmeow.PairClientChrome {
		t.Fatalf("QR codes advertise client type %q, want Chrome", got)
	}
	// A device file is created at once; a device in the shared container
	// only when the pairing succeeds (whatsmeow saves it then).
	if _, err := os.Stat(e.d.DevicePath(900)); !testdb.Postgres() && err != nil {
		t.Fatalf("pairing did not create the reseller's device file: %v", err)
	}
	e.m.Close()
	for range ch {
	}
}

func TestWhatsmeowEventsReachTheRightReseller(t *testing.T) {
	e := newWAEnv(t, 101, 202, 303, 404, 505)
	ctx := tctx(t)
	clis := map[int64]*whatsmeow.Client{}
	for c := range e.jids {
		clis[c] = e.client(t, c)
	}

	// Connected / Disconnected drive the state.
	dispatch(clis[101], &events.Connected{})
	if st, _ := e.m.Status(ctx, 101); st.State != whatsapp.StateConnected {
		t.Fatalf("after Connected: %s", st.State)
	}

	// Receipts of the recipient become ours; our own devices' do not.
	peer := types.NewJID("5521987650001", types.DefaultUserServer)
	src := types.MessageSource{Chat: peer, Sender: peer}
	dispatch(clis[101], &events.Receipt{MessageSource: src, MessageIDs: []string{"3EB0AA"}, Type: types.ReceiptTypeDelivered})
	dispatch(clis[101], &events.Receipt{MessageSource: src, MessageIDs: []string{"3EB0AA", "3EB0BB"}, Type: types.ReceiptTypeRead})
	dispatch(clis[101], &events.Receipt{MessageSource: src, MessageIDs: []string{"3EB0CC"}, Type: types.ReceiptTypeSender})
	self := types.MessageSource{Chat: peer, Sender: e.jids[101], IsFromMe: true}
	dispatch(clis[101], &events.Receipt{MessageSource: self, MessageIDs: []string{"3EB0DD"}, Type: types.ReceiptTypeReadSelf})
	if err := e.rec.WaitForReceipts(ctx, 3); err != nil {
		t.Fatal(err)
	}
	want := []whatsapptest.ReceiptRecord{
		{ChatID: 101, MessageID: "3EB0AA", Receipt: whatsapp.ReceiptDelivered},
		{ChatID: 101, MessageID: "3EB0AA", Receipt: whatsapp.ReceiptRead},
		{ChatID: 101, MessageID: "3EB0BB", Receipt: whatsapp.ReceiptRead},
	}
	if got := e.rec.Receipts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("receipts = %+v", got)
	}

	// Reach-out time-lock notification (error 463's announcement).
	until := t0.Add(96 * time.Hour)
	tl := &events.NotifyAccountReachoutTimelock{IsActive: true, EnforcementType: "RESTRICT_ALL_COMPANIONS"}
	tl.TimeEnforcementEnds.Time = until
	dispatch(clis[101], tl)
	if ev, err := e.rec.WaitForEvent(ctx, 101, whatsapp.EventReachoutTimelock); err != nil || !ev.Until.Equal(until) {
		t.Fatalf("timelock event %+v %v", ev, err)
	}

	// Stream replaced, through whatsmeow's own stream-error handling.
	clis[101].DangerousInternals().HandleStreamError(ctx, &waBinary.Node{Tag: "stream:error",
		Content: []waBinary.Node{{Tag: "conflict", Attrs: waBinary.Attrs{"type": "replaced"}}}})
	if _, err := e.rec.WaitForEvent(ctx, 101, whatsapp.EventStreamReplaced); err != nil {
		t.Fatal(err)
	}

	// Logged out from the phone (device_removed): notified, file removed.
	clis[202].DangerousInternals().HandleStreamError(ctx, &waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{"code": "401"},
		Content: []waBinary.Node{{Tag: "conflict", Attrs: waBinary.Attrs{"type": "device_removed"}}}})
	if _, err := e.rec.WaitForEvent(ctx, 202, whatsapp.EventLoggedOut); err != nil {
		t.Fatal(err)
	}
	waitRemoved(t, e.d, 202)
	if left := deviceLeft(t, e.d.WhatsmeowDriver, 202, e.jids[202]); left != "" {
		t.Errorf("chat 202's device survived the logout: %s", left)
	}
	if rec, _ := e.st.Record(202); rec.State != whatsapp.StateLoggedOut {
		t.Errorf("record 202 = %+v", rec)
	}

	// Temporary ban, through whatsmeow's connect-failure handling.
	clis[303].DangerousInternals().HandleConnectFailure(ctx, &waBinary.Node{Tag: "failure",
		Attrs: waBinary.Attrs{"reason": "402", "code": "101", "expire": "7200"}})
	ev, err := e.rec.WaitForEvent(ctx, 303, whatsapp.EventTempBan)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Until.Equal(t0.Add(2*time.Hour)) || !strings.HasPrefix(ev.Detail, "101") {
		t.Fatalf("ban event %+v", ev)
	}
	if rec, _ := e.st.Record(303); rec.State != whatsapp.StateBanned || !rec.BanUntil.Equal(ev.Until) {
		t.Errorf("record 303 = %+v", rec)
	}

	// Client outdated (405).
	clis[404].DangerousInternals().HandleConnectFailure(ctx, &waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": "405"}})
	if _, err := e.rec.WaitForEvent(ctx, 404, whatsapp.EventClientOutdated); err != nil {
		t.Fatal(err)
	}

	// Every event went to the reseller it happened to; 505 heard nothing.
	// 405: no newer version could be set offline, so the admins heard it
	// once (chat 0) and the reseller was told their WhatsApp waits.
	wantKinds := map[int64][]whatsapp.EventKind{
		0:   {whatsapp.EventVersionFailed},
		101: {whatsapp.EventReachoutTimelock, whatsapp.EventStreamReplaced},
		202: {whatsapp.EventLoggedOut},
		303: {whatsapp.EventTempBan},
		404: {whatsapp.EventClientOutdated},
	}
	got := map[int64][]whatsapp.EventKind{}
	for _, ev := range e.rec.Events() {
		got[ev.ChatID] = append(got[ev.ChatID], ev.Kind)
	}
	if fmt.Sprint(got) != fmt.Sprint(wantKinds) {
		t.Fatalf("events per chat = %v, want %v", got, wantKinds)
	}
}

func TestWhatsmeowPairSuccessAndUnlink(t *testing.T) {
	e := newWAEnv(t, 505)
	ctx := tctx(t)
	ch, err := e.m.PairQR(ctx, 606)
	if err != nil {
		t.Fatal(err)
	}
	cli := e.m.WhatsmeowClientOf(606)
	if cli == nil || cli.Store.ID != nil {
		t.Fatal("pairing must start from a fresh unpaired device")
	}
	dispatch(cli, &events.QR{Codes: []string{"2@ref1,noise,identity,adv,1", "2@ref2,noise,identity,adv,1"}})
	if ev := next(t, ch); ev.Kind != whatsapp.PairQR || ev.Code != "2@ref1,noise,identity,adv,1" {
		t.Fatalf("first = %+v", ev)
	}
	// What whatsmeow does on pair-success before dispatching the event:
	// store the new device in the reseller's file.
	jid := linkedJID("5511987650606")
	cli.Store.ID = &jid
	setFakeAccount(cli.Store)
	if err := cli.Store.Save(ctx); err != nil {
		t.Fatal(err)
	}
	dispatch(cli, &events.PairSuccess{ID: jid, Platform: "android"})
	if ev := next(t, ch); ev.Kind != whatsapp.PairSuccess || ev.Phone != "5511987650606" {
		t.Fatalf("final = %+v", ev)
	}
	if rec, ok := e.st.Record(606); !ok || rec.DeviceJID != jid.String() {
		t.Fatalf("record = %+v", rec)
	}
	if _, err := e.rec.WaitForEvent(ctx, 606, whatsapp.EventLinked); err != nil {
		t.Fatal(err)
	}

	// Unlink with the server unreachable (we never connected): the logout
	// fails, the local state is cleaned anyway.
	dispatch(cli, &events.Connected{})
	err = e.m.Unlink(ctx, 606)
	if !errors.Is(err, whatsapp.ErrLogoutFailed) {
		t.Fatalf("unlink offline: %v", err)
	}
	if left := deviceLeft(t, e.d.WhatsmeowDriver, 606, jid); left != "" {
		t.Errorf("chat 606's device survived Unlink: %s", left)
	}
	if _, ok := e.st.Record(606); ok {
		t.Error("record survived Unlink")
	}
	// The other reseller's device is untouched.
	if left := deviceLeft(t, e.d.WhatsmeowDriver, 505, e.jids[505]); left == "" {
		t.Error("chat 505's device went with 606's")
	}
}

func TestClassifyWhatsmeowErrors(t *testing.T) {
	serverErr := func(code int) error { return fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, code) }
	// What a send or query returns when our socket is gone, in the shapes
	// whatsmeow produces (request.go, send.go).
	disconnected := &whatsmeow.DisconnectedError{Action: "message send"}
	textOnly := fmt.Errorf("failed to encrypt peer message for 5511987654321@s.whatsapp.net: %v", whatsmeow.ErrNotConnected)
	noLID := errors.New("no LID found for 5521987650001@s.whatsapp.net from server")
	const (
		plain = iota
		rateLimited
		transient // retry later, counted as an attempt
		offline   // our connection is down: errors.Is(ErrNotConnected), also transient
		notLinked
		restricted // this recipient refused (463), not an account lock
		notOnWhatsApp
	)
	cases := []struct {
		err       error
		connected bool
		want      int
	}{
		{serverErr(463), true, restricted},
		{serverErr(429), true, rateLimited},
		{whatsmeow.ErrIQRateOverLimit, true, rateLimited},
		{serverErr(503), true, transient},
		{serverErr(503), false, offline},
		{whatsmeow.ErrNotConnected, true, offline},
		{whatsmeow.ErrNotConnected, false, offline},
		{fmt.Errorf("failed to get user info for x to fill LID cache: %w", whatsmeow.ErrNotConnected), false, offline},
		{disconnected, true, offline},
		{whatsmeow.ErrIQDisconnected, false, offline},
		{textOnly, false, offline},
		{whatsmeow.ErrIQTimedOut, true, transient},
		{whatsmeow.ErrIQTimedOut, false, offline},
		{whatsmeow.ErrMessageTimedOut, false, transient}, // it may have arrived: an attempt
		{context.DeadlineExceeded, true, transient},
		{whatsmeow.ErrNotLoggedIn, false, notLinked},
		{noLID, true, notOnWhatsApp},
		{serverErr(479), true, plain},
	}
	for _, c := range cases {
		got := whatsapp.Classify(c.err, c.connected)
		var rl *whatsapp.RateLimitedError
		var te *whatsapp.TransientError
		is := map[int]bool{
			rateLimited:   errors.As(got, &rl) && errors.Is(got, whatsapp.ErrRateLimited) && !rl.Reachout,
			transient:     errors.As(got, &te) && !errors.Is(got, whatsapp.ErrNotConnected),
			offline:       errors.As(got, &te) && errors.Is(got, whatsapp.ErrNotConnected),
			notLinked:     errors.Is(got, whatsapp.ErrNotLinked),
			restricted:    errors.Is(got, whatsapp.ErrRecipientRestricted) && !errors.Is(got, whatsapp.ErrRateLimited),
			notOnWhatsApp: errors.Is(got, whatsapp.ErrNotOnWhatsApp) && whatsapp.IsPermanent(got),
		}
		for kind, ok := range is {
			if ok != (kind == c.want) {
				t.Errorf("%v (socket up %v) -> %v: kind %d is %v, want kind %d", c.err, c.connected, got, kind, ok, c.want)
			}
		}
		if !errors.Is(got, c.err) {
			t.Errorf("%v: the original error is not kept", c.err)
		}
	}
	if whatsapp.Classify(nil, false) != nil {
		t.Error("nil must stay nil")
	}
}

func TestWhatsmeowDisconnectsAndLostConnection(t *testing.T) {
	e := newWAEnv(t, 707, 808)
	ctx := tctx(t)
	a, b := e.client(t, 707), e.client(t, 808)
	dispatch(a, &events.Connected{})
	dispatch(b, &events.Connected{})

	// 707: the socket drops; whatsmeow reconnects by itself, we only watch.
	dispatch(a, &events.Disconnected{})
	if st, _ := e.m.Status(ctx, 707); st.State != whatsapp.StateDisconnected {
		t.Fatalf("707 after Disconnected: %s", st.State)
	}
	// 808: an unknown connect failure (whatsmeow will not reconnect).
	b.DangerousInternals().HandleConnectFailure(ctx, &waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": "400"}})

	if err := e.clk.WaitForSleepers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Minute)
	for _, chat := range []int64{707, 808} {
		if _, err := e.rec.WaitForEvent(ctx, chat, whatsapp.EventConnectionLost); err != nil {
			t.Fatal(err)
		}
	}
	dispatch(a, &events.Connected{})
	if _, err := e.rec.WaitForEvent(ctx, 707, whatsapp.EventConnectionRestored); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.m.Status(ctx, 707); st.State != whatsapp.StateConnected || !st.ConnectedSince.Equal(e.clk.Now()) {
		t.Fatalf("707 after reconnect: %+v", st)
	}
}
