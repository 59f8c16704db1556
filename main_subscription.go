package main

import (
	"log/slog"

	"renovabot/bot"
	"renovabot/clock"
	"renovabot/config"
	"renovabot/store"
	"renovabot/subscription"
	"renovabot/subscription/mercadopago"
)

// newSubscriptions builds how resellers pay for access from the
// subscription.* and mercadopago.* configuration: nil without plans (no
// subscription screens). The Mercado Pago token goes into the client only.
func newSubscriptions(cfg *config.Config, st *store.Store, clk clock.Clock, log *slog.Logger) (*subscription.Service, error) {
	sc := cfg.Subscription
	if !sc.Enabled() {
		return nil, nil
	}
	plans := make([]subscription.Plan, len(sc.Plans))
	for i, p := range sc.Plans {
		plans[i] = subscription.Plan{Months: p.Months, Price: p.Cents}
	}
	var provider subscription.Provider
	switch sc.Provider {
	case config.ProviderMercadoPago:
		provider = subscription.MercadoPago{C: mercadopago.New(cfg.MercadoPago.AccessToken,
			mercadopago.Options{BaseURL: cfg.MercadoPago.APIURL, Clock: clk})}
	default:
		m, err := subscription.NewManual(sc.PixKey, sc.PixHolder, sc.PixCity)
		if err != nil {
			return nil, err
		}
		provider = m
	}
	return subscription.New(subscription.Config{Plans: plans, PollEvery: cfg.MercadoPago.PollEvery.D(),
		ExpireAfter: cfg.MercadoPago.ExpireAfter.D(), Location: cfg.Location},
		subscription.Deps{Store: st, Provider: provider, Clock: clk, Log: log})
}

// botSubscriptions hands the service to the bot as an interface that is
// nil when there is no service (a nil *Service in it would not be).
func botSubscriptions(s *subscription.Service) bot.Subscriptions {
	if s == nil {
		return nil
	}
	return s
}
