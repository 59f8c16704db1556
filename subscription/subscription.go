// Package subscription is how resellers pay the operator for the bot: by a
// Pix whose proof an admin approves (the manual provider, embedded, no
// payment company needed) or by a Mercado Pago Pix the program polls until
// it is approved, rejected, cancelled or expired.
//
// A payment is a row (store.SubscriptionPayment) before the provider is
// asked for anything, so a restart finds it; crediting access happens once
// per provider payment id, in the store's transaction that writes the
// ledger row (store.Subscriptions.CreditPaid), whatever number of polls,
// presses or restarts see it paid.
//
// The package never imports bot: it tells resellers and admins what
// happened through the Notifier declared here, which the bot implements.
package subscription

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/store"
)

// Plan is one offer: months of access for a price.
type Plan struct {
	Months int
	Price  int64 // centavos
}

// Label is the plan in pt-BR: "1 mês", "3 meses".
func (p Plan) Label() string { return billing.Plural(p.Months, "mês", "meses") }

// PerMonth is the price of one month of the plan, rounded half up.
func (p Plan) PerMonth() int64 { return billing.RoundDiv(p.Price, int64(p.Months)) }

// Charge is what a provider is asked to create.
type Charge struct {
	PaymentID      int64 // ours (Mercado Pago's external_reference)
	IdempotencyKey string
	Amount         int64 // centavos
	Description    string
	PayerEmail     string    // Mercado Pago requires one
	ExpiresAt      time.Time // zero: no expiry
	TxID           string    // the manual Pix's identifier
}

// Pix is what the reseller pays: the copia e cola and its QR image.
type Pix struct {
	Ref       string // the provider's id of the payment (manual: the txid)
	Code      string
	PNG       []byte
	ExpiresAt time.Time // zero: none
}

// Provider creates Pix payments. Errors for which trying again later may
// succeed (the provider down or slow) wrap ErrUnavailable.
type Provider interface {
	Name() string // store.ProviderManual or store.ProviderMercadoPago
	Create(ctx context.Context, c Charge) (Pix, error)
}

// Checker is a provider that says by itself when a payment was paid: the
// poller asks it about each pending payment.
type Checker interface {
	Check(ctx context.Context, ref string) (Result, error)
}

// Outcome is where a payment stands at the provider.
type Outcome int

const (
	Waiting   Outcome = iota // not paid yet
	Paid                     // paid: Result.Paid says how much
	Rejected                 // refused by the provider
	Cancelled                // cancelled (or refunded) at the provider
	Expired                  // not paid in time
)

// Result is a provider's answer about one payment.
type Result struct {
	Outcome Outcome
	Paid    int64  // centavos, for Paid
	Detail  string // the provider's words (status and detail)
}

// ErrUnavailable means the provider could not be reached or failed: the
// reseller is told to try again in a few minutes, and nothing is credited.
var ErrUnavailable = errors.New("subscription: payment provider unavailable")

// ErrNotOffered is returned for a plan that is not among the configured ones.
var ErrNotOffered = errors.New("subscription: no such plan")

// Notifier tells people what the poller found. The bot implements it. An
// error is logged; the payment's state is already saved.
type Notifier interface {
	// SubscriptionPaid: the reseller's payment was credited (c.Last is the
	// new last day of access).
	SubscriptionPaid(ctx context.Context, c store.Credit) error
	// SubscriptionEnded: the payment was rejected, cancelled or expired.
	SubscriptionEnded(ctx context.Context, p store.SubscriptionPayment) error
	// SubscriptionMismatch: the provider approved another amount than the
	// plan's; nothing was credited. Admins are alerted (and the reseller).
	SubscriptionMismatch(ctx context.Context, p store.SubscriptionPayment) error
}

// Config is the subscription.* and mercadopago.* configuration.
type Config struct {
	Plans []Plan
	// PollEvery is how often pending payments are asked about (checkers).
	PollEvery time.Duration
	// ExpireAfter is how long a Mercado Pago Pix may be paid.
	ExpireAfter time.Duration
	// Location writes the expiry for the provider (the operator's zone).
	Location *time.Location
}

// Defaults of Config.
const (
	DefaultPollEvery   = 20 * time.Second
	DefaultExpireAfter = 30 * time.Minute
	// givenUp is how long after its expiry a payment the provider still
	// calls pending is polled: then it is recorded expired here.
	givenUp = 24 * time.Hour
)

// Deps are the Service's collaborators.
type Deps struct {
	Store    *store.Store
	Provider Provider
	Clock    clock.Clock  // clock.Real
	Log      *slog.Logger // discarded
}

// Service starts payments and, for providers that are Checkers, polls the
// pending ones.
type Service struct {
	cfg      Config
	store    *store.Store
	provider Provider
	checker  Checker // nil: payments are confirmed by an admin (manual)
	clock    clock.Clock
	log      *slog.Logger
	notify   atomic.Pointer[notifierBox]
}

type notifierBox struct{ n Notifier }

