package whatsapp_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renovabot/clock"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

type dryInbox struct {
	m     *whatsapp.Manager
	clk   *clock.Fake
	inbox *whatsapptest.Inbox
	path  string
}

func newDryInbox(t *testing.T, before string) *dryInbox {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "dryrun-inbox.jsonl")
	if before != "" {
		if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e := &dryInbox{clk: clock.NewFake(t0), inbox: whatsapptest.NewInbox(), path: path}
	m, err := whatsapp.NewManager(whatsapp.Config{Driver: whatsapp.DriverDryRun, DataDir: dir, DryRunLog: filepath.Join(dir, "sent.jsonl"),
		DryRunInbox: path}, whatsapp.Deps{Store: whatsapptest.NewStore(), Clock: e.clk, Inbound: e.inbox})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	e.m = m
	return e
}

func (e *dryInbox) append(t *testing.T, text string) {
	t.Helper()
	f, err := os.OpenFile(e.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// poll lets the inbox read the file once: the reader sleeps on the clock
// between reads, so the test waits until it sleeps, moves the clock one
// period, and waits until it sleeps again (the read is over).
func (e *dryInbox) poll(t *testing.T) {
	t.Helper()
	ctx := tctx(t)
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(whatsapp.DryRunInboxEvery)
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

func TestDryRunInboxDeliversToTheTenantsSession(t *testing.T) {
	e := newDryInbox(t, `{"tenant": 100, "from": "5521987650009", "text": "antes de ligar", "id": "OLD"}`+"\n")
	pairDryRun(t, e.m, 100)
	ctx := tctx(t)

	e.append(t, `{"tenant": 100, "from": "5521987650001", "text": "paguei <o> pix & cia", "id": "ID1", "name": "Maria"}`+"\n"+
		`not json`+"\n"+
		`{"tenant": 100, "from": "abc", "text": "bad number", "id": "ID2"}`+"\n"+
		`{"tenant": 200, "from": "5521987650002", "text": "para B", "id": "ID3"}`+"\n"+
		`{"tenant": 100, "from": "5521987650001", "text": "meia linha`)
	e.poll(t)
	if err := e.inbox.WaitForReceived(ctx, 1); err != nil {
		t.Fatal(err)
	}
	got := e.inbox.Received()
	if len(got) != 1 {
		t.Fatalf("received %+v, want only A's complete, valid line", got)
	}
	if in := got[0]; in.ChatID != 100 || in.From != "5521987650001" || in.Text != "paguei <o> pix & cia" || in.MsgID != "ID1" ||
		in.Name != "Maria" || !in.At.Equal(e.clk.Now()) || in.Media != nil {
		t.Fatalf("message = %+v", in)
	}

	// The half-written line is delivered once complete.
	e.append(t, ` inteira", "id": "ID4"}`+"\n")
	e.poll(t)
	if err := e.inbox.WaitForReceived(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if in := e.inbox.Received()[1]; in.ChatID != 100 || in.Text != "meia linha inteira" {
		t.Fatalf("second message = %+v", in)
	}

	// B's line waited for B's WhatsApp, and arrives when B links.
	pairDryRun(t, e.m, 200)
	if err := e.inbox.WaitForReceived(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if in := e.inbox.Received()[2]; in.ChatID != 200 || in.Text != "para B" || in.MsgID != "ID3" {
		t.Fatalf("B's message = %+v", in)
	}
	for _, in := range e.inbox.Received() {
		if in.MsgID == "OLD" {
			t.Fatal("a line written before the start was delivered")
		}
	}
}

// Erasing a reseller removes their lines from the inbox too.
func TestDryRunInboxForgetsAnErasedTenant(t *testing.T) {
	e := newDryInbox(t, "")
	pairDryRun(t, e.m, 100)
	e.append(t, `{"tenant": 100, "from": "5521987650001", "text": "de A", "id": "A1"}`+"\n"+
		`{"tenant": 200, "from": "5521987650002", "text": "de B", "id": "B1"}`+"\n")
	e.poll(t)
	if err := e.inbox.WaitForReceived(tctx(t), 1); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Erase(tctx(t), 100, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "de A") || !strings.Contains(string(raw), "de B") {
		t.Fatalf("inbox after erasing A = %q", raw)
	}
	// The reader goes on from the rewritten file's end.
	e.append(t, `{"tenant": 200, "from": "5521987650002", "text": "depois", "id": "B2"}`+"\n")
	pairDryRun(t, e.m, 200)
	e.poll(t)
	if err := e.inbox.WaitForReceived(tctx(t), 3); err != nil {
		t.Fatal(err)
	}
	if got := e.inbox.Received(); got[1].Text != "de B" || got[2].Text != "depois" {
		t.Fatalf("B's messages = %+v", got[1:])
	}
}
