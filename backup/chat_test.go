package backup

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"renovabot/clock"
	"renovabot/store"
)

func export(t *testing.T, st *store.Store, chat int64) map[string][]map[string]any {
	t.Helper()
	e, err := st.Tenant(chat).Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e.Tables
}

// Issue 16 (restore -chat): reseller 1 erased since the backup comes back,
// rows and device file as they were, into the installation in use (bot
// stopped); reseller 2 is untouched. Refused: with the bot running, for a
// reseller that exists, and for one the backup lacks.
func TestRestoreOneReseller(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	dir, st := installation(t)
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := Create(ctx, dir, out, t0); err != nil {
		t.Fatal(err)
	}
	want, other := export(t, st, 1), export(t, st, 2)
	device, _ := os.ReadFile(filepath.Join(dir, "whatsapp", "1.db"))
	if err := st.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "whatsapp", "1.db"))

	// The bot (a Store) still has the database open.
	if _, err := RestoreChat(ctx, dir, out, 1, clk); err == nil || !strings.Contains(err.Error(), "stop renovabot first") {
		t.Fatalf("restore with the bot running: %v", err)
	}
	st.Close()
	res, err := RestoreChat(ctx, dir, out, 1, clk)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Devices, []string{"whatsapp/1.db"}) || res.Rows["clients"] != 1 || res.Rows["resellers"] != 1 {
		t.Fatalf("result = %+v", res)
	}
	if _, err := RestoreChat(ctx, dir, out, 1, clk); err == nil || !strings.Contains(err.Error(), "reseller 1 already exists") {
		t.Fatalf("second restore: %v", err)
	}
	if _, err := RestoreChat(ctx, dir, out, 3, clk); err == nil || !strings.Contains(err.Error(), "reseller 3 is not in this backup") {
		t.Fatalf("restore of an unknown reseller: %v", err)
	}
	again, err := store.Open(ctx, filepath.Join(dir, "bot.db"), clk)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got := export(t, again, 1); !reflect.DeepEqual(got, want) {
		t.Errorf("restored rows differ:\n got %v\nwant %v", got, want)
	}
	if got := export(t, again, 2); !reflect.DeepEqual(got, other) {
		t.Error("reseller 2's rows changed")
	}
	if got := deviceJID(t, filepath.Join(dir, "whatsapp", "1.db")); got != "5511900000001:3@s.whatsapp.net" {
		t.Errorf("restored device = %q (file had %d bytes before)", got, len(device))
	}
	if fi, err := os.Stat(filepath.Join(dir, "whatsapp", "1.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("device file: %v %v", fi, err)
	}
}
