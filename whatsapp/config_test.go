package whatsapp_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

func TestNewManagerConfig(t *testing.T) {
	st := whatsapptest.NewStore()
	for name, cfg := range map[string]whatsapp.Config{
		"gap inverted":   {DataDir: t.TempDir(), MinGap: 20 * time.Second, MaxGap: 8 * time.Second},
		"unknown driver": {DataDir: t.TempDir(), Driver: "baileys"},
		"negative cap":   {DataDir: t.TempDir(), DailyCap: -1},
		"no data dir":    {},
	} {
		if _, err := whatsapp.NewManager(cfg, whatsapp.Deps{Store: st}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := whatsapp.NewManager(whatsapp.Config{DataDir: t.TempDir()}, whatsapp.Deps{}); err == nil {
		t.Error("accepted a nil store")
	}
	// The default driver is the real one, with its device directory.
	dir := t.TempDir()
	m, err := whatsapp.NewManager(whatsapp.Config{DataDir: dir}, whatsapp.Deps{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if fi, err := os.Stat(filepath.Join(dir, "whatsapp")); err != nil || !fi.IsDir() {
		t.Fatalf("device directory: %v", err)
	}
	d := whatsapp.DefaultConfig()
	if d.MinGap != 8*time.Second || d.MaxGap != 20*time.Second || d.DailyCap <= 0 || d.TypingFor <= 0 || d.Driver != whatsapp.DriverWhatsmeow {
		t.Fatalf("defaults are not the careful ones: %+v", d)
	}
}
