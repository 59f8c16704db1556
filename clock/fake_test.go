package clock

import (
	"context"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestFakeSleepWakesOnAdvance(t *testing.T) {
	f := NewFake(t0)
	done := make(chan error, 1)
	go func() { done <- f.Sleep(context.Background(), 5*time.Second) }()
	if err := f.WaitForSleepers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if d := f.SleepDurations(); len(d) != 1 || d[0] != 5*time.Second {
		t.Fatalf("durations = %v", d)
	}
	f.Advance(4 * time.Second)
	select {
	case <-done:
		t.Fatal("woke before its deadline")
	default:
	}
	f.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.Sleepers() != 0 || !f.Now().Equal(t0.Add(5*time.Second)) {
		t.Fatalf("sleepers %d now %v", f.Sleepers(), f.Now())
	}
}

func TestFakeSleepCancelled(t *testing.T) {
	f := NewFake(t0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Sleep(ctx, time.Hour) }()
	if err := f.WaitForSleepers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
	if f.Sleepers() != 0 {
		t.Fatal("cancelled sleeper still registered")
	}
}

func TestFakeAdvanceToNextSleeper(t *testing.T) {
	f := NewFake(t0)
	if f.AdvanceToNextSleeper() {
		t.Fatal("advanced with no sleepers")
	}
	done := make(chan struct{}, 2)
	for _, d := range []time.Duration{3 * time.Second, time.Second} {
		go func() { _ = f.Sleep(context.Background(), d); done <- struct{}{} }()
	}
	if err := f.WaitForSleepers(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	f.AdvanceToNextSleeper()
	<-done
	if !f.Now().Equal(t0.Add(time.Second)) || f.Sleepers() != 1 {
		t.Fatalf("now %v sleepers %d", f.Now(), f.Sleepers())
	}
	f.AdvanceToNextSleeper()
	<-done
}

func TestFakeAutoAdvance(t *testing.T) {
	f := NewFake(t0)
	f.SetAutoAdvance(true)
	if err := f.Sleep(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if !f.Now().Equal(t0.Add(time.Minute)) {
		t.Fatalf("now = %v", f.Now())
	}
}

func TestRealSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Real{}).Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("cancelled real sleep = %v", err)
	}
	if err := (Real{}).Sleep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}
