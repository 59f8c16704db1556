package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"renovabot/internal/testdb"
)

// serverCounts is a tenant's server list as name -> clients.
func serverCounts(t *testing.T, tn Tenant) map[string]int {
	t.Helper()
	list, err := tn.Servers().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, v := range list {
		out[v.Name] = v.Clients
	}
	return out
}

func clientWithServer(t *testing.T, tn Tenant, name, phone, server string) Client {
	t.Helper()
	c, err := tn.Clients().Create(context.Background(), NewClient{
		Name: name, Phone: phone, PlanID: planNamed(t, tn, "Mensal").ID, Price: 3590, Due: d(2026, 12, 1), Server: server,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue 13, item 7: a server name a client uses is one of the reseller's
// servers, created on its first use, matched ignoring case and accents,
// whether the client is created, edited or imported; another reseller's
// names are theirs alone.
func TestServerNamesOfClientsAreServers(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)

	ana := clientWithServer(t, a, "Ana", "5511987650001", "Alfa")
	bia := clientWithServer(t, a, "Bia", "5511987650002", "  ALFA ")
	if ana.Server != "Alfa" || bia.Server != "Alfa" {
		t.Fatalf("servers stored as %q and %q, want the server's spelling", ana.Server, bia.Server)
	}
	clientWithServer(t, a, "Caio", "5511987650003", "Servidor São Paulo")
	caio2 := clientWithServer(t, a, "Caio 2", "5511987650004", "servidor sao  paulo")
	if caio2.Server != "Servidor São Paulo" {
		t.Fatalf("accent-insensitive match stored %q", caio2.Server)
	}
	clientWithServer(t, a, "Sem", "5511987650005", "")

	// An edit to a new name creates it; to a known one, in any case, uses it.
	beta := "Beta"
	if _, err := a.Clients().Update(ctx, ana.ID, ClientPatch{Server: &beta}); err != nil {
		t.Fatal(err)
	}
	known := "servidor SÃO paulo"
	if c, err := a.Clients().Update(ctx, bia.ID, ClientPatch{Server: &known}); err != nil || c.Server != "Servidor São Paulo" {
		t.Fatalf("edit to a known server = %q, %v", c.Server, err)
	}

	// An import creates each new name once, spelled as its first row.
	res, err := a.Clients().Import(ctx, []NewClient{
		{Name: "Dani", Phone: "5511987650006", PlanID: planNamed(t, a, "Mensal").ID, Price: 1000, Due: d(2026, 12, 5), Server: "ServidorX"},
		{Name: "Edu", Phone: "5511987650007", PlanID: planNamed(t, a, "Mensal").ID, Price: 1000, Due: d(2026, 12, 5), Server: "servidorx"},
	})
	if err != nil || res.Created != 2 {
		t.Fatalf("import = %+v, %v", res, err)
	}

	want := map[string]int{"Alfa": 0, "Beta": 1, "Servidor São Paulo": 3, "ServidorX": 2}
	if got := serverCounts(t, a); !reflect.DeepEqual(got, want) {
		t.Fatalf("A's servers = %v, want %v", got, want)
	}
	// B's clients reach B's servers only, and A's list does not move.
	if c := clientWithServer(t, b, "Zé", "5511987650008", "alfa"); c.Server != "alfa" {
		t.Fatalf("B's client took A's spelling: %q", c.Server)
	}
	if got := serverCounts(t, b); !reflect.DeepEqual(got, map[string]int{"alfa": 1}) {
		t.Fatalf("B's servers = %v", got)
	}
	if got := serverCounts(t, a); !reflect.DeepEqual(got, want) {
		t.Fatalf("B's client changed A's servers: %v", got)
	}
	if v, err := a.Servers().FindByName(ctx, "SERVIDORX"); err != nil || v.Name != "ServidorX" {
		t.Fatalf("FindByName = %+v, %v", v, err)
	}
}

// An installation from before: clients carry server names no server row
// has, some written in another case or without accents. Migration 0013
// creates the servers (spelled as the first client wrote them, keyed by
// billing.Fold, so the program finds them later) and gives every client
// the server's spelling.
func TestSQLiteMigrationCreatesTheServersClientsUse(t *testing.T) {
	testdb.SQLiteOnly(t, "migration 0013 fixed rows of SQLite installations older than PostgreSQL support; its PostgreSQL twin has none to fix")
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	if _, err := b.Servers().Add(ctx, "gama"); err != nil {
		t.Fatal(err)
	}
	names := map[int64]string{}
	for i, sv := range []struct {
		tn     Tenant
		server string
	}{
		{a, "Ação"}, {a, "ACAO"}, {a, "ação "}, {a, "Beta"}, {a, ""}, {b, "Gama"}, {b, "Ação"},
	} {
		c := clientWithServer(t, sv.tn, "C", fmt.Sprintf("551198765%04d", 100+i), "")
		names[c.ID] = sv.server
	}
	// Back to the state before 0013: no server rows but B's own, the
	// names as typed, the migration not applied.
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.write.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`DELETE FROM servers WHERE name <> 'gama'`)
	for id, server := range names {
		exec(`UPDATE clients SET server = ? WHERE id = ?`, server, id)
	}
	exec(`DELETE FROM schema_migrations WHERE version = 13`)
	if err := s.migrate(ctx); err != nil {
		t.Fatal(err)
	}

	if got := serverCounts(t, a); !reflect.DeepEqual(got, map[string]int{"Ação": 3, "Beta": 1}) {
		t.Fatalf("A's servers after the migration = %v", got)
	}
	if got := serverCounts(t, b); !reflect.DeepEqual(got, map[string]int{"gama": 1, "Ação": 1}) {
		t.Fatalf("B's servers after the migration = %v", got)
	}
	// The keys are billing.Fold's: the program matches a later typing.
	if v, err := a.Servers().FindByName(ctx, "acão"); err != nil || v.Name != "Ação" {
		t.Fatalf("FindByName after the migration = %+v, %v", v, err)
	}
	if c := clientWithServer(t, a, "Nova", "5511987650099", "AÇÃO"); c.Server != "Ação" {
		t.Fatalf("new client after the migration stored %q", c.Server)
	}
	if got := serverCounts(t, a); len(got) != 2 {
		t.Fatalf("a later client duplicated a migrated server: %v", got)
	}
}

// A reseller's server names are found by their own name lookups only.
func TestFindServerByNameIsTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	clientWithServer(t, a, "Ana", "5511987650001", "Servidor São Paulo")
	if v, err := a.Servers().FindByName(ctx, "SERVIDOR SAO PAULO"); err != nil || v.Name != "Servidor São Paulo" {
		t.Fatalf("A FindByName = %+v, %v", v, err)
	}
	if _, err := b.Servers().FindByName(ctx, "Servidor São Paulo"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B found A's server: %v", err)
	}
}
