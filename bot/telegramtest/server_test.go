package telegramtest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func poll(ctx context.Context, s *Server, timeout string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/bot"+s.Token()+"/getUpdates",
		strings.NewReader("timeout="+timeout))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// Two long polls at once are recorded; polls one after the other, and a
// poll after the client of the previous one went away, are not.
func TestPollOverlapsRecordsConcurrentGetUpdates(t *testing.T) {
	s := NewServer()
	defer s.Close()
	if err := poll(context.Background(), s, "0"); err != nil {
		t.Fatal(err)
	}
	if err := poll(context.Background(), s, "0"); err != nil {
		t.Fatal(err)
	}
	if o := s.PollOverlaps(); len(o) != 0 {
		t.Fatalf("sequential polls recorded as overlapping: %v", o)
	}

	// A client that goes away mid-poll: its request ends on the server.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- poll(ctx, s, "30") }()
	if !s.Until(5*time.Second, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.polls == 1 }) {
		t.Fatal("the long poll never arrived")
	}
	cancel()
	<-done
	if !s.Until(5*time.Second, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.polls == 0 }) {
		t.Fatal("the abandoned poll stayed under way")
	}
	if err := poll(context.Background(), s, "0"); err != nil {
		t.Fatal(err)
	}
	if o := s.PollOverlaps(); len(o) != 0 {
		t.Fatalf("a poll after an abandoned one recorded as overlapping: %v", o)
	}

	// Two pollers at once.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- poll(ctx, s, "30") }()
	if !s.Until(5*time.Second, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.polls == 1 }) {
		t.Fatal("the long poll never arrived")
	}
	if err := poll(context.Background(), s, "0"); err != nil {
		t.Fatal(err)
	}
	if o := s.PollOverlaps(); len(o) != 1 || !strings.Contains(o[0], "while 1 other(s) under way") {
		t.Fatalf("overlaps %v, want the second poller's", o)
	}
}
