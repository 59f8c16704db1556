package store_test

import (
	"context"
	"testing"

	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/store"
	"renovabot/store/storetest"
	"renovabot/whatsapp"
)

// On PostgreSQL the WhatsApp device store (whatsmeow's tables) lives in
// the store's schema. Its tables are not the store's: a column of theirs
// named like an owner column (whatsmeow_sender_keys.chat_id, a group's
// JID as text) must not make a reseller's erasure or export fail, nor
// touch those rows (the device's own removal is the whatsapp package's).
func TestEraseAndExportBesideTheDeviceStore(t *testing.T) {
	testdb.PostgresOnly(t)
	ctx := context.Background()
	url := storetest.DatabaseURL(t)
	s := storetest.OpenIn(t, t.TempDir(), url, clock.NewFake(t0))
	if err := whatsapp.PrepareDeviceDatabase(ctx, url); err != nil {
		t.Fatal(err)
	}
	storetest.Seed(t, s, t0, 1, "ALFA", 900)
	storetest.Seed(t, s, t0, 2, "BRAVO", 900)
	db := storetest.DB(t, s)
	// A device's sender key, keyed by a chat_id that is text.
	for _, q := range []string{
		`INSERT INTO whatsmeow_device (jid, registration_id, noise_key, identity_key, signed_pre_key, signed_pre_key_id,
			signed_pre_key_sig, adv_key, adv_details, adv_account_sig, adv_account_sig_key, adv_device_sig)
			VALUES ('5511987650002:1@s.whatsapp.net', 1, decode(repeat('01', 32), 'hex'), decode(repeat('02', 32), 'hex'),
				decode(repeat('03', 32), 'hex'), 1, decode(repeat('04', 64), 'hex'), '\x05', '\x06',
				decode(repeat('07', 64), 'hex'), decode(repeat('08', 32), 'hex'), decode(repeat('09', 64), 'hex'))`,
		`INSERT INTO whatsmeow_sender_keys (our_jid, chat_id, sender_id, sender_key)
			VALUES ('5511987650002:1@s.whatsapp.net', '1', '5511987650002.0:1', '\x00')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	ex, err := s.Tenant(1).Export(ctx)
	if err != nil {
		t.Fatalf("export beside the device store: %v", err)
	}
	if _, ok := ex.Tables["whatsmeow_sender_keys"]; ok {
		t.Fatalf("the export holds a device store table: %v", ex.Tables["whatsmeow_sender_keys"])
	}
	if err := s.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatalf("erasure beside the device store: %v", err)
	}
	if _, err := s.AdminDeleteReseller(ctx, 900, 2); err != nil {
		t.Fatalf("admin delete beside the device store: %v", err)
	}
	if _, err := s.Tenant(1).Reminders().Account(ctx, store.BuiltinReminderDefaults()); err != store.ErrNotFound {
		t.Fatalf("reseller 1 after the erasure: %v", err)
	}
	var keys int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM whatsmeow_sender_keys`).Scan(&keys); err != nil || keys != 1 {
		t.Fatalf("device store rows after the erasure: %d, %v", keys, err)
	}
}
