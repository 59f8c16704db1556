package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"renovabot/clock"
)

// The dry-run driver's inbox: a JSON-lines file the operator (or a test)
// appends to while the program runs. Each line
//
//	{"tenant": <chat_id>, "from": "<digits>", "text": "...", "id": "<message id>"}
//
// (optionally "name", the sender's WhatsApp name) arrives at that
// reseller's session as if that number had written to their WhatsApp,
// within DryRunInboxEvery. A line for a reseller whose session is not
// connected waits for it, as WhatsApp keeps messages for a phone that is
// offline. Lines already in the file when watching starts are not
// delivered again.

// DryRunInboxEvery is how often the inbox file is read.
const DryRunInboxEvery = time.Second

// DryRunInbound is one line of the inbox.
type DryRunInbound struct {
	Tenant int64  `json:"tenant"`
	From   string `json:"from"`
	Text   string `json:"text"`
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
}

// inboxPending bounds the lines kept for one reseller whose session is not
// connected.
const inboxPending = 1000

type inbox struct {
	mu      sync.Mutex
	clients map[int64]*dryRunClient // open clients
	live    map[*dryRunClient]bool  // connected: lines go straight to them
	pending map[int64][]*Inbound

	// Set by WatchInbox.
	pollMu sync.Mutex // one read (or Forget's rewrite) of the file at a time; held while delivering, so lines keep their order
	path   string
	offset int64
	clock  clock.Clock
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// WatchInbox starts reading path every DryRunInboxEvery on the driver's
// clock, from its current end. Close stops it.
func (d *DryRunDriver) WatchInbox(path string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in := &d.inbox
	in.pollMu.Lock()
	defer in.pollMu.Unlock()
	if in.cancel != nil {
		return errors.New("whatsapp dryrun: the inbox is watched already")
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil:
		in.offset = fi.Size()
	case errors.Is(err, fs.ErrNotExist):
		in.offset = 0
	default:
		return fmt.Errorf("whatsapp dryrun: inbox: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in.path, in.clock, in.log, in.cancel, in.done = path, d.clock, log, cancel, make(chan struct{})
	go func() {
		defer close(in.done)
		for in.clock.Sleep(ctx, DryRunInboxEvery) == nil {
			in.pollMu.Lock()
			if err := in.pollLocked(); err != nil {
				in.log.Warn("dry-run inbox", "path", in.path, "err", err)
			}
			in.pollMu.Unlock()
		}
	}()
	return nil
}

func (in *inbox) stop() {
	in.pollMu.Lock()
	cancel, done := in.cancel, in.done
	in.pollMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// pollLocked delivers the complete lines appended since the last read.
func (in *inbox) pollLocked() error {
	f, err := os.Open(in.path)
	if errors.Is(err, fs.ErrNotExist) {
		in.offset = 0
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < in.offset {
		in.offset = 0 // truncated or replaced: read it from the start
	}
	if fi.Size() == in.offset {
		return nil
	}
	raw := make([]byte, fi.Size()-in.offset)
	if _, err := f.ReadAt(raw, in.offset); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	end := bytes.LastIndexByte(raw, '\n')
	if end < 0 {
		return nil // a line still being written
	}
	start := in.offset
	in.offset += int64(end + 1)
	for _, line := range bytes.Split(raw[:end], []byte("\n")) {
		lineAt := start
		start += int64(len(line) + 1)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l DryRunInbound
		if err := json.Unmarshal(line, &l); err != nil || l.Tenant == 0 || !validFrom(l.From) {
			in.log.Warn("dry-run inbox: skipping a line that is not {\"tenant\": <chat id>, \"from\": \"<digits>\", \"text\": ..., \"id\": ...}",
				"path", in.path, "offset", lineAt, "err", err)
			continue
		}
		if l.ID == "" {
			l.ID = fmt.Sprintf("DRYRUN%d", lineAt)
		}
		in.deliver(l.Tenant, &Inbound{From: l.From, Name: l.Name, Text: l.Text, MsgID: l.ID, At: in.clock.Now()})
	}
	return nil
}

func validFrom(s string) bool {
	if len(s) < 8 || len(s) > 15 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// deliver hands msg to tenant's connected client, or keeps it for when
// one connects. Caller holds pollMu.
func (in *inbox) deliver(tenant int64, msg *Inbound) {
	in.mu.Lock()
	c := in.clients[tenant]
	if c == nil || !in.live[c] {
		if in.pending == nil {
			in.pending = map[int64][]*Inbound{}
		}
		if len(in.pending[tenant]) < inboxPending {
			in.pending[tenant] = append(in.pending[tenant], msg)
		}
		in.mu.Unlock()
		return
	}
	in.mu.Unlock()
	c.sink(ClientEvent{Kind: ClientMessage, Inbound: msg})
}

func (in *inbox) opened(c *dryRunClient) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.clients == nil {
		in.clients, in.live = map[int64]*dryRunClient{}, map[*dryRunClient]bool{}
	}
	in.clients[c.chatID] = c
}

func (in *inbox) closed(c *dryRunClient) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.clients[c.chatID] == c {
		delete(in.clients, c.chatID)
	}
	delete(in.live, c)
}

// connected delivers what waited for c's chat, in order, before any later
// line (pollMu).
func (in *inbox) connected(c *dryRunClient) {
	in.pollMu.Lock()
	defer in.pollMu.Unlock()
	in.mu.Lock()
	if in.clients[c.chatID] != c || c.DeviceJID() == "" {
		in.mu.Unlock()
		return
	}
	in.live[c] = true
	waiting := in.pending[c.chatID]
	delete(in.pending, c.chatID)
	in.mu.Unlock()
	for _, msg := range waiting {
		c.sink(ClientEvent{Kind: ClientMessage, Inbound: msg})
	}
}

// forget drops what waits for chatID and rewrites the inbox file without
// chatID's lines (the erasure of their account).
func (in *inbox) forget(chatID int64) error {
	in.pollMu.Lock()
	defer in.pollMu.Unlock()
	in.mu.Lock()
	delete(in.pending, chatID)
	in.mu.Unlock()
	if in.path == "" {
		return nil
	}
	// Deliver what other resellers have waiting in the file first: after
	// the rewrite the offset restarts at the end of what is kept.
	if err := in.pollLocked(); err != nil {
		return err
	}
	raw, err := os.ReadFile(in.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("whatsapp dryrun: read inbox: %w", err)
	}
	kept, removed := withoutTenant(raw, chatID)
	if removed == 0 {
		return nil
	}
	if err := replaceFile(in.path, kept); err != nil {
		return fmt.Errorf("whatsapp dryrun: rewrite inbox: %w", err)
	}
	in.offset = int64(len(kept))
	return nil
}

// withoutTenant returns the JSON lines of raw whose "tenant" is not
// chatID, and how many it left out.
func withoutTenant(raw []byte, chatID int64) ([]byte, int) {
	var kept bytes.Buffer
	removed := 0
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		var l struct {
			Tenant *int64 `json:"tenant"`
		}
		if json.Unmarshal(line, &l) == nil && l.Tenant != nil && *l.Tenant == chatID {
			removed++
			continue
		}
		kept.Write(line)
	}
	return kept.Bytes(), removed
}

// replaceFile writes data to a new private file next to path and renames
// it over path, so a crash leaves one or the other whole.
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*") // 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}
