package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"renovabot/msgtemplate"
	"renovabot/store"
	"renovabot/whatsapp"
)

// BenchmarkInboundToForward measures the time from a message arriving on
// the dry-run driver to its forward being shown in the reseller's chat on
// the fake Bot API: the inbox file is read (the reader's one-second wait
// is skipped by moving its clock), the line parsed and handed to the
// reseller's session, queued, matched against the reseller's clients,
// checked for a payment, recorded, sent over HTTP as a "possível
// pagamento" with its buttons, and marked forwarded. One op = one message
// forwarded; the median is reported as ms/forward-median.
func BenchmarkInboundToForward(b *testing.B) {
	h := newHarness(b)
	dir := b.TempDir()
	inbox := filepath.Join(dir, "inbox.jsonl")
	dr, err := whatsapp.NewDryRunDriver(dir, filepath.Join(dir, "sent.jsonl"), h.waClock)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dr.Close() })
	if err := dr.WatchInbox(inbox, nil); err != nil {
		b.Fatal(err)
	}
	h.waDriver = dr
	h.start()
	h.say(101, "/start", "Boas-vindas")
	ctx := context.Background()
	events, err := h.wa.PairQR(ctx, 101)
	if err != nil {
		b.Fatal(err)
	}
	for range events {
	}
	const phone = "5511987654321"
	c := h.addClient(101, "Maria Souza", phone, "Mensal", 3590, hToday)
	if _, err := h.store.Tenant(101).Messages().Log(ctx, store.NewMessage{ClientID: c.ID, Phone: phone,
		Kind: string(msgtemplate.KindCharge), Origin: store.OriginManual, Status: store.MsgSent}); err != nil {
		b.Fatal(err)
	}
	f, err := os.OpenFile(inbox, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()

	forwards := func() int { return len(h.forwardsOf(101, "Possível pagamento")) }
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if err := h.waClock.WaitForSleepers(ctx, 1); err != nil { // the reader waits for its next read
			b.Fatal(err)
		}
		if _, err := fmt.Fprintf(f, `{"tenant": 101, "from": %q, "text": "paguei o pix %d", "id": "B%d"}`+"\n", phone, i, i); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		h.waClock.Advance(whatsapp.DryRunInboxEvery)
		if !h.srv.Until(waitLimit, func() bool { return forwards() > i }) {
			b.Fatalf("message %d never forwarded", i)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms/forward-median")
	b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "ms/forward-p90")
}
