package store

import (
	"context"
	"testing"
)

// A batch of receipts of several resellers: each moves only its own
// reseller's message, forward only; a bad status refuses the whole batch.
func TestRecordReceiptsBatchIsTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	logged := func(tn Tenant, waID string) Message {
		t.Helper()
		m, err := tn.Messages().Log(ctx, NewMessage{Phone: "5511987654321", Kind: "teste", Origin: OriginTest,
			Status: MsgSent, WAID: waID, Body: "oi"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a1, a2, b1 := logged(a, "3EB0A1"), logged(a, "3EB0A2"), logged(b, "3EB0B1")
	bSame := logged(b, "3EB0A1") // the same id in B's log: ids are only unique per device

	err := s.RecordReceipts(ctx, []ReceiptUpdate{
		{ChatID: 1, WAID: "3EB0A1", Status: MsgRead},
		{ChatID: 1, WAID: "3EB0A2", Status: MsgDelivered},
		{ChatID: 1, WAID: "3EB0B1", Status: MsgRead}, // B's message, named by A's session
		{ChatID: 2, WAID: "3EB0B1", Status: MsgDelivered},
		{ChatID: 1, WAID: "3EB0A1", Status: MsgDelivered}, // late: never moves read back
		{ChatID: 1, WAID: "", Status: MsgRead},            // matches nothing
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tn   Tenant
		id   int64
		want MessageStatus
	}{{a, a1.ID, MsgRead}, {a, a2.ID, MsgDelivered}, {b, b1.ID, MsgDelivered}, {b, bSame.ID, MsgSent}} {
		if got, err := c.tn.Messages().Get(ctx, c.id); err != nil || got.Status != c.want {
			t.Errorf("message %d = %s %v, want %s", c.id, got.Status, err, c.want)
		}
	}
	if err := s.RecordReceipts(ctx, []ReceiptUpdate{{ChatID: 2, WAID: "3EB0A1", Status: MsgRead},
		{ChatID: 2, WAID: "3EB0A1", Status: MsgFailed}}); err == nil {
		t.Fatal("failed accepted as a receipt")
	}
	if got, _ := b.Messages().Get(ctx, bSame.ID); got.Status != MsgSent {
		t.Fatalf("a refused batch was partly written: %s", got.Status)
	}
}
