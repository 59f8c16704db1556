package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWhatsAppSessionsAreTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	sa := WhatsAppSession{DeviceJID: "5511987654321:3@s.whatsapp.net", Phone: "5511987654321", LinkedAt: t0, State: "connected"}
	if err := a.WhatsApp().SaveSession(ctx, sa); err != nil {
		t.Fatal(err)
	}
	got, err := a.WhatsApp().Session(ctx)
	if err != nil || got.ChatID != 1 || got.DeviceJID != sa.DeviceJID || !got.LinkedAt.Equal(t0) || !got.BanUntil.IsZero() {
		t.Fatalf("A's session = %+v, %v", got, err)
	}
	if _, err := b.WhatsApp().Session(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B sees A's session: %v", err)
	}
	if err := a.WhatsApp().CacheJID(ctx, "5511911112222", "551111112222@s.whatsapp.net"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.WhatsApp().CachedJID(ctx, "5511911112222", t0); ok {
		t.Fatal("B reads A's JID cache")
	}
	if jid, ok, _ := a.WhatsApp().CachedJID(ctx, "5511911112222", t0); !ok || jid != "551111112222@s.whatsapp.net" {
		t.Fatalf("A's cache = %q %v", jid, ok)
	}
	// B deleting its (absent) session leaves A's.
	if err := b.WhatsApp().DeleteSession(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WhatsApp().Session(ctx); err != nil {
		t.Fatal("B's delete removed A's session")
	}
	ban := t0.Add(24 * time.Hour)
	sa.State, sa.BanUntil = "banned", ban
	if err := a.WhatsApp().SaveSession(ctx, sa); err != nil {
		t.Fatal(err)
	}
	all, err := s.LinkedWhatsAppSessions(ctx)
	if err != nil || len(all) != 1 || all[0].State != "banned" || !all[0].BanUntil.Equal(ban) {
		t.Fatalf("linked = %+v, %v", all, err)
	}
	if err := a.WhatsApp().DeleteSession(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.WhatsApp().CachedJID(ctx, "5511911112222", t0); ok {
		t.Fatal("cache survives unlink")
	}
}

func TestJIDCacheAgesAndIsForgottenPerTenant(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	const phone, jid = "5511911112222", "5511911112222@s.whatsapp.net"
	for _, tn := range []Tenant{a, b} {
		if err := tn.WhatsApp().CacheJID(ctx, phone, jid); err != nil {
			t.Fatal(err)
		}
	}
	cachedAt := clk.Now()
	clk.Advance(31 * 24 * time.Hour)
	if _, ok, _ := a.WhatsApp().CachedJID(ctx, phone, clk.Now().Add(-30*24*time.Hour)); ok {
		t.Fatal("an answer older than since is returned")
	}
	if _, ok, _ := a.WhatsApp().CachedJID(ctx, phone, cachedAt); !ok {
		t.Fatal("an answer as old as since is not returned")
	}
	// Caching again refreshes the age.
	if err := a.WhatsApp().CacheJID(ctx, phone, jid); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.WhatsApp().CachedJID(ctx, phone, clk.Now()); !ok {
		t.Fatal("a fresh answer is not returned")
	}
	// A forgets its answer; B's stays.
	if err := a.WhatsApp().ForgetJID(ctx, phone); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.WhatsApp().CachedJID(ctx, phone, cachedAt); ok {
		t.Fatal("A's forgotten answer is returned")
	}
	if _, ok, _ := b.WhatsApp().CachedJID(ctx, phone, cachedAt); !ok {
		t.Fatal("A forgetting removed B's answer")
	}
}

func TestWhatsAppRefusalIsStored(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a := register(t, s, 1)
	ws := WhatsAppSession{DeviceJID: "5511987654321:3@s.whatsapp.net", Phone: "5511987654321", LinkedAt: t0, State: "connected",
		RefusedCode: 428, RefusedMessage: "precondition required", RefusedAt: clk.Now(), RefusedCount: 2}
	if err := a.WhatsApp().SaveSession(ctx, ws); err != nil {
		t.Fatal(err)
	}
	got, err := a.WhatsApp().Session(ctx)
	if err != nil || got.RefusedCode != 428 || got.RefusedMessage != ws.RefusedMessage || !got.RefusedAt.Equal(ws.RefusedAt) || got.RefusedCount != 2 {
		t.Fatalf("session = %+v, %v", got, err)
	}
	ws.RefusedCode, ws.RefusedMessage, ws.RefusedAt, ws.RefusedCount = 0, "", time.Time{}, 0
	if err := a.WhatsApp().SaveSession(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.WhatsApp().Session(ctx); got.RefusedCode != 0 || !got.RefusedAt.IsZero() || got.RefusedCount != 0 {
		t.Fatalf("cleared refusal = %+v", got)
	}
}

func TestSentTextIsTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	for _, n := range []struct {
		tn   Tenant
		st   MessageStatus
		body string
	}{{a, MsgSent, "Olá Ana"}, {b, MsgFailed, "Olá Bia"}} {
		if _, err := n.tn.Messages().Log(ctx, NewMessage{Phone: "5511987654321", Kind: "livre", Origin: OriginTest, Status: n.st,
			WAID: "3EB0AA", Body: n.body}); err != nil {
			t.Fatal(err)
		}
	}
	if phone, body, ok, err := a.Messages().SentText(ctx, "3EB0AA"); err != nil || !ok || body != "Olá Ana" || phone != "5511987654321" {
		t.Fatalf("A's text = %q %q %v %v", phone, body, ok, err)
	}
	if _, body, ok, _ := b.Messages().SentText(ctx, "3EB0AA"); !ok || body != "Olá Bia" {
		t.Fatalf("B's text = %q %v", body, ok)
	}
	if _, _, ok, _ := register(t, s, 3).Messages().SentText(ctx, "3EB0AA"); ok {
		t.Fatal("a third reseller reads another's message by its id")
	}
	if _, _, ok, _ := a.Messages().SentText(ctx, ""); ok {
		t.Fatal("an empty id matched")
	}
}

func TestMessageLogAndReceipts(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	c := newClient(t, a, "Ana", "5511987654321", d(2026, 12, 1))
	m, err := a.Messages().Log(ctx, NewMessage{ClientID: c.ID, ClientName: c.Name, Phone: c.Phone, Kind: "cobranca",
		Origin: OriginManual, Status: MsgSent, WAID: "3EB0AA", Body: "Olá Ana"})
	if err != nil || m.Status != MsgSent || m.SentAt.IsZero() || m.ClientID != c.ID {
		t.Fatalf("logged = %+v, %v", m, err)
	}
	// B cannot log against A's client, read A's log, or move A's statuses.
	if _, err := b.Messages().Log(ctx, NewMessage{ClientID: c.ID, Phone: c.Phone, Kind: "livre", Origin: OriginManual, Status: MsgSent}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B logged on A's client: %v", err)
	}
	if _, err := b.Messages().Get(ctx, m.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B reads A's message: %v", err)
	}
	if list, _ := b.Messages().ForClient(ctx, c.ID, 10); len(list) != 0 {
		t.Fatal("B lists A's messages")
	}
	if err := b.Messages().Receipt(ctx, "3EB0AA", MsgRead); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Messages().Get(ctx, m.ID); got.Status != MsgSent {
		t.Fatalf("B's receipt changed A's message to %s", got.Status)
	}
	// Receipts only move forward.
	if err := a.Messages().Receipt(ctx, "3EB0AA", MsgRead); err != nil {
		t.Fatal(err)
	}
	if err := a.Messages().Receipt(ctx, "3EB0AA", MsgDelivered); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Messages().Get(ctx, m.ID); got.Status != MsgRead {
		t.Fatalf("status after read then delivered = %s", got.Status)
	}
	if err := a.Messages().Receipt(ctx, "3EB0AA", MsgFailed); err == nil {
		t.Fatal("failed accepted as a receipt")
	}
	list, _ := a.Messages().ForClient(ctx, c.ID, 10)
	if len(list) != 1 || list[0].Body != "Olá Ana" {
		t.Fatalf("history = %+v", list)
	}
	// A deleted client keeps its log rows, detached.
	if err := a.Clients().Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Messages().Get(ctx, m.ID); got.ClientID != 0 || got.ClientName != "Ana" {
		t.Fatalf("after delete = %+v", got)
	}
}

func TestSentSinceCountsOnlyOwnSentMessages(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	for _, st := range []MessageStatus{MsgSent, MsgFailed} {
		if _, err := a.Messages().Log(ctx, NewMessage{Phone: "5511987654321", Kind: "teste", Origin: OriginTest, Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Messages().Log(ctx, NewMessage{Phone: "5511987654321", Kind: "teste", Origin: OriginTest, Status: MsgSent}); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Messages().SentSince(ctx, t0); err != nil || n != 1 {
		t.Fatalf("A sent since t0 = %d, %v", n, err)
	}
	if n, _ := a.Messages().SentSince(ctx, clk.Now().Add(time.Second)); n != 0 {
		t.Fatalf("A sent since later = %d", n)
	}
}
