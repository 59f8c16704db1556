package billing

import (
	"math"
	"math/big"
)

// RoundDiv is n / d rounded to the nearest integer, halves away from zero:
// R$ 140,00 / 3 = R$ 46,67 and 62.5% = 63%. It is the one rounding rule for
// every average and percentage a user reads (strconv and integer division
// would round halves to even or truncate). d must not be 0.
func RoundDiv(n, d int64) int64 {
	q, r := n/d, n%d
	if r == 0 {
		return q
	}
	// |r| >= |d| - |r| is 2|r| >= |d| without overflowing.
	ar, ad := absU(r), absU(d)
	if ar >= ad-ar {
		if (n < 0) != (d < 0) {
			return q - 1
		}
		return q + 1
	}
	return q
}

// Percent is 100 * part / whole by RoundDiv, clamped to the int64 range
// (part is a sum of money or a count, so 100 * part may not fit). whole
// must not be 0.
func Percent(part, whole int64) int64 {
	if part > math.MinInt64/100 && part < math.MaxInt64/100 {
		return RoundDiv(100*part, whole)
	}
	n := new(big.Int).Mul(big.NewInt(part), big.NewInt(100))
	d := big.NewInt(whole)
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if r.Sign() != 0 && new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(new(big.Int).Abs(d)) >= 0 {
		q.Add(q, big.NewInt(int64(n.Sign()*d.Sign())))
	}
	switch {
	case q.IsInt64():
		return q.Int64()
	case q.Sign() > 0:
		return math.MaxInt64
	default:
		return math.MinInt64
	}
}

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}
