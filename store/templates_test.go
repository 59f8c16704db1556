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
