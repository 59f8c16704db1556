package subscription_test

import (
	"context"
	"testing"
)

// BenchmarkPoll100Pending is one pass of the poller over 100 pending
// Mercado Pago payments (none paid yet, so nothing changes): the database
// query, and per payment the reseller's lock and one GET to the fake API
// on the loopback. It bounds the poller's own cost per poll_every.
func BenchmarkPoll100Pending(b *testing.B) {
	e := newEnv(b)
	for range 100 {
		e.start(plans[0])
	}
	ctx := context.Background()
	for b.Loop() {
		if err := e.svc.Poll(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
