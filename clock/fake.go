package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Fake is a Clock that only moves when told to. Sleepers wake when Advance or
// Set moves the time past their deadline. WaitForSleepers lets a test wait,
// without sleeping, until the code under test is blocked on the clock.
type Fake struct {
	mu       sync.Mutex
	now      time.Time
	sleepers []*sleeper
	changed  chan struct{} // closed and replaced whenever sleepers change
	auto     bool
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

// NewFake returns a Fake clock set to t.
func NewFake(t time.Time) *Fake {
	return &Fake{now: t, changed: make(chan struct{})}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// SetAutoAdvance makes Sleep move the time forward by the slept duration
// and return at once. End-to-end tests use it to run on a fixed calendar
// day while rate limiters and backoffs still "wait".
func (f *Fake) SetAutoAdvance(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auto = on
}

// Sleep blocks until the fake time reaches now+d or ctx is done.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	f.mu.Lock()
	if f.auto {
		f.setLocked(f.now.Add(d))
		f.mu.Unlock()
		return ctx.Err()
	}
	s := &sleeper{until: f.now.Add(d), wake: make(chan struct{})}
	f.sleepers = append(f.sleepers, s)
	f.notifyLocked()
	f.mu.Unlock()

	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		f.mu.Lock()
		f.removeLocked(s)
		f.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the time forward by d and wakes every sleeper whose deadline
// has been reached.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.setLocked(f.now.Add(d))
	f.mu.Unlock()
}

// Set moves the time to t (forward or backward) and wakes due sleepers.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.setLocked(t)
	f.mu.Unlock()
}

// AdvanceToNextSleeper moves the time to the earliest sleeper's deadline and
// wakes it. It reports false when nobody sleeps.
func (f *Fake) AdvanceToNextSleeper() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sleepers) == 0 {
		return false
	}
	next := f.sleepers[0].until
	for _, s := range f.sleepers[1:] {
		if s.until.Before(next) {
			next = s.until
		}
	}
	if next.After(f.now) {
		f.setLocked(next)
	} else {
		f.setLocked(f.now)
	}
	return true
}

// Sleepers returns how many goroutines are blocked in Sleep.
func (f *Fake) Sleepers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sleepers)
}

// SleepDurations returns, sorted, how long each current sleeper still has to wait.
func (f *Fake) SleepDurations() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Duration, 0, len(f.sleepers))
	for _, s := range f.sleepers {
		out = append(out, s.until.Sub(f.now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// WaitForSleepers blocks until at least n goroutines are sleeping on the
// clock, or ctx is done.
func (f *Fake) WaitForSleepers(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		if len(f.sleepers) >= n {
			f.mu.Unlock()
			return nil
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (f *Fake) setLocked(t time.Time) {
	f.now = t
	kept := f.sleepers[:0]
	woke := false
	for _, s := range f.sleepers {
		if !s.until.After(t) {
			close(s.wake)
			woke = true
			continue
		}
		kept = append(kept, s)
	}
	// Clear the tail so woken sleepers can be collected.
	for i := len(kept); i < len(f.sleepers); i++ {
		f.sleepers[i] = nil
	}
	f.sleepers = kept
	if woke {
		f.notifyLocked()
	}
}

func (f *Fake) removeLocked(s *sleeper) {
	for i, x := range f.sleepers {
		if x == s {
			f.sleepers = append(f.sleepers[:i], f.sleepers[i+1:]...)
			f.notifyLocked()
			return
		}
	}
}

func (f *Fake) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}