// New checks cfg and returns the service. Plans must not be empty: no
// plans means no subscriptions, and no Service.
func New(cfg Config, deps Deps) (*Service, error) {
	if len(cfg.Plans) == 0 {
		return nil, errors.New("subscription: no plans")
	}
	if deps.Store == nil || deps.Provider == nil {
		return nil, errors.New("subscription: Store and Provider are required")
	}
	for _, p := range cfg.Plans {
		if p.Months < 1 || p.Months > 36 || billing.CheckMoney(p.Price) != nil || p.Price <= 0 {
			return nil, fmt.Errorf("subscription: bad plan %+v", p)
		}
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = DefaultPollEvery
	}
	if cfg.ExpireAfter <= 0 {
		cfg.ExpireAfter = DefaultExpireAfter
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	s := &Service{cfg: cfg, store: deps.Store, provider: deps.Provider, clock: deps.Clock, log: deps.Log}
	s.checker, _ = deps.Provider.(Checker)
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "subscription", "provider", deps.Provider.Name())
	return s, nil
}

// SetNotifier sets who is told what the poller found (the bot, created
// after the Service). Nothing is polled before Run, which is started after.
func (s *Service) SetNotifier(n Notifier) { s.notify.Store(&notifierBox{n}) }

func (s *Service) notifier() Notifier {
	if b := s.notify.Load(); b != nil {
		return b.n
	}
	return nil
}

// Provider is the provider's name (store.ProviderManual or
// store.ProviderMercadoPago).
func (s *Service) Provider() string { return s.provider.Name() }

// Plans returns the configured offers, in order.
func (s *Service) Plans() []Plan { return append([]Plan(nil), s.cfg.Plans...) }

// PollEvery is how often pending payments are checked (0 for the manual
// provider, whose payments an admin confirms).
func (s *Service) PollEvery() time.Duration {
	if s.checker == nil {
		return 0
	}
	return s.cfg.PollEvery
}

// Plan returns the configured plan of months.
func (s *Service) Plan(months int) (Plan, error) {
	for _, p := range s.cfg.Plans {
		if p.Months == months {
			return p, nil
		}
	}
	return Plan{}, ErrNotOffered
}

// Start creates the reseller's payment of plan: the row first (so a restart
// knows it), then the provider's Pix. payerEmail is required by Mercado
// Pago. An error wrapping ErrUnavailable means nothing was created and the
// reseller may try again in a few minutes.
func (s *Service) Start(ctx context.Context, chatID int64, plan Plan, payerEmail string) (store.SubscriptionPayment, Pix, error) {
	if offered, err := s.Plan(plan.Months); err != nil || offered.Price != plan.Price {
		return store.SubscriptionPayment{}, Pix{}, ErrNotOffered
	}
	subs := s.store.Tenant(chatID).Subscriptions()
	desc := "RenovaBot: " + plan.Label() + " de acesso"
	if s.provider.Name() == store.ProviderManual {
		// The Pix is computed here (no I/O): the row is stored pending,
		// with its txid as the provider's id.
		txid := newTxID()
		pix, err := s.provider.Create(ctx, Charge{Amount: plan.Price, Description: desc, TxID: txid})
		if err != nil {
			return store.SubscriptionPayment{}, Pix{}, err
		}
		p, err := subs.Create(ctx, store.NewSubscriptionPayment{Provider: store.ProviderManual, ProviderRef: pix.Ref,
			IdempotencyKey: txid, Months: plan.Months, Amount: plan.Price, Status: store.SubPending, PixCode: pix.Code})
		return p, pix, err
	}
	expires := s.clock.Now().Add(s.cfg.ExpireAfter).Truncate(time.Second)
	p, err := subs.Create(ctx, store.NewSubscriptionPayment{Provider: s.provider.Name(), IdempotencyKey: newKey(),
		Months: plan.Months, Amount: plan.Price, Status: store.SubCreating, PayerEmail: payerEmail, ExpiresAt: expires})
	if err != nil {
		return store.SubscriptionPayment{}, Pix{}, err
	}
	pix, err := s.provider.Create(ctx, Charge{PaymentID: p.ID, IdempotencyKey: p.IdempotencyKey, Amount: plan.Price,
		Description: desc, PayerEmail: payerEmail, ExpiresAt: expires.In(s.cfg.Location)})
	if err != nil {
		s.log.Warn("creating a payment failed", "chat", chatID, "payment", p.ID, "err", err)
		if ferr := subs.Failed(context.WithoutCancel(ctx), p.ID, err.Error()); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return store.SubscriptionPayment{}, Pix{}, err
	}
	if pix.ExpiresAt.IsZero() {
		pix.ExpiresAt = expires
	}
	p, err = subs.Created(ctx, p.ID, pix.Ref, pix.Code, pix.ExpiresAt)
	if err != nil {
		return store.SubscriptionPayment{}, Pix{}, err
	}
	s.log.Info("payment created", "chat", chatID, "payment", p.ID, "months", plan.Months)
	return p, pix, nil
}

// txidAlphabet is what a BR Code's txid may hold ([A-Za-z0-9]); upper case
// and digits read best on a bank statement.
const txidAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newTxID is a manual Pix's identifier: "RB" and 18 random characters (90
// bits), unique per payment (the store's key on provider ids refuses the
// astronomically unlikely repeat).
func newTxID() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	out := []byte("RB")
	for _, c := range b {
		out = append(out, txidAlphabet[int(c)%len(txidAlphabet)])
	}
	return string(out)
}

// newKey is an idempotency key: a random (version 4) UUID.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
