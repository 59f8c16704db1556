// Package report holds the pure parts of the reports: periods and the
// charts, rendered as PNG for Telegram. Numbers come from the store; the
// text of the reports is the bot's.
package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"renovabot/billing"
)

// Chart size: wide enough to read twelve month labels on a phone, small
// enough to upload fast.
const (
	Width  = 960
	Height = 600
)

var (
	colorReceived = drawing.Color{R: 0x25, G: 0xa6, B: 0x5a, A: 0xff}
	colorExpected = drawing.Color{R: 0x3b, G: 0x6f, B: 0xd8, A: 0xff}
	colorAxis     = drawing.Color{R: 0x44, G: 0x44, B: 0x44, A: 0xff}
	colorGrid     = drawing.Color{R: 0xe3, G: 0xe3, B: 0xe3, A: 0xff}
)

var (
	fontOnce sync.Once
	font     *truetype.Font
	fontErr  error
)

// chartFont parses go-chart's embedded Roboto once; it covers the accents
// of Portuguese labels.
func chartFont() (*truetype.Font, error) {
	fontOnce.Do(func() { font, fontErr = chart.GetDefaultFont() })
	return font, fontErr
}

// MonthAmount is one month of the revenue chart.
type MonthAmount struct {
	Month    billing.Date // the 1st of the month
	Expected int64        // centavos
	Received int64        // centavos
}

// monthLabel is "jan/26".
func monthLabel(d billing.Date) string {
	return billing.MonthNameBR(d.Month)[:3] + fmt.Sprintf("/%02d", d.Year%100)
}

// RevenueChart draws received (filled area) against expected (line) per
// month.
func RevenueChart(months []MonthAmount) ([]byte, error) {
	if len(months) == 0 {
		return nil, fmt.Errorf("report: no months to draw")
	}
	f, err := chartFont()
	if err != nil {
		return nil, err
	}
	xs := make([]float64, len(months))
	exp := make([]float64, len(months))
	rec := make([]float64, len(months))
	ticks := make([]chart.Tick, len(months))
	top := 0.0
	for i, m := range months {
		xs[i] = float64(i)
		exp[i] = float64(m.Expected) / 100
		rec[i] = float64(m.Received) / 100
		ticks[i] = chart.Tick{Value: float64(i), Label: monthLabel(m.Month)}
		top = math.Max(top, math.Max(exp[i], rec[i]))
	}
	yTicks := moneyTicks(top)
	graph := chart.Chart{
		Width: Width, Height: Height, Font: f,
		Background: chart.Style{Padding: chart.Box{Top: 110, Left: 20, Right: 30, Bottom: 20}},
		Title:      "Recebido x esperado por mês",
		TitleStyle: chart.Style{FontSize: 18, FontColor: colorAxis},
		XAxis: chart.XAxis{
			Ticks: ticks,
			Style: chart.Style{FontSize: 12, FontColor: colorAxis, StrokeColor: colorAxis},
			Range: &chart.ContinuousRange{Min: -0.3, Max: float64(len(months)-1) + 0.3},
		},
		YAxis: chart.YAxis{
			Ticks:          yTicks,
			Range:          &chart.ContinuousRange{Min: 0, Max: yTicks[len(yTicks)-1].Value},
			Style:          chart.Style{FontSize: 12, FontColor: colorAxis, StrokeColor: colorAxis},
			GridMajorStyle: chart.Style{StrokeColor: colorGrid, StrokeWidth: 1},
			GridLines:      gridLines(yTicks),
		},
		Series: []chart.Series{
			chart.ContinuousSeries{
				Name: "Recebido", XValues: xs, YValues: rec,
				Style: chart.Style{StrokeColor: colorReceived, StrokeWidth: 3, FillColor: colorReceived.WithAlpha(70),
					DotColor: colorReceived, DotWidth: 4},
			},
			chart.ContinuousSeries{
				Name: "Esperado", XValues: xs, YValues: exp,
				Style: chart.Style{StrokeColor: colorExpected, StrokeWidth: 3, StrokeDashArray: []float64{8, 6},
					DotColor: colorExpected, DotWidth: 4},
			},
		},
	}
	graph.Elements = []chart.Renderable{chart.LegendThin(&graph, chart.Style{FontSize: 12})}
	var buf bytes.Buffer
	if err := graph.Render(chart.PNG, &buf); err != nil {
		return nil, fmt.Errorf("report: revenue chart: %w", err)
	}
	return buf.Bytes(), nil
}

