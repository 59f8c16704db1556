package subscription_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/store"
	"renovabot/subscription"
	"renovabot/subscription/mercadopago"
	"renovabot/subscription/mercadopago/mercadopagotest"
)

// t0 is noon of 28/11/2026 in São Paulo.
var (
	sp, _ = time.LoadLocation("America/Sao_Paulo")
	t0    = time.Date(2026, 11, 28, 12, 0, 0, 0, sp)
)

const waitLimit = 10 * time.Second

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorder is a Notifier that keeps what it was told.
type recorder struct {
	mu         sync.Mutex
	paid       []store.Credit
	ended      []store.SubscriptionPayment
	mismatched []store.SubscriptionPayment
	changed    chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 100)} }

func (r *recorder) SubscriptionPaid(_ context.Context, c store.Credit) error {
	r.mu.Lock()
	r.paid = append(r.paid, c)
	r.mu.Unlock()
	r.changed <- struct{}{}
	return nil
}

func (r *recorder) SubscriptionEnded(_ context.Context, p store.SubscriptionPayment) error {
	r.mu.Lock()
	r.ended = append(r.ended, p)
	r.mu.Unlock()
	r.changed <- struct{}{}
	return nil
}

func (r *recorder) SubscriptionMismatch(_ context.Context, p store.SubscriptionPayment) error {
	r.mu.Lock()
	r.mismatched = append(r.mismatched, p)
	r.mu.Unlock()
	r.changed <- struct{}{}
	return nil
}

func (r *recorder) counts() (paid, ended, mismatched int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.paid), len(r.ended), len(r.mismatched)
}

// env is a store with a reseller on trial until 05/12/2026, a fake Mercado
// Pago, and a Service over both, logging into logs.
type env struct {
	t      testing.TB
	st     *store.Store
	clk    *clock.Fake
	mp     *mercadopagotest.Server
	logs   *syncBuffer
	notify *recorder
	svc    *subscription.Service
}

const chat = int64(101)

var plans = []subscription.Plan{{Months: 1, Price: 2000}, {Months: 3, Price: 5400}}

func newEnv(t testing.TB) *env {
	t.Helper()
	clk := clock.NewFake(t0)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := st.Tenant(chat).Account().RegisterAs(context.Background(), "Ana", "", "America/Sao_Paulo",
		store.Access{Status: store.StatusTrial, Until: time.Date(2026, 12, 6, 0, 0, 0, 0, sp)}); err != nil {
		t.Fatal(err)
	}
	mp := mercadopagotest.NewServer(mercadopagotest.Token)
	t.Cleanup(mp.Close)
	e := &env{t: t, st: st, clk: clk, mp: mp, logs: &syncBuffer{}}
	e.svc = e.service(mercadopagotest.Token)
	return e
}

// service is a new Service (a restart) over the env's store, with token.
func (e *env) service(token string) *subscription.Service {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The client's retries wait on a clock of their own that does not stop
	// the test's time.
	retryClock := clock.NewFake(t0)
	retryClock.SetAutoAdvance(true)
	client := mercadopago.New(token, mercadopago.Options{BaseURL: e.mp.URL(), Clock: retryClock})
	svc, err := subscription.New(subscription.Config{Plans: plans, Location: sp},
		subscription.Deps{Store: e.st, Provider: subscription.MercadoPago{C: client}, Clock: e.clk, Log: log})
	if err != nil {
		e.t.Fatal(err)
	}
	if e.notify == nil {
		e.notify = newRecorder()
	}
	svc.SetNotifier(e.notify)
	return svc
}

