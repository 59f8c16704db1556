package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/subscription/mercadopago/mercadopagotest"
)

// stepClock is a fake clock on which short waits (the Telegram sender's
// rate limits: milliseconds) pass at once, moving the time by as much, and
// longer ones (the payment poller's, the dry-run inbox's) wait until the
// test moves the time.
type stepClock struct{ *clock.Fake }

func (c stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if d < 500*time.Millisecond {
		c.Advance(max(d, 0))
		return ctx.Err()
	}
	return c.Fake.Sleep(ctx, d)
}

// waitPollerAsleep waits until something sleeps on clk for longer than the
// short waits: the payment poller, between two polls.
func waitPollerAsleep(t *testing.T, clk *clock.Fake, longerThan time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for {
		for _, d := range clk.SleepDurations() {
			if d > longerThan {
				return
			}
		}
		if err := clk.WaitForSleepers(ctx, clk.Sleepers()+1); err != nil {
			t.Fatalf("the payment poller never waited for its next poll; sleeping: %v", clk.SleepDurations())
		}
	}
}

// The whole program with the fake Bot API, the fake Mercado Pago and a
// fake clock: a reseller on trial pays the 1-month plan by Mercado Pago
// Pix, the poller sees it approved and extends the access from the trial's
// end, and past that end the reseller still has access. The Mercado Pago
// token (from the environment) never reaches the logs.
func TestProgramTrialResellerPaysByMercadoPago(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.CheckMarkup(t)
	srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	mp := mercadopagotest.NewServer(mercadopagotest.Token)
	defer mp.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testConfig(srv, filepath.Join(dir, "data"))+fmt.Sprintf(`subscription:
  plans: [{months: 1, price: "20,00"}, {months: 3, price: "54,00"}]
  provider: mercadopago
mercadopago:
  api_url: %s
  poll_every: 20s
`, mp.URL()))
	fake := clock.NewFake(time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)) // noon in São Paulo
	p := startProgramWith(t, cfg, stepClock{fake}, map[string]string{
		"TELEGRAM_BOT_TOKEN": srv.Token(), "MERCADOPAGO_ACCESS_TOKEN": mercadopagotest.Token})

	ana := resellerChat{t, srv, 101}
	say, press := ana.say, ana.press
	say("/start", "7 dias de teste grátis, até 05/12/2026")
	say("/conta", "Minha conta")
	press("💳 Assinar / Renovar", "1 mês — R$ 20,00 (R$ 20,00 por mês) → acesso até 05/01/2027")
	press("1 mês · R$ 20,00", "e-mail de quem paga")
	say("ana@example.com", "Pix de R$ 20,00")
	pays := mp.Payments()
	if len(pays) != 1 || pays[0].Amount != 2000 || pays[0].PayerEmail != "ana@example.com" {
		t.Fatalf("Mercado Pago payments = %+v", pays)
	}

	mp.Approve(pays[0].ID)
	waitPollerAsleep(t, fake, 5*time.Second)
	fake.Advance(20 * time.Second)
	confirmed := waitBotText(t, srv, 101, "Pagamento confirmado")
	if !strings.Contains(confirmed.Text, "vai até 05/01/2027") {
		t.Fatalf("confirmation: %q", confirmed.Text)
	}

	// Past the trial's end the reseller keeps access.
	fake.Set(time.Date(2026, 12, 8, 13, 0, 0, 0, time.UTC))
	m := say("/conta", "Situação:")
	if !strings.Contains(m.Text, "Ativo até 05/01/2027") {
		t.Fatalf("account after the trial: %q", m.Text)
	}
	say("/clientes", "Clientes")
	for _, msg := range srv.BotMessages(101) {
		if strings.Contains(msg.Text, "expirou") {
			t.Fatalf("the paying reseller was told the access expired: %q", msg.Text)
		}
	}
	if status := p.stop(); status != 0 {
		t.Fatalf("exit status %d\n%s", status, p.logs)
	}
	if strings.Contains(p.logs.String(), mercadopagotest.Token) {
		t.Fatal("the Mercado Pago token appears in the logs")
	}
}

// A bad Pix key of the operator stops the start like any configuration
// error: exit status 2 and one line naming the key.
func TestProgramBadOperatorPixKey(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), "telegram:\n  admins: [900]\nsubscription:\n  plans: [{months: 1, price: \"20,00\"}]\n"+
		"  pix_key: \"123.456.789-00\"\n  pix_holder: Maria\n  pix_city: Recife\n")
	logs := &syncBuffer{}
	code := run(context.Background(), runOptions{Args: []string{"-config", cfg},
		Getenv: func(k string) string { return map[string]string{"TELEGRAM_BOT_TOKEN": "1:a"}[k] }, Stderr: logs, Clock: clock.Real{}})
	out := strings.TrimSpace(logs.String())
	if code != exitConfig || strings.Count(out, "\n") != 0 || !strings.Contains(out, "subscription.pix_key:") {
		t.Fatalf("exit %d, output %q", code, out)
	}
}
