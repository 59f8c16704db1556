package store

import (
	"context"
	"errors"
	"testing"

	"renovabot/msgtemplate"
)

func TestTemplatesPerResellerCopies(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	list, err := a.Templates().List(ctx)
	if err != nil || len(list) != len(msgtemplate.Kinds) {
		t.Fatalf("A's templates = %d, %v", len(list), err)
	}
	for i, tp := range list {
		if tp.Kind != msgtemplate.Kinds[i] || !tp.Enabled || !tp.Default || tp.Body != msgtemplate.DefaultText(tp.Kind) {
			t.Fatalf("template %d = %+v", i, tp)
		}
	}
	if err := a.Templates().Save(ctx, msgtemplate.KindCharge, "Olá {nome}, pague {valor}"); err != nil {
		t.Fatal(err)
	}
	if err := a.Templates().SetEnabled(ctx, msgtemplate.KindWelcome, false); err != nil {
		t.Fatal(err)
	}
	got, _ := a.Templates().Get(ctx, msgtemplate.KindCharge)
	if got.Body != "Olá {nome}, pague {valor}" || got.Default {
		t.Fatalf("A's charge = %+v", got)
	}
	// B's copies are untouched: rows are never shared.
	bc, _ := b.Templates().Get(ctx, msgtemplate.KindCharge)
	bw, _ := b.Templates().Get(ctx, msgtemplate.KindWelcome)
	if !bc.Default || !bw.Enabled {
		t.Fatalf("A's edits reached B: %+v %+v", bc, bw)
	}
	if err := a.Templates().Restore(ctx, msgtemplate.KindCharge, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Templates().Get(ctx, msgtemplate.KindCharge); !got.Default {
		t.Fatalf("restore = %+v", got)
	}
	if _, err := a.Templates().Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown kind = %v", err)
	}
	if err := a.Templates().Save(ctx, "nope", "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("save unknown kind = %v", err)
	}
}

func TestCompanyPerReseller(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	if co, err := a.Company().Get(ctx); err != nil || co != (Company{}) {
		t.Fatalf("empty company = %+v, %v", co, err)
	}
	want := Company{Name: "Alfa", Phone: "5511911112222", PixKey: "alfa@exemplo.com", PixHolder: "Alfa Ltda", City: "Campinas", WelcomeAuto: true}
	if err := a.Company().Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Company().Get(ctx); got != want {
		t.Fatalf("A's company = %+v", got)
	}
	if got, _ := b.Company().Get(ctx); got != (Company{}) {
		t.Fatalf("B sees A's company: %+v", got)
	}
}

// MessageSources reads what Clients.Get, Templates.Current and
// Company.Get read, in one query, and only the tenant's.
func TestMessageSourcesAreTheThreeReadsInOne(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	c := newClient(t, a, "Ana", "5511987650001", d(2026, 12, 10))
	same := func(kind msgtemplate.Kind) {
		t.Helper()
		src, err := a.Clients().MessageSources(ctx, c.ID, kind)
		if err != nil {
			t.Fatal(err)
		}
		cl, _ := a.Clients().Get(ctx, c.ID)
		tpl, _ := a.Templates().Current(ctx, kind)
		co, _ := a.Company().Get(ctx)
		if src.Client != cl || src.Template != tpl || src.Company != co {
			t.Fatalf("%s: sources %+v\nwant %+v %+v %+v", kind, src, cl, tpl, co)
		}
	}
	// Nothing saved: the default text, enabled, and no company data.
	same(msgtemplate.KindBeforeDue)
	if err := a.Templates().Save(ctx, msgtemplate.KindBeforeDue, "Oi {nome}"); err != nil {
		t.Fatal(err)
	}
	if err := a.Templates().SetEnabled(ctx, msgtemplate.KindCharge, false); err != nil {
		t.Fatal(err)
	}
	if err := a.Company().Save(ctx, Company{Name: "Alfa", PixKey: "alfa@exemplo.com", City: "Campinas", WelcomeAuto: true}); err != nil {
		t.Fatal(err)
	}
	same(msgtemplate.KindBeforeDue)
	same(msgtemplate.KindCharge)
	if src, _ := a.Clients().MessageSources(ctx, c.ID, msgtemplate.KindCharge); src.Template.Enabled || src.Company.Name != "Alfa" {
		t.Fatalf("saved sources = %+v", src)
	}
	// Another tenant's client is not found, and B's own read shows none of
	// A's texts or company.
	if _, err := b.Clients().MessageSources(ctx, c.ID, msgtemplate.KindBeforeDue); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B read A's client: %v", err)
	}
	cb := newClient(t, b, "Bia", "5511987650002", d(2026, 12, 10))
	if src, err := b.Clients().MessageSources(ctx, cb.ID, msgtemplate.KindBeforeDue); err != nil || !src.Template.Default || src.Company != (Company{}) {
		t.Fatalf("B's sources = %+v, %v", src, err)
	}
}
