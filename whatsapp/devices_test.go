package whatsapp_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types/events"

	"renovabot/internal/testdb"
	"renovabot/leader"
	"renovabot/whatsapp"
)

// pairOffline pairs chatID through the manager as whatsmeow would: a QR,
// the new device saved by the library, then PairSuccess.
func pairOffline(t *testing.T, e *waEnv, chatID int64, phone string) {
	t.Helper()
	ctx := tctx(t)
	ch, err := e.m.PairQR(ctx, chatID)
	if err != nil {
		t.Fatal(err)
	}
	cli := e.m.WhatsmeowClientOf(chatID)
	if cli == nil || cli.Store.ID != nil {
		t.Fatal("pairing must start from a fresh unpaired device")
	}
	dispatch(cli, &events.QR{Codes: []string{"2@ref1,noise,identity,adv,1"}})
	if ev := next(t, ch); ev.Kind != whatsapp.PairQR {
		t.Fatalf("first = %+v", ev)
	}
	jid := linkedJID(phone)
	cli.Store.ID = &jid
	setFakeAccount(cli.Store)
	if err := cli.Store.Save(ctx); err != nil {
		t.Fatal(err)
	}
	dispatch(cli, &events.PairSuccess{ID: jid, Platform: "android"})
	if ev := next(t, ch); ev.Kind != whatsapp.PairSuccess {
		t.Fatalf("final = %+v", ev)
	}
	e.jids[chatID] = jid
}