func (e *env) start(plan subscription.Plan) (store.SubscriptionPayment, subscription.Pix) {
	e.t.Helper()
	p, px, err := e.svc.Start(context.Background(), chat, plan, "ana@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	return p, px
}

func (e *env) mpID(p store.SubscriptionPayment) int64 {
	e.t.Helper()
	id, err := strconv.ParseInt(p.ProviderRef, 10, 64)
	if err != nil {
		e.t.Fatalf("provider ref %q: %v", p.ProviderRef, err)
	}
	return id
}

func (e *env) payment(id int64) store.SubscriptionPayment {
	e.t.Helper()
	p, err := e.st.Tenant(chat).Subscriptions().Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) reseller() store.Reseller {
	e.t.Helper()
	r, err := e.st.Tenant(chat).Account().Get(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) poll() {
	e.t.Helper()
	if err := e.svc.Poll(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) credits() int {
	e.t.Helper()
	rev, err := e.st.AdminSubscriptionRevenue(context.Background(), []time.Time{t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)})
	if err != nil {
		e.t.Fatal(err)
	}
	return rev[0].Count
}

var trialEnd = time.Date(2026, 12, 6, 0, 0, 0, 0, sp)

// The token never reaches a log line.
func (e *env) checkLogs() {
	e.t.Helper()
	if strings.Contains(e.logs.String(), mercadopagotest.Token) {
		e.t.Fatalf("the Mercado Pago token is in the logs:\n%s", e.logs)
	}
}

// A payment is created as the API documents it, stays pending, then is
// approved: credited once, however many times it is seen approved (two
// polls, a "Já paguei" check, two services polling at once).
func TestMercadoPagoCreatePendingApprovedCreditedOnce(t *testing.T) {
	e := newEnv(t)
	p, px := e.start(plans[0])
	if p.Status != store.SubPending || p.Provider != store.ProviderMercadoPago || p.PayerEmail != "ana@example.com" {
		t.Fatalf("payment = %+v", p)
	}
	got, ok := e.mp.Payment(e.mpID(p))
	if !ok {
		t.Fatalf("Mercado Pago has no payment %s", p.ProviderRef)
	}
	if got.Amount != 2000 || got.ExternalReference != strconv.FormatInt(p.ID, 10) || got.PayerEmail != "ana@example.com" ||
		got.IdempotencyKey != p.IdempotencyKey || got.IdempotencyKey == "" || got.DateOfExpiration != "2026-11-28T12:30:00.000-03:00" {
		t.Fatalf("created at Mercado Pago: %+v", got)
	}
	if px.Code != got.QRCode || !bytes.Equal(px.PNG, got.QRCodePNG) || p.PixCode != got.QRCode {
		t.Fatal("the Pix shown is not Mercado Pago's qr_code / qr_code_base64")
	}
	if !p.ExpiresAt.Equal(t0.Add(30 * time.Minute)) {
		t.Fatalf("expires at %v", p.ExpiresAt)
	}

	e.poll()
	if paid, ended, _ := e.notify.counts(); paid+ended != 0 || e.payment(p.ID).Status != store.SubPending {
		t.Fatal("a pending payment changed")
	}
	e.mp.Approve(e.mpID(p))
	e.poll()
	e.poll()
	if q, err := e.svc.Check(context.Background(), chat, p.ID); err != nil || q.Status != store.SubApproved {
		t.Fatalf("check after credit = %+v, %v", q, err)
	}
	// Two services (a second instance, or a restart overlapping) seeing it
	// approved at the same moment: the ledger's key lets one credit.
	p2, _ := e.start(plans[1])
	e.mp.Approve(e.mpID(p2))
	other := e.service(mercadopagotest.Token)
	var wg sync.WaitGroup
	for _, s := range []*subscription.Service{e.svc, other} {
		wg.Go(func() {
			if _, err := s.Check(context.Background(), chat, p2.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	if paid, _, _ := e.notify.counts(); paid != 2 {
		t.Fatalf("reseller told %d times of 2 payments", paid)
	}
	if n := e.credits(); n != 2 {
		t.Fatalf("%d credits of 2 payments", n)
	}
	// 05/12 + 1 month + 3 months.
	if r := e.reseller(); r.Status != store.StatusActive || !r.AccessUntil.Equal(time.Date(2027, 4, 6, 0, 0, 0, 0, sp)) {
		t.Fatalf("access = %s until %v", r.Status, r.AccessUntil)
	}
	if e.notify.paid[0].Last.BR() != "05/01/2027" {
		t.Fatalf("first credit's last day = %s", e.notify.paid[0].Last.BR())
	}
	e.checkLogs()
}

// Rejected, cancelled and expired payments are closed, the reseller is
// told once, and nothing is credited.
func TestMercadoPagoRejectedCancelledExpired(t *testing.T) {
	e := newEnv(t)
	rejected, _ := e.start(plans[0])
	expired, _ := e.start(plans[0])
	cancelled, _ := e.start(plans[0])
	e.mp.Reject(e.mpID(rejected))
	e.mp.Expire(e.mpID(expired))
	e.mp.SetStatus(e.mpID(cancelled), mercadopago.StatusCancelled, "by_collector")
	e.poll()
	e.poll()
	for p, want := range map[int64]store.SubscriptionStatus{rejected.ID: store.SubRejected, expired.ID: store.SubExpired, cancelled.ID: store.SubCancelled} {
		if got := e.payment(p); got.Status != want {
			t.Errorf("payment %d = %s, want %s", p, got.Status, want)
		}
	}
	if paid, ended, _ := e.notify.counts(); paid != 0 || ended != 3 {
		t.Fatalf("told paid %d, ended %d", paid, ended)
	}
	if e.credits() != 0 || !e.reseller().AccessUntil.Equal(trialEnd) {
		t.Fatal("a closed payment credited access")
	}
	list, err := e.st.SubscriptionsToPoll(context.Background(), store.ProviderMercadoPago)
	if err != nil || len(list) != 0 {
		t.Fatalf("still polled: %+v, %v", list, err)
	}
}

// A payment Mercado Pago still calls pending a day after its expiry is
// closed here, and no longer polled.
func TestMercadoPagoPendingLongPastExpiryIsClosed(t *testing.T) {
	e := newEnv(t)
	p, _ := e.start(plans[0])
	e.clk.Advance(30*time.Minute + 23*time.Hour)
	e.poll()
	if e.payment(p.ID).Status != store.SubPending {
		t.Fatal("closed before a day past its expiry")
	}
	e.clk.Advance(2 * time.Hour)
	e.poll()
	if got := e.payment(p.ID); got.Status != store.SubExpired {
		t.Fatalf("payment = %s", got.Status)
	}
}

// Approved with another amount: not credited, kept as a mismatch with what
// was paid, admins alerted once.
func TestMercadoPagoAmountMismatchNotCredited(t *testing.T) {
	e := newEnv(t)
	p, _ := e.start(plans[0])
	e.mp.ApproveAmount(e.mpID(p), 1900)
	e.poll()
	e.poll()
	got := e.payment(p.ID)
	if got.Status != store.SubMismatch || got.PaidAmount != 1900 {
		t.Fatalf("payment = %+v", got)
	}
	if paid, _, mismatched := e.notify.counts(); paid != 0 || mismatched != 1 {
		t.Fatalf("told paid %d, mismatch %d", paid, mismatched)
	}
	if e.credits() != 0 || !e.reseller().AccessUntil.Equal(trialEnd) {
		t.Fatal("a payment of another amount was credited")
	}
}

// 5xx answers are retried with the same idempotency key (one payment at
// Mercado Pago); a poll that finds the API down leaves the payment pending
// and the next one credits it. With the API down for good, the creation
// fails as unavailable and nothing is created or credited.
func TestMercadoPago5xxRetried(t *testing.T) {
	e := newEnv(t)
	e.mp.Fail(mercadopagotest.Fault{Method: "POST", PathPrefix: "/v1/payments", Code: 500, Times: 1})
	p, _ := e.start(plans[0])
	if n := e.mp.CallsTo("POST", "/v1/payments"); n != 2 {
		t.Fatalf("%d creation calls, want 2", n)
	}
	calls := e.mp.Calls()
	if calls[0].IdempotencyKey != calls[1].IdempotencyKey || calls[0].Status != 500 || calls[1].Status != 201 {
		t.Fatalf("calls = %+v", calls)
	}
	if len(e.mp.Payments()) != 1 {
		t.Fatalf("%d payments at Mercado Pago", len(e.mp.Payments()))
	}

	e.mp.Approve(e.mpID(p))
	e.mp.Fail(mercadopagotest.Fault{Method: "GET", Code: 503, Times: 3})
	if err := e.svc.Poll(context.Background()); err == nil {
		t.Fatal("a poll with the API down reported no error")
	}
	if e.payment(p.ID).Status != store.SubPending || e.credits() != 0 {
		t.Fatal("credited without an answer")
	}
	e.poll()
	if e.payment(p.ID).Status != store.SubApproved || e.credits() != 1 {
		t.Fatal("not credited once the API answered")
	}

	e.mp.Fail(mercadopagotest.Fault{Method: "POST", Code: 503})
	_, _, err := e.svc.Start(context.Background(), chat, plans[0], "ana@example.com")
	if !errors.Is(err, subscription.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	recent, _ := e.st.Tenant(chat).Subscriptions().Recent(context.Background(), 1)
	if len(recent) != 1 || recent[0].Status != store.SubFailed || len(e.mp.Payments()) != 1 || e.credits() != 1 {
		t.Fatalf("after a failed creation: %+v, %d at Mercado Pago, %d credits", recent, len(e.mp.Payments()), e.credits())
	}
	e.checkLogs()
}

// A pending payment survives a restart: a new Service over the same
// database polls it and credits it once.
func TestMercadoPagoRestartWhilePending(t *testing.T) {
	e := newEnv(t)
	p, _ := e.start(plans[0])
	e.mp.Approve(e.mpID(p))
	restarted := e.service(mercadopagotest.Token)
	for range 2 {
		if err := restarted.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	e.poll() // the old instance too, had it kept running
	if e.credits() != 1 || e.payment(p.ID).Status != store.SubApproved {
		t.Fatal("not credited once after the restart")
	}
	if paid, _, _ := e.notify.counts(); paid != 1 {
		t.Fatalf("told %d times", paid)
	}
	if !e.reseller().AccessUntil.Equal(time.Date(2027, 1, 6, 0, 0, 0, 0, sp)) {
		t.Fatalf("access until %v", e.reseller().AccessUntil)
	}
}

// Run polls at once (a restart's pending payments) and then every
// PollEvery of the injected clock.
func TestMercadoPagoRunPollsOnTheClock(t *testing.T) {
	e := newEnv(t)
	p, _ := e.start(plans[0])
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(context.Background(), waitLimit)
	defer wcancel()
	if err := e.clk.WaitForSleepers(wctx, 1); err != nil {
		t.Fatal("Run never waited for the next poll")
	}
	if d := e.clk.SleepDurations(); len(d) != 1 || d[0] != subscription.DefaultPollEvery {
		t.Fatalf("Run sleeps %v, want %v", d, subscription.DefaultPollEvery)
	}
	gets := e.mp.CallsTo("GET", "/v1/payments/")
	if gets != 1 {
		t.Fatalf("%d polls before the first sleep", gets)
	}
	e.mp.Approve(e.mpID(p))
	e.clk.Advance(subscription.DefaultPollEvery)
	select {
	case <-e.notify.changed:
	case <-time.After(waitLimit):
		t.Fatal("the approved payment was never credited")
	}
	if e.payment(p.ID).Status != store.SubApproved {
		t.Fatal("not credited")
	}
}

// The token reaches Mercado Pago only in the Authorization header, and a
// refused token (401) is an error that names neither.
func TestMercadoPagoTokenNeverLogged(t *testing.T) {
	e := newEnv(t)
	e.start(plans[0])
	for _, c := range e.mp.Calls() {
		if !c.Authorized {
			t.Fatalf("call without the Bearer token: %+v", c)
		}
	}
	const wrong = "APP_USR-wrong-secret-token-0000"
	bad := e.service(wrong)
	_, _, err := bad.Start(context.Background(), chat, plans[0], "ana@example.com")
	if err == nil || errors.Is(err, subscription.ErrUnavailable) || strings.Contains(err.Error(), wrong) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(e.logs.String(), wrong) || !strings.Contains(e.logs.String(), "HTTP 401") {
		t.Fatalf("logs:\n%s", e.logs)
	}
	e.checkLogs()
}
