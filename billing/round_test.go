package billing

import (
	"math"
	"testing"
)

func TestRoundDivRoundsHalvesAwayFromZero(t *testing.T) {
	for _, tc := range []struct{ n, d, want int64 }{
		{14000, 3, 4667}, // R$ 140,00 / 3 = R$ 46,67 (truncation said 46,66)
		{14002, 4, 3501}, // 3500.5: up, not to the even 3500
		{14001, 4, 3500},
		{49000, 6, 8167},
		{625, 10, 63}, // 62.5 -> 63, not the even 62
		{-625, 10, -63},
		{625, -10, -63},
		{-14000, -3, 4667},
		{0, 7, 0},
		{7, 7, 1},
		{math.MaxInt64, 2, math.MaxInt64/2 + 1},
		{math.MinInt64, 1, math.MinInt64},
		{math.MaxInt64, math.MaxInt64, 1},
	} {
		if got := RoundDiv(tc.n, tc.d); got != tc.want {
			t.Errorf("RoundDiv(%d, %d) = %d, want %d", tc.n, tc.d, got, tc.want)
		}
	}
}

func TestPercent(t *testing.T) {
	for _, tc := range []struct{ part, whole, want int64 }{
		{5, 8, 63}, // 62.5%
		{3, 8, 38}, // 37.5%
		{2, 3, 67},
		{1, 3, 33},
		{4, 5, 80},
		{3000, 20000, 15},
		{-23000, 46000, -50},
		{-1, 8, -13},                      // -12.5%: away from zero, as the positive side
		{math.MaxInt64, 1, math.MaxInt64}, // clamped, never overflows
		{math.MinInt64, 1, math.MinInt64},
		{math.MaxInt64, math.MaxInt64 / 2, 200},
	} {
		if got := Percent(tc.part, tc.whole); got != tc.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", tc.part, tc.whole, got, tc.want)
		}
	}
}
