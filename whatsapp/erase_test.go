package whatsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"renovabot/internal/testdb"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// A pairing that completes for a chat whose account no longer exists (an
// admin deleted it while the reseller was scanning the QR code) logs the
// new device out on the server and deletes its file: no linked device is
// left for nobody.
func TestPairingCompletedForAChatWithoutAccountIsUndone(t *testing.T) {
	e := newEnv(t, nil)
	ctx := tctx(t)
	ch, err := e.m.PairQR(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairQR {
		t.Fatalf("first = %+v", ev)
	}
	e.st.FailSave = whatsapp.ErrNoAccount // the account is erased meanwhile
	if err := e.d.CompletePairing(7, "5511987657777"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrNoAccount) {
		t.Fatalf("final = %+v", ev)
	}
	expectClosed(t, ch)
	if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool {
		return v.Logouts() == 1 && !v.HasDevice(7) && !v.HasClient(7)
	}); err != nil {
		t.Fatalf("device left linked: logouts %d, device file %v, open clients %d", e.d.Logouts(), hasDevice(e.d, 7), e.d.OpenClients())
	}
	if st := mustStatus(t, e.m, 7); st.State != whatsapp.StateUnlinked {
		t.Fatalf("state = %s", st.State)
	}
	if _, ok := e.st.Record(7); ok {
		t.Fatal("a record was kept")
	}
	if _, err := e.rec.WaitForEvent(shortCtx(t), 7, whatsapp.EventLinked); err == nil {
		t.Fatal("the reseller was told about a link to nobody")
	}
}

func hasDevice(d *whatsapptest.Driver, chat int64) bool { _, ok := d.DeviceJID(chat); return ok }

// shortCtx is an already cancelled context: a wait on it only looks at what
// happened so far.
func shortCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(tctx(t))
	cancel()
	return ctx
}

// A device file left by a crash right after pairing, for a chat whose
// account was erased since, is logged out and removed when found, never
// adopted.
func TestOrphanDeviceOfAChatWithoutAccountIsUnlinked(t *testing.T) {
	e := newEnv(t, nil)
	e.d.Link(1, "5511987650001")
	e.st.FailSave = whatsapp.ErrNoAccount
	if st := mustStatus(t, e.m, 1); st.State != whatsapp.StateUnlinked {
		t.Fatalf("status = %+v", st)
	}
	if e.d.Logouts() != 1 || hasDevice(e.d, 1) || e.d.OpenClients() != 0 {
		t.Fatalf("logouts %d, device %v, open %d", e.d.Logouts(), hasDevice(e.d, 1), e.d.OpenClients())
	}
}

// Erase cancels a pairing in progress, logs the device out, deletes the
// file and the record, and runs the deletion of the rows while holding the
// session: a pairing asked for meanwhile starts only after it.
func TestEraseCancelsPairingAndRunsTheRowsUnderTheSession(t *testing.T) {
	e := newEnv(t, nil)
	ctx := tctx(t)
	e.link(1, "5511987650001")
	mustStatus(t, e.m, 1)
	ch, err := e.m.PairQR(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch)

	var sawState whatsapp.State
	err = e.m.Erase(ctx, 2, func(context.Context) error {
		// Pairing is impossible from here until Erase returns: the
		// attempt below waits for the session.
		pctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := e.m.PairQR(pctx, 2); !errors.Is(err, context.Canceled) {
			t.Errorf("pairing during the erasure: %v", err)
		}
		sawState = e.m.StateOf(2)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != whatsapp.PairError || !errors.Is(ev.Err, whatsapp.ErrPairingCancelled) {
		t.Fatalf("pairing in progress ended with %+v", ev)
	}
	if sawState != whatsapp.StateUnlinked || hasDevice(e.d, 2) {
		t.Fatalf("during the rows' deletion: state %s, device file %v", sawState, hasDevice(e.d, 2))
	}

	rowsErr := errors.New("database is gone")
	if err := e.m.Erase(ctx, 1, func(context.Context) error { return rowsErr }); !errors.Is(err, rowsErr) {
		t.Fatalf("rows error = %v", err)
	}
	if e.d.Logouts() != 1 || hasDevice(e.d, 1) {
		t.Fatalf("linked chat: logouts %d, device %v", e.d.Logouts(), hasDevice(e.d, 1))
	}
	// A logout WhatsApp does not confirm still erases, and says so.
	e.link(3, "5511987650003")
	mustStatus(t, e.m, 3)
	e.d.SetLogoutError(&whatsapp.TransientError{Err: errors.New("server unreachable")})
	erased := false
	err = e.m.Erase(ctx, 3, func(context.Context) error { erased = true; return nil })
	if !errors.Is(err, whatsapp.ErrLogoutFailed) || !erased || hasDevice(e.d, 3) {
		t.Fatalf("logout failed: err %v, erased %v, device %v", err, erased, hasDevice(e.d, 3))
	}
}

// The dry-run log loses the erased reseller's lines (their clients'
// numbers and texts) and keeps everyone else's; sends go on after it.
func TestEraseRewritesTheDryRunLog(t *testing.T) {
	dir := t.TempDir()
	st := whatsapptest.NewStore()
	m, logPath := newDryRun(t, dir, st)
	ctx := tctx(t)
	for _, chat := range []int64{100, 200} {
		pairDryRun(t, m, chat)
		for _, text := range []string{"primeira QZX", "segunda QZX"} {
			if _, err := m.Send(ctx, chat, "5521987650001", text, whatsapp.SendOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.Erase(ctx, 100, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Send(ctx, 200, "5521987650002", "terceira", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 3 {
		t.Fatalf("log after the erasure = %q", raw)
	}
	for _, l := range lines {
		var line struct{ Tenant int64 }
		if err := json.Unmarshal([]byte(l), &line); err != nil || line.Tenant != 200 {
			t.Fatalf("line %q (%v)", l, err)
		}
	}
	if fi, _ := os.Stat(logPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("log mode = %v", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(logPath + ".*"); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// Every WhatsApp device file (the SQLite store and its WAL and
// shared-memory files) is 0600 in a data directory that exists with 0755,
// under umask 022; so is the dry-run log, even one an older version left
// 0644.
func TestDeviceFilesArePrivate(t *testing.T) {
	testdb.SQLiteOnly(t, "modes of device files; with PostgreSQL no device is on disk")
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(filepath.Join(dir, "whatsapp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d, _, err := whatsapp.NewOfflineWhatsmeowDriver(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Open(tctx(t), 42, func(whatsapp.ClientEvent) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{d.DevicePath(42), d.DevicePath(42) + "-wal", d.DevicePath(42) + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}

	logPath := filepath.Join(dir, "sent.jsonl")
	if err := os.WriteFile(logPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dr, err := whatsapp.NewDryRunDriver(dir, logPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dr.Close()
	if fi, _ := os.Stat(logPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("dry-run log mode = %v, want 0600", fi.Mode().Perm())
	}
}