// moneyTicks chooses round reais for the Y axis: 5 steps up to a round
// top, labelled "R$ 1.500".
func moneyTicks(top float64) []chart.Tick {
	if top <= 0 {
		top = 100
	}
	raw := top / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []chart.Tick
	for v := 0.0; v <= top+step*0.999; v += step {
		ticks = append(ticks, chart.Tick{Value: v, Label: shortMoney(v)})
	}
	return ticks
}

// shortMoney renders whole reais ("R$ 1.500"), cents only when needed.
func shortMoney(reais float64) string {
	s := billing.FormatMoney(int64(math.Round(reais * 100)))
	return strings.TrimSuffix(s, ",00")
}

func gridLines(ticks []chart.Tick) []chart.GridLine {
	out := make([]chart.GridLine, 0, len(ticks))
	for _, t := range ticks[1:] {
		out = append(out, chart.GridLine{Value: t.Value})
	}
	return out
}

// StatusCount is one bar of the clients-by-status chart.
type StatusCount struct {
	Status billing.Status
	Count  int
}

// statusShort are bar labels short enough not to wrap under a bar.
var statusShort = map[billing.Status]string{
	billing.StatusOverdue:  "Vencidos",
	billing.StatusDueToday: "Vencem hoje",
	billing.StatusDueSoon:  "Até 3 dias",
	billing.StatusOK:       "Em dia",
	billing.StatusPaused:   "Pausados",
}

var statusColors = map[billing.Status]drawing.Color{
	billing.StatusOverdue:  {R: 0xe5, G: 0x39, B: 0x35, A: 0xff},
	billing.StatusDueToday: {R: 0xfb, G: 0x8c, B: 0x00, A: 0xff},
	billing.StatusDueSoon:  {R: 0xf9, G: 0xc7, B: 0x00, A: 0xff},
	billing.StatusOK:       {R: 0x43, G: 0xa0, B: 0x47, A: 0xff},
	billing.StatusPaused:   {R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff},
}

// StatusChart draws one bar per status, in the colors of the icons.
func StatusChart(counts []StatusCount) ([]byte, error) {
	if len(counts) == 0 {
		return nil, fmt.Errorf("report: no statuses to draw")
	}
	f, err := chartFont()
	if err != nil {
		return nil, err
	}
	bars := make([]chart.Value, 0, len(counts))
	top := 0
	for _, c := range counts {
		col := statusColors[c.Status]
		bars = append(bars, chart.Value{
			Value: float64(c.Count),
			Label: fmt.Sprintf("%s (%d)", statusShort[c.Status], c.Count),
			Style: chart.Style{FillColor: col, StrokeColor: col, StrokeWidth: 1},
		})
		top = max(top, c.Count)
	}
	yTicks := countTicks(top)
	graph := chart.BarChart{
		Width: Width, Height: Height, Font: f,
		Title:      "Clientes por situação",
		TitleStyle: chart.Style{FontSize: 18, FontColor: colorAxis},
		Background: chart.Style{Padding: chart.Box{Top: 60, Left: 20, Right: 20, Bottom: 20}},
		BarWidth:   110,
		BarSpacing: 60,
		XAxis:      chart.Style{FontSize: 12, FontColor: colorAxis, StrokeColor: colorAxis},
		YAxis: chart.YAxis{
			Range: &chart.ContinuousRange{Min: 0, Max: yTicks[len(yTicks)-1].Value},
			Ticks: yTicks,
			Style: chart.Style{FontSize: 12, FontColor: colorAxis, StrokeColor: colorAxis},
		},
		Bars: bars,
	}
	var buf bytes.Buffer
	if err := graph.Render(chart.PNG, &buf); err != nil {
		return nil, fmt.Errorf("report: status chart: %w", err)
	}
	return buf.Bytes(), nil
}

// countTicks are whole-number ticks, about five, up to at least top.
func countTicks(top int) []chart.Tick {
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000} {
		step = s
		if top/s <= 5 {
			break
		}
	}
	var ticks []chart.Tick
	for v := 0; ; v += step {
		ticks = append(ticks, chart.Tick{Value: float64(v), Label: fmt.Sprint(v)})
		if v >= top && v > 0 {
			break
		}
	}
	return ticks
}
