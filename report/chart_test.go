package report

import (
	"bytes"
	"image/png"
	"os"
	"testing"
	"time"

	"renovabot/billing"
)

func sampleMonths() []MonthAmount {
	var out []MonthAmount
	m := billing.Date{Year: 2025, Month: time.December, Day: 1}
	for i := range 12 {
		out = append(out, MonthAmount{Month: m, Expected: int64(100000 + i*15000), Received: int64(80000 + i*14000)})
		m = billing.AddMonthsAnchored(m, 1, 1)
	}
	return out
}

func decode(t testing.TB, b []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got.X != Width || got.Y != Height {
		t.Fatalf("size = %v, want %dx%d", got, Width, Height)
	}
}

func TestRevenueChart(t *testing.T) {
	b, err := RevenueChart(sampleMonths())
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b)
	if dir := os.Getenv("REPORT_CHART_DIR"); dir != "" {
		_ = os.WriteFile(dir+"/revenue.png", b, 0o644)
	}
	// All zeros (a new reseller) still draws.
	zero := sampleMonths()
	for i := range zero {
		zero[i].Expected, zero[i].Received = 0, 0
	}
	b, err = RevenueChart(zero)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b)
	if _, err := RevenueChart(nil); err == nil {
		t.Fatal("empty chart accepted")
	}
}

func TestStatusChart(t *testing.T) {
	b, err := StatusChart([]StatusCount{
		{billing.StatusOverdue, 4}, {billing.StatusDueToday, 1}, {billing.StatusDueSoon, 3},
		{billing.StatusOK, 40}, {billing.StatusPaused, 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b)
	if dir := os.Getenv("REPORT_CHART_DIR"); dir != "" {
		_ = os.WriteFile(dir+"/status.png", b, 0o644)
	}
	b, err = StatusChart([]StatusCount{{billing.StatusOK, 0}})
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b)
}

func TestMoneyTicks(t *testing.T) {
	ticks := moneyTicks(2345)
	if ticks[0].Label != "R$ 0" || ticks[len(ticks)-1].Value < 2345 || len(ticks) > 7 {
		t.Fatalf("ticks = %+v", ticks)
	}
	if ticks[1].Label != "R$ 500" {
		t.Fatalf("step label = %q", ticks[1].Label)
	}
}

func BenchmarkRevenueChart(b *testing.B) {
	months := sampleMonths()
	for b.Loop() {
		if _, err := RevenueChart(months); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStatusChart(b *testing.B) {
	counts := []StatusCount{{billing.StatusOverdue, 4}, {billing.StatusDueToday, 1}, {billing.StatusDueSoon, 3}, {billing.StatusOK, 40}, {billing.StatusPaused, 2}}
	for b.Loop() {
		if _, err := StatusChart(counts); err != nil {
			b.Fatal(err)
		}
	}
}
