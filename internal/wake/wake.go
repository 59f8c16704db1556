// Package wake lets a test kit wait for its state to reach a condition
// without sleeping: the kit touches a Signal after every change of that
// state, and a waiter re-checks its condition each time it is woken, until
// it holds or a failure bound passes.
//
// The fakes (Telegram, Mercado Pago, WhatsApp) and the test harnesses all
// wait this way; the bound is only there so a broken test fails instead of
// hanging, never to give the code under test time to run.
package wake

import (
	"context"
	"sync"
	"time"
)

// Signal wakes every waiter when the state it stands for changes. The zero
// value is ready to use. It has a lock of its own, taken last, so Touch may
// be called with or without the lock that guards the state.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// Changed returns the channel the next Touch closes, for a wait that
// selects on other things too (take it before checking the state).
func (s *Signal) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Touch wakes the waiters: call it after each change of the state.
func (s *Signal) Touch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
	}
	s.ch = make(chan struct{})
}

// Wait blocks until cond holds or ctx ends (then it returns ctx's error).
// cond takes whatever lock guards the state it reads. A change made before
// cond runs is seen by cond; one made after wakes the wait, because the
// channel it waits on is taken before cond runs.
func (s *Signal) Wait(ctx context.Context, cond func() bool) error {
	for {
		ch := s.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if cond() {
				return nil
			}
			return ctx.Err()
		}
	}
}

// Until is Wait with a failure bound instead of a context: it reports
// whether cond held before timeout passed.
func (s *Signal) Until(timeout time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.Wait(ctx, cond) == nil
}
