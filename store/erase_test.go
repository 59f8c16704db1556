package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/store"
	"renovabot/store/storetest"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func open(t *testing.T) *store.Store {
	t.Helper()
	return storetest.Open(t, clock.NewFake(t0))
}

// processWide are the tables that belong to the program, not to a
// reseller. Any other table must hold per-reseller rows. erased_chats
// outlives the reseller on purpose and has no owner column (erased.go).
var processWide = map[string]bool{"schema_migrations": true, "scheduler_state": true, "erased_chats": true, "installation_keys": true}

// Every table that holds per-reseller rows must be reached by the seed, or
// the erasure test below would pass without proving anything for it.
func TestSeedCoversEveryResellerTable(t *testing.T) {
	s := open(t)
	storetest.Seed(t, s, t0, 1, "ALFA", 900)
	got := storetest.Rows(t, s, 1)
	for _, table := range storetest.Tables(t, s) {
		if processWide[table] {
			continue
		}
		if got[table] == 0 {
			t.Errorf("seed left table %s without a row of the reseller (new table? extend storetest.Seed)", table)
		}
	}
}

func TestEraseLeavesNoRowAnywhereAndSparesOthers(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	storetest.Seed(t, s, t0, 1, "ALFA", 900)
	storetest.Seed(t, s, t0, 2, "BRAVO", 900)
	// An audit row where A is the admin acting on B.
	if _, _, err := s.AdminSetAccess(ctx, store.AccessChange{Admin: 1, Target: 2, Access: store.Access{Status: store.StatusActive},
		Action: store.AuditExtend}); err != nil {
		t.Fatal(err)
	}
	before := storetest.Rows(t, s, 2)

	if err := s.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if left := storetest.Rows(t, s, 1); len(left) != 0 {
		t.Fatalf("rows of the erased reseller left: %v", left)
	}
	after := storetest.Rows(t, s, 2)
	if len(after) != len(before) {
		t.Fatalf("other reseller's rows changed: %v -> %v", before, after)
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("other reseller's %s: %d -> %d", k, v, after[k])
		}
	}
	// The audit keeps what was done, without who it was about (each seed
	// wrote an extension and a payment's approval).
	log, _ := s.AdminAudit(ctx, 10)
	var blanked int
	for _, e := range log {
		if e.TargetID == 0 && e.TargetName == "" && e.Detail == "" &&
			(e.Action == store.AuditExtend || e.Action == store.AuditSubscriptionApprove) {
			blanked++
		}
		if e.AdminID == 1 {
			t.Errorf("audit still names the erased admin: %+v", e)
		}
	}
	if blanked != 2 || len(log) != 5 {
		t.Fatalf("audit after erase = %+v", log)
	}
	// Erasing again, or an unknown chat, is harmless.
	if err := s.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Tenant(3).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAdminDeleteKeepsOnlyTheDeletionRecord(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	storetest.Seed(t, s, t0, 1, "ALFA", 900)
	storetest.Seed(t, s, t0, 2, "BRAVO", 900)
	gone, err := s.AdminDeleteReseller(ctx, 900, 1)
	if err != nil || gone.Name != "Revenda ALFA" {
		t.Fatalf("delete = %+v, %v", gone, err)
	}
	left := storetest.Rows(t, s, 1)
	if len(left) != 1 || left["admin_audit"] != 1 {
		t.Fatalf("rows left after admin delete: %v", left)
	}
	log, _ := s.AdminAudit(ctx, 1)
	if len(log) != 1 || log[0].Action != store.AuditDelete || log[0].TargetID != 1 || log[0].TargetName != "Revenda ALFA" || log[0].AdminID != 900 {
		t.Fatalf("deletion record = %+v", log)
	}
	if _, err := s.AdminDeleteReseller(ctx, 900, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice = %v", err)
	}
	if n := storetest.Rows(t, s, 2); n["clients"] != 1 || n["resellers"] != 1 {
		t.Fatalf("other reseller touched: %v", n)
	}
}

func TestExportHasAllOwnRowsAndNoOthers(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	storetest.Seed(t, s, t0, 1, "ALFA", 900)
	storetest.Seed(t, s, t0, 2, "BRAVO", 900)
	ex, err := s.Tenant(1).Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	if strings.Contains(doc, "BRAVO") || strings.Contains(doc, `"chat_id":2,`) {
		t.Fatalf("export of A contains B's data: %s", doc)
	}
	// Every table A has rows in is in the document with as many rows.
	for table, n := range storetest.Rows(t, s, 1) {
		if table == "admin_audit" {
			if len(ex.AdminActions) != n {
				t.Errorf("admin actions = %d, want %d", len(ex.AdminActions), n)
			}
			continue
		}
		if len(ex.Tables[table]) != n {
			t.Errorf("export %s has %d rows, want %d", table, len(ex.Tables[table]), n)
		}
	}
	for _, want := range []string{"Cliente ALFA", "nota ALFA", "Plano ALFA", "Servidor ALFA", "mensagem ALFA", "lembrete ALFA",
		"Empresa ALFA", "conversa ALFA", "Revenda ALFA", "seed ALFA"} {
		if !strings.Contains(doc, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	// Times are readable instants; nothing from the admin's side.
	if ex.Tables["resellers"][0]["created_at"] != "2026-11-28T12:00:00Z" {
		t.Errorf("created_at = %v", ex.Tables["resellers"][0]["created_at"])
	}
	if strings.Contains(doc, "admin_chat_id") || strings.Contains(doc, ":900") {
		t.Errorf("export names the admin: %s", doc)
	}
	// An unknown chat exports nothing.
	ex3, err := s.Tenant(3).Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, rows := range ex3.Tables {
		if len(rows) != 0 {
			t.Errorf("unknown chat exported %s: %v", table, rows)
		}
	}
}
