package whatsapp_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"renovabot/clock"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

func newDryRun(t *testing.T, dir string, st *whatsapptest.Store) (*whatsapp.Manager, string) {
	t.Helper()
	logPath := filepath.Join(dir, "sent.jsonl")
	m, err := whatsapp.NewManager(whatsapp.Config{Driver: whatsapp.DriverDryRun, DataDir: dir, DryRunLog: logPath},
		whatsapp.Deps{Store: st, Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m, logPath
}

func pairDryRun(t *testing.T, m *whatsapp.Manager, chatID int64) string {
	t.Helper()
	ch, err := m.PairQR(tctx(t), chatID)
	if err != nil {
		t.Fatal(err)
	}
	var last whatsapp.PairEvent
	var kinds []whatsapp.PairEventKind
	for ev := range ch {
		kinds = append(kinds, ev.Kind)
		last = ev
	}
	if last.Kind != whatsapp.PairSuccess || len(kinds) != 2 || kinds[0] != whatsapp.PairQR {
		t.Fatalf("dry-run pairing stream = %v, last %+v", kinds, last)
	}
	return last.Phone
}

func TestDryRunPairAndSendLine(t *testing.T) {
	dir := t.TempDir()
	st := whatsapptest.NewStore()
	m, logPath := newDryRun(t, dir, st)
	phone := pairDryRun(t, m, 100)
	if phone != "5511900000100" || phone != whatsapp.DryRunPhone(100) {
		t.Fatalf("dry-run phone = %q", phone)
	}
	if s, _ := m.Status(tctx(t), 100); s.State != whatsapp.StateConnected || s.Phone != phone {
		t.Fatalf("status = %+v", s)
	}
	id, err := m.Send(tctx(t), 100, "5521987650001", `Olá <Ana> & "cia"`, whatsapp.SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"tenant":100,"to":"5521987650001","text":"Olá <Ana> & \"cia\"","id":"%s","at":"2026-03-10T12:00:00Z"}`+"\n", id)
	if string(b) != want {
		t.Fatalf("log line\n got %q\nwant %q", b, want)
	}

	// PairPhone: the code first, then success.
	ch, err := m.PairPhone(tctx(t), 300, "5511987653000")
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-ch; ev.Kind != whatsapp.PairCode || len(ev.Code) != 9 || ev.Code[4] != '-' {
		t.Fatalf("first = %+v", ev)
	}
	// It links as the number typed, not the one made up for QR codes.
	if ev := <-ch; ev.Kind != whatsapp.PairSuccess || ev.Phone != "5511987653000" {
		t.Fatalf("final = %+v", ev)
	}
	if st, err := m.Status(tctx(t), 300); err != nil || st.Phone != "5511987653000" || st.State != whatsapp.StateConnected {
		t.Fatalf("status after pairing by code = %+v, %v", st, err)
	}

	// A restart resumes the linked session from its files and records.
	m.Close()
	m2, _ := newDryRun(t, dir, st)
	if err := m2.StartLinked(tctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := m2.SendTest(tctx(t), 100, "teste"); err != nil {
		t.Fatalf("send after restart: %v", err)
	}
	lines := readLines(t, logPath)
	if len(lines) != 2 || lines[1]["to"] != phone || lines[1]["tenant"] != float64(100) {
		t.Fatalf("SendTest line = %v", lines)
	}
	if err := m2.Unlink(tctx(t), 100); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "whatsapp", "100.dryrun")); !os.IsNotExist(err) {
		t.Fatalf("dry-run device marker survived unlink: %v", err)
	}
}

func TestDryRunTenantsKeepTheirLines(t *testing.T) {
	dir := t.TempDir()
	m, logPath := newDryRun(t, dir, whatsapptest.NewStore())
	pairDryRun(t, m, 100)
	pairDryRun(t, m, 200)
	var wg sync.WaitGroup
	for i := range 25 {
		for _, chat := range []int64{100, 200} {
			wg.Go(func() {
				if _, err := m.Send(tctx(t), chat, fmt.Sprintf("55219876%05d", i), fmt.Sprintf("from %d #%d", chat, i), whatsapp.SendOptions{}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	lines := readLines(t, logPath)
	if len(lines) != 50 {
		t.Fatalf("%d lines, want 50", len(lines))
	}
	count := map[float64]int{}
	for _, l := range lines {
		tenant := l["tenant"].(float64)
		count[tenant]++
		if !strings.HasPrefix(l["text"].(string), fmt.Sprintf("from %d ", int64(tenant))) {
			t.Fatalf("line %v carries another tenant's message", l)
		}
	}
	if count[100] != 25 || count[200] != 25 {
		t.Fatalf("lines per tenant = %v", count)
	}
}

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", sc.Text(), err)
		}
		if len(l) != 5 {
			t.Fatalf("line has fields %v", l)
		}
		out = append(out, l)
	}
	return out
}
