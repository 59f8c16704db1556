package config

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"renovabot/billing"
	"renovabot/pix"
)

// EnvMercadoPagoToken is the environment variable that carries Mercado
// Pago's access token; it wins over mercadopago.access_token.
const EnvMercadoPagoToken = "MERCADOPAGO_ACCESS_TOKEN"

// Subscription is how resellers pay the operator for the bot (issue 15).
type Subscription struct {
	// Plans are the offers; none: no subscription screens (access only by
	// admins).
	Plans []Plan `yaml:"plans"`
	// Provider is "manual" (a Pix to PixKey, proof approved by an admin)
	// or "mercadopago".
	Provider string `yaml:"provider"`
	// The operator's Pix data, for the manual provider.
	PixKey    string `yaml:"pix_key"`
	PixHolder string `yaml:"pix_holder"`
	PixCity   string `yaml:"pix_city"`
}

// Plan is one offer: months of access for a price ("20,00").
type Plan struct {
	Months int    `yaml:"months"`
	Price  string `yaml:"price"`
	// Cents is Price parsed.
	Cents int64 `yaml:"-"`
}

// MercadoPago configures the Mercado Pago provider.
type MercadoPago struct {
	// AccessToken is the account's token; EnvMercadoPagoToken wins. It is
	// never logged nor shown in an error.
	AccessToken string `yaml:"access_token"`
	APIURL      string `yaml:"api_url"`
	// PollEvery is how often a pending payment is asked about.
	PollEvery Duration `yaml:"poll_every"`
	// ExpireAfter is how long a Pix may be paid.
	ExpireAfter Duration `yaml:"expire_after"`
}

// Providers of subscription.provider.
const (
	ProviderManual      = "manual"
	ProviderMercadoPago = "mercadopago"
)

const maxPlans = 6

var subscriptionKeys = []string{"subscription", "subscription.plans", "subscription.plans.months", "subscription.plans.price",
	"subscription.provider", "subscription.pix_key", "subscription.pix_holder", "subscription.pix_city",
	"mercadopago", "mercadopago.access_token", "mercadopago.api_url", "mercadopago.poll_every", "mercadopago.expire_after"}

func init() {
	for _, k := range subscriptionKeys {
		known[k] = true
	}
}

func defaultSubscription() (Subscription, MercadoPago) {
	return Subscription{Provider: ProviderManual},
		MercadoPago{APIURL: "https://api.mercadopago.com", PollEvery: Duration(20 * time.Second), ExpireAfter: Duration(30 * time.Minute)}
}

// Enabled reports whether resellers can subscribe (plans are configured).
func (s Subscription) Enabled() bool { return len(s.Plans) > 0 }

func (c *Config) validateSubscription() error {
	s, mp := &c.Subscription, &c.MercadoPago
	if len(s.Plans) > maxPlans {
		return keyErr("subscription.plans", "at most %d plans (one button each)", maxPlans)
	}
	seen := map[int]bool{}
	for i := range s.Plans {
		p := &s.Plans[i]
		if p.Months < 1 || p.Months > 36 {
			return keyErr("subscription.plans", "plan %d: months must be between 1 and 36", i+1)
		}
		if seen[p.Months] {
			return keyErr("subscription.plans", "plan %d: two plans of %d months", i+1, p.Months)
		}
		seen[p.Months] = true
		cents, err := billing.ParseMoney(p.Price)
		if err != nil || cents <= 0 {
			return keyErr("subscription.plans", "plan %d: price %q is not an amount in reais (example: \"20,00\")", i+1, p.Price)
		}
		p.Cents = cents
	}
	switch s.Provider {
	case ProviderManual, ProviderMercadoPago:
	default:
		return keyErr("subscription.provider", "%q is not a provider (manual or mercadopago)", s.Provider)
	}
	manual := s.Enabled() && s.Provider == ProviderManual
	if manual && len(c.Telegram.Admins) == 0 {
		return keyErr("subscription.provider", "manual needs at least one admin in telegram.admins to approve the proofs")
	}
	s.PixKey = strings.TrimSpace(s.PixKey)
	switch k, err := pix.ParseKey(s.PixKey); {
	case s.PixKey == "" && manual:
		return keyErr("subscription.pix_key", "missing: the manual provider needs the Pix key payments go to")
	case s.PixKey != "" && err != nil:
		return keyErr("subscription.pix_key", "%q is not a valid Pix key (CPF or CNPJ with check digits, e-mail, +55 mobile, or random key)", s.PixKey)
	case s.PixKey != "":
		s.PixKey = k.Value
	}
	for _, f := range []struct {
		key string
		v   *string
	}{{"subscription.pix_holder", &s.PixHolder}, {"subscription.pix_city", &s.PixCity}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" {
			if manual {
				return keyErr(f.key, "missing: the manual provider's Pix code needs it")
			}
			continue
		}
		// Asking package pix how the code carries it: one definition of
		// what a BR Code accepts.
		p := pix.Payload{Key: "+5511987654321", Name: "X", City: "X"}
		if f.key == "subscription.pix_holder" {
			p.Name = *f.v
		} else {
			p.City = *f.v
		}
		var pe *pix.PayloadError
		if _, err := pix.BRCode(p); errors.As(err, &pe) {
			return keyErr(f.key, "%q cannot go into a Pix code (letters, digits and spaces)", *f.v)
		}
	}
	u, err := url.Parse(mp.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return keyErr("mercadopago.api_url", "%q is not an http(s) URL", mp.APIURL)
	}
	mp.APIURL = strings.TrimRight(mp.APIURL, "/")
	if mp.PollEvery.D() < 5*time.Second || mp.PollEvery.D() > 10*time.Minute {
		return keyErr("mercadopago.poll_every", "must be between 5s and 10m")
	}
	if mp.ExpireAfter.D() < 30*time.Minute || mp.ExpireAfter.D() > 30*24*time.Hour {
		return keyErr("mercadopago.expire_after", "must be between 30m and 720h (30 days)")
	}
	mp.AccessToken = strings.TrimSpace(mp.AccessToken)
	if strings.ContainsAny(mp.AccessToken, " \t\r\n") {
		return keyErr("mercadopago.access_token", "malformed token (from the file or %s)", EnvMercadoPagoToken)
	}
	if s.Enabled() && s.Provider == ProviderMercadoPago && mp.AccessToken == "" {
		return keyErr("mercadopago.access_token", "missing: set it in the file or in the environment variable %s", EnvMercadoPagoToken)
	}
	return nil
}
