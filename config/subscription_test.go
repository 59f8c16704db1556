package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSubscriptionDefaults(t *testing.T) {
	cfg, err := Parse([]byte("telegram:\n  token: \"1:abc\"\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s, mp := cfg.Subscription, cfg.MercadoPago; s.Enabled() || s.Provider != ProviderManual || mp.APIURL != "https://api.mercadopago.com" ||
		mp.PollEvery.D() != 20*time.Second || mp.ExpireAfter.D() != 30*time.Minute || mp.AccessToken != "" {
		t.Fatalf("defaults = %+v %+v", s, mp)
	}
}

func TestSubscriptionKeys(t *testing.T) {
	yaml := `
telegram:
  token: "1:abc"
  admins: [900]
subscription:
  plans: [{months: 1, price: "20,00"}, {months: 3, price: "R$ 54,00"}]
  provider: manual
  pix_key: "123.456.789-09"
  pix_holder: "João Operador"
  pix_city: "São Paulo"
mercadopago:
  access_token: "APP_USR-file"
  api_url: http://127.0.0.1:9999/
  poll_every: 30s
  expire_after: 1h
`
	cfg, err := Parse([]byte(yaml), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, mp := cfg.Subscription, cfg.MercadoPago
	if len(s.Plans) != 2 || s.Plans[0].Cents != 2000 || s.Plans[1].Months != 3 || s.Plans[1].Cents != 5400 ||
		s.PixKey != "12345678909" || s.PixHolder != "João Operador" || s.PixCity != "São Paulo" {
		t.Fatalf("subscription = %+v", s)
	}
	if mp.AccessToken != "APP_USR-file" || mp.APIURL != "http://127.0.0.1:9999" || mp.PollEvery.D() != 30*time.Second || mp.ExpireAfter.D() != time.Hour {
		t.Fatalf("mercadopago = %+v", mp)
	}
	// The environment wins over the file.
	cfg, err = Parse([]byte(yaml), env(map[string]string{EnvMercadoPagoToken: " APP_USR-env "}))
	if err != nil || cfg.MercadoPago.AccessToken != "APP_USR-env" {
		t.Fatalf("token = %q, %v", cfg.MercadoPago.AccessToken, err)
	}
	// Mercado Pago needs no Pix data of the operator.
	cfg, err = Parse([]byte("subscription:\n  plans:\n    - months: 1\n      price: \"20,00\"\n  provider: mercadopago\n"),
		env(map[string]string{EnvToken: "1:a", EnvMercadoPagoToken: "APP_USR-env"}))
	if err != nil || cfg.Subscription.Provider != ProviderMercadoPago || cfg.Subscription.Plans[0].Cents != 2000 {
		t.Fatalf("mercadopago set-up = %+v, %v", cfg, err)
	}
}

func TestSubscriptionRefusals(t *testing.T) {
	tok := map[string]string{EnvToken: "1:a"}
	manual := "telegram:\n  admins: [900]\nsubscription:\n  plans: [{months: 1, price: \"20,00\"}]\n"
	withPix := manual + "  pix_key: \"maria@example.com\"\n  pix_holder: Maria\n  pix_city: Recife\n"
	mp := "subscription:\n  plans: [{months: 1, price: \"20,00\"}]\n  provider: mercadopago\n"
	for _, tc := range []struct{ name, yaml, key string }{
		{"bad pix key", "subscription:\n  pix_key: \"123.456.789-00\"\n", "subscription.pix_key"},
		{"bad pix key with plans", manual + "  pix_key: \"maria@\"\n  pix_holder: Maria\n  pix_city: Recife\n", "subscription.pix_key"},
		{"manual without key", manual, "subscription.pix_key"},
		{"manual without holder", manual + "  pix_key: \"maria@example.com\"\n  pix_city: Recife\n", "subscription.pix_holder"},
		{"manual without city", manual + "  pix_key: \"maria@example.com\"\n  pix_holder: Maria\n", "subscription.pix_city"},
		{"city a code cannot carry", manual + "  pix_key: \"maria@example.com\"\n  pix_holder: Maria\n  pix_city: \"###\"\n", "subscription.pix_city"},
		{"manual without admins", "subscription:\n  plans: [{months: 1, price: \"20,00\"}]\n  pix_key: \"maria@example.com\"\n  pix_holder: Maria\n  pix_city: Recife\n", "subscription.provider"},
		{"bad provider", withPix + "  provider: paypal\n", "subscription.provider"},
		{"zero months", "telegram:\n  admins: [900]\nsubscription:\n  plans: [{months: 0, price: \"20,00\"}]\n", "subscription.plans"},
		{"duplicate months", "subscription:\n  plans: [{months: 1, price: \"20,00\"}, {months: 1, price: \"25,00\"}]\n", "subscription.plans"},
		{"bad price", "subscription:\n  plans: [{months: 1, price: \"vinte\"}]\n", "subscription.plans"},
		{"zero price", "subscription:\n  plans: [{months: 1, price: \"0,00\"}]\n", "subscription.plans"},
		{"unknown plan key", "subscription:\n  plans: [{mes: 1, price: \"20,00\"}]\n", "subscription.plans.mes"},
		{"too many plans", "subscription:\n  plans: [{months: 1, price: \"1\"}, {months: 2, price: \"1\"}, {months: 3, price: \"1\"}, {months: 4, price: \"1\"}, {months: 5, price: \"1\"}, {months: 6, price: \"1\"}, {months: 7, price: \"1\"}]\n", "subscription.plans"},
		{"mercadopago without token", mp, "mercadopago.access_token"},
		{"malformed token", mp + "mercadopago:\n  access_token: \"APP USR\"\n", "mercadopago.access_token"},
		{"bad api url", "mercadopago:\n  api_url: ftp://x\n", "mercadopago.api_url"},
		{"fast poll", "mercadopago:\n  poll_every: 1s\n", "mercadopago.poll_every"},
		{"short expiry", "mercadopago:\n  expire_after: 5m\n", "mercadopago.expire_after"},
		{"unknown mercadopago key", "mercadopago:\n  token: x\n", "mercadopago.token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), env(tok))
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if cerr.Key != tc.key || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want key %q on one line", err, tc.key)
			}
		})
	}
}

// The Mercado Pago token never shows in an error, from the file or the
// environment.
func TestMercadoPagoTokenNeverInErrors(t *testing.T) {
	secret := "APP_USR-SECRET VALUE"
	for _, e := range []map[string]string{{EnvToken: "1:a"}, {EnvToken: "1:a", EnvMercadoPagoToken: secret}} {
		yaml := "subscription:\n  plans: [{months: 1, price: \"20,00\"}]\n  provider: mercadopago\n"
		if e[EnvMercadoPagoToken] == "" {
			yaml += "mercadopago:\n  access_token: \"" + secret + "\"\n"
		}
		_, err := Parse([]byte(yaml), env(e))
		if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "SECRET") {
			t.Fatalf("err = %v", err)
		}
	}
}