// A device is found by its chat's session record, after a restart too:
// the same device for the chat that paired it, none for a chat without a
// record, and none for a chat whose record names a device the store does
// not hold (never "the first" device of a shared container).
func TestDevicesFoundByTheirRecordAfterARestart(t *testing.T) {
	e := newWAEnv(t, 505)
	pairOffline(t, e, 606, "5511987650606")
	rec, ok := e.st.Record(606)
	if !ok || rec.DeviceJID != e.jids[606].String() {
		t.Fatalf("mapping after pairing = %+v, %v", rec, ok)
	}
	e.m.Close()

	// A new process: a new driver on the same devices, a new manager.
	d, _, err := whatsapp.ReopenOfflineWhatsmeowDriver(t, e.d.WhatsmeowDriver, e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.d = removeWatch{d, make(chan int64, 64)}
	e.m, err = whatsapp.NewManager(whatsapp.Config{DataDir: e.dir},
		whatsapp.Deps{Store: e.st, Notifier: e.rec, Receipts: e.rec, Clock: e.clk, Driver: e.d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.m.Close)
	for _, chat := range []int64{606, 505} {
		if cli := e.client(t, chat); cli.Store.ID == nil || *cli.Store.ID != e.jids[chat] {
			t.Fatalf("chat %d opened device %v, want %v", chat, cli.Store.ID, e.jids[chat])
		}
	}
	// No record: not linked, and nothing opened.
	if st, err := e.m.Status(tctx(t), 707); err != nil || st.State != whatsapp.StateUnlinked {
		t.Fatalf("chat 707 without a record: %+v, %v", st, err)
	}
	if e.m.WhatsmeowClientOf(707) != nil {
		t.Fatal("chat 707 without a record opened a device")
	}
	// A record naming a device that is not stored for it.
	e.st.Put(whatsapp.SessionRecord{ChatID: 808, DeviceJID: linkedJID("5511987650808").String(), Phone: "5511987650808",
		LinkedAt: t0, State: whatsapp.StateConnected})
	_, err = e.m.Send(tctx(t), 808, "5521987650001", "x", whatsapp.SendOptions{})
	if !errors.Is(err, whatsapp.ErrNotLinked) && !errors.Is(err, whatsapp.ErrDeviceMismatch) {
		t.Fatalf("chat 808 with another device's record: %v", err)
	}
	if cli := e.m.WhatsmeowClientOf(808); cli != nil {
		t.Fatalf("chat 808 runs device %v", cli.Store.ID)
	}
}

// Erasing a reseller deletes every row of their device (and only theirs).
func TestEraseDeletesTheDeviceRows(t *testing.T) {
	e := newWAEnv(t, 505, 606)
	ctx := tctx(t)
	cli := e.client(t, 606)
	// Rows of the kinds a linked device accumulates.
	if err := cli.Store.Identities.PutIdentity(ctx, "5521987650001.0:1", [32]byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := cli.Store.Sessions.PutSession(ctx, "5521987650001.0:1", []byte("session")); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Store.PreKeys.GetOrGenPreKeys(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if left := deviceLeft(t, e.d.WhatsmeowDriver, 606, e.jids[606]); left == "" {
		t.Fatal("chat 606's device has nothing stored before the erasure")
	}
	erased := false
	err := e.m.Erase(ctx, 606, func(context.Context) error { erased = true; return nil })
	if err != nil && !errors.Is(err, whatsapp.ErrLogoutFailed) {
		t.Fatal(err)
	}
	if !erased {
		t.Fatal("the rows' erasure did not run")
	}
	if left := deviceLeft(t, e.d.WhatsmeowDriver, 606, e.jids[606]); left != "" {
		t.Fatalf("after the erasure, left of chat 606's device: %s", left)
	}
	if left := deviceLeft(t, e.d.WhatsmeowDriver, 505, e.jids[505]); left == "" {
		t.Fatal("chat 505's device went with 606's")
	}
}

// The active instance holds the leader's advisory lock while it opens the
// device store, whose schema upgrade takes an advisory lock of its own:
// the two keys must differ, or the active instance waits for itself
// forever at start.
func TestDeviceStoreOpensWhileThisInstanceIsActive(t *testing.T) {
	testdb.PostgresOnly(t)
	url := testdb.NewPostgres(t)
	el, err := leader.New(url, leader.Timing{Fence: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lease, err := el.Acquire(tctx(t), func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := whatsapp.NewWhatsmeowPostgresDriver(ctx, url, nil)
	if err != nil {
		t.Fatalf("opening the device store while holding the active lock: %v", err)
	}
	d.Close()
}

// A pairing cut short on PostgreSQL (whatsmeow saved the new device, the
// process died before the chat's record was written) leaves a device no
// record points to, so nobody could ever open it again: the next start
// deletes it with its keys, and keeps every recorded device. (On SQLite the
// file named by the chat is that chat's, and is adopted instead.)
func TestUnrecordedDevicesAreRemovedAtStart(t *testing.T) {
	testdb.PostgresOnly(t)
	e := newWAEnv(t, 505)
	orphan := seedDevice(t, e.d.WhatsmeowDriver, 606, "5511987650606")
	if left := deviceLeft(t, e.d.WhatsmeowDriver, 606, orphan); left == "" {
		t.Fatal("the cut-short pairing's device was not stored")
	}
	e.m.Close()

	d, _, err := whatsapp.ReopenOfflineWhatsmeowDriver(t, e.d.WhatsmeowDriver, e.dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := whatsapp.NewManager(whatsapp.Config{DataDir: e.dir},
		whatsapp.Deps{Store: e.st, Notifier: e.rec, Receipts: e.rec, Clock: e.clk, Driver: d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	if left := deviceLeft(t, d, 606, orphan); left != "" {
		t.Fatalf("the unrecorded device is still stored: %s", left)
	}
	if left := deviceLeft(t, d, 505, e.jids[505]); left == "" {
		t.Fatal("chat 505's recorded device was removed")
	}
}

// Two installations may share one database in two schemas (README: the
// active lock is per schema). whatsmeow's schema upgrade (go.mau.fi/util
// dbutil) asks information_schema whether its version table exists
// without naming the schema, so the other schema's table made it skip
// creating its own and then fail to read it: the second installation's
// device store could never open, and the program never started. Each
// installation's device store opens in its own schema, whichever came
// first.
func TestDeviceStoreOpensBesideAnotherSchemasDeviceStore(t *testing.T) {
	testdb.PostgresOnly(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first, second := testdb.NewPostgres(t), testdb.NewPostgres(t)
	for i, url := range []string{first, second} {
		d, err := whatsapp.NewWhatsmeowPostgresDriver(ctx, url, nil)
		if err != nil {
			t.Fatalf("installation %d's device store: %v", i+1, err)
		}
		d.Close()
	}
	db, err := sql.Open("pgx", second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name LIKE 'whatsmeow\_%'`).Scan(&n); err != nil || n < 10 {
		t.Fatalf("whatsmeow tables in the second installation's schema: %d, %v", n, err)
	}
}
