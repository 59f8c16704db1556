package wake

import (
	"context"
	"sync"
	"testing"
	"time"
)

// A waiter sees every change, whether it happened before the wait started,
// while it was checking, or later from another goroutine.
func TestWaitSeesEveryChange(t *testing.T) {
	var (
		sig Signal
		mu  sync.Mutex
		n   int
	)
	count := func() int { mu.Lock(); defer mu.Unlock(); return n }
	mu.Lock()
	n = 1
	mu.Unlock()
	sig.Touch()
	if !sig.Until(time.Second, func() bool { return count() >= 1 }) {
		t.Fatal("a change made before the wait was not seen")
	}
	const writers = 50
	for range writers {
		go func() {
			mu.Lock()
			n++
			mu.Unlock()
			sig.Touch()
		}()
	}
	if err := sig.Wait(context.Background(), func() bool { return count() == writers+1 }); err != nil {
		t.Fatal(err)
	}
}

// A condition that never holds ends with the context's error (the bound),
// and Until reports false.
func TestWaitEndsWithTheBound(t *testing.T) {
	var sig Signal
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sig.Wait(ctx, func() bool { return false }); err != context.Canceled {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if sig.Until(time.Millisecond, func() bool { return false }) {
		t.Fatal("Until reported a condition that never held")
	}
}
