package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"renovabot/clock"
)

// Inbound messages: what someone wrote to a reseller's WhatsApp. The driver
// translates the library's message into an Inbound (whatsmeow.go's
// handleEvent, the dry-run inbox) and hands it to the session that owns the
// client; the session stamps its own chat id on it and queues it; one
// goroutine per session with messages waiting hands them, in order, to the
// InboundHandler. The library's event loop only ever appends to a slice.

// MediaKind is what a received message carries besides text.
type MediaKind string

const (
	MediaNone     MediaKind = ""         // plain text
	MediaImage    MediaKind = "image"    // downloadable
	MediaDocument MediaKind = "document" // downloadable; FileName, MIME
	MediaAudio    MediaKind = "audio"    // downloadable; Voice for a recorded note
	MediaVideo    MediaKind = "video"
	MediaSticker  MediaKind = "sticker"
	MediaLocation MediaKind = "location"
	MediaContact  MediaKind = "contact"
	MediaReaction MediaKind = "reaction" // Inbound.Text is the emoji
	MediaPoll     MediaKind = "poll"
	MediaOther    MediaKind = "other" // a kind this program does not show
)

// Inbound is one message received by a reseller's WhatsApp, already
// filtered: a direct chat with another person, never a group, a status,
// a newsletter or the reseller's own message.
type Inbound struct {
	// ChatID is the reseller whose WhatsApp received it: the session that
	// owns the client sets it, whatever the driver said.
	ChatID int64
	// From is the sender's number (digits). Empty when WhatsApp addressed
	// the message by LID and the device knows no number for it.
	From  string
	Name  string // the sender's WhatsApp name (push name), as they set it
	Text  string // the text, or the media's caption
	Media *Media // nil for plain text
	MsgID string
	At    time.Time

	// resolve finds From when the driver could not say it at once (a LID
	// sender without SenderAlt): it may read the device store, so the
	// session calls it on its queue's goroutine, never on the library's.
	resolve func(ctx context.Context) (string, error)
}

// Media describes what a message carries. Only images, documents and
// audio can be downloaded (Downloadable); the rest is described.
type Media struct {
	Kind     MediaKind
	MIME     string
	FileName string
	Size     int64 // bytes, as the sender's app announced it; 0 unknown
	Voice    bool  // a recorded voice note (audio)
	Detail   string

	fetch   func(ctx context.Context, max int64) ([]byte, error)
	max     int64
	timeout time.Duration
	clock   clock.Clock
}

// NewMedia builds a Media whose content fetch downloads (drivers and
// tests). fetch must fail with ErrMediaTooLarge once it has read more than
// max bytes.
func NewMedia(kind MediaKind, mime, fileName string, size int64, fetch func(ctx context.Context, max int64) ([]byte, error)) *Media {
	return &Media{Kind: kind, MIME: mime, FileName: fileName, Size: size, fetch: fetch}
}

// Errors of Media.Download.
var (
	ErrMediaTooLarge   = errors.New("whatsapp: media larger than the download limit")
	ErrMediaTimeout    = errors.New("whatsapp: media download timed out")
	ErrNotDownloadable = errors.New("whatsapp: this media cannot be downloaded")
)

// Downloadable reports whether Download can fetch the content.
func (m *Media) Downloadable() bool { return m != nil && m.fetch != nil }

// Download fetches the content from WhatsApp, at most Config.MediaMaxBytes
// (ErrMediaTooLarge beyond, without downloading when the size announced is
// over it already) and within Config.MediaTimeout on the manager's clock
// (ErrMediaTimeout). Nothing is kept: the bytes are the caller's to
// forward.
func (m *Media) Download(ctx context.Context) ([]byte, error) {
	if !m.Downloadable() {
		return nil, ErrNotDownloadable
	}
	if m.max > 0 && m.Size > m.max {
		return nil, fmt.Errorf("%w: %d bytes announced", ErrMediaTooLarge, m.Size)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if m.timeout > 0 && m.clock != nil {
		// The timer ends with the download: nothing of this call outlives
		// it (a leftover sleeper would also skew a fake clock's count).
		timerDone := make(chan struct{})
		go func() {
			defer close(timerDone)
			if m.clock.Sleep(ctx, m.timeout) == nil {
				cancel(ErrMediaTimeout)
			}
		}()
		defer func() { cancel(nil); <-timerDone }()
	}
	data, err := m.fetch(ctx, m.max)
	if err != nil {
		if errors.Is(context.Cause(ctx), ErrMediaTimeout) {
			return nil, ErrMediaTimeout
		}
		return nil, err
	}
	if m.max > 0 && int64(len(data)) > m.max {
		return nil, fmt.Errorf("%w: %d bytes", ErrMediaTooLarge, len(data))
	}
	return data, nil
}

// InboundHandler receives the messages of every reseller's WhatsApp (the
// bot implements it). Messages of one reseller arrive one at a time, in
// the order WhatsApp delivered them; resellers do not wait for each other.
// It may block (downloads, Telegram): it runs on its session's queue, not
// on the library's goroutines. ctx ends when the manager closes.
type InboundHandler interface {
	HandleInbound(ctx context.Context, in Inbound)
}

// inboundQueueMax bounds what one session keeps waiting for the handler
// (a reconnect can deliver a backlog at once): past it new messages are
// dropped and logged, so one flooded number cannot exhaust memory.
const inboundQueueMax = 5000

// receive queues a message the client received, stamped with this
// session's chat id: the session that received a message is the only
// tenant it can reach. It never blocks (it runs on the library's event
// goroutine).
func (s *session) receive(in *Inbound) {
	m := s.m
	if m.inbound == nil || in == nil {
		return
	}
	in.ChatID = s.chatID
	if in.Media != nil {
		in.Media.max, in.Media.timeout, in.Media.clock = m.cfg.MediaMaxBytes, m.cfg.MediaTimeout, m.clock
	}
	s.inMu.Lock()
	if len(s.inQueue) >= inboundQueueMax {
		s.inMu.Unlock()
		m.log.Error("inbound queue full, dropping a received message", "chat", s.chatID, "message", in.MsgID)
		return
	}
	s.inQueue = append(s.inQueue, in)
	start := !s.inRunning
	s.inRunning = true
	s.inMu.Unlock()
	if start && !m.spawn(s.drainInbound) {
		s.inMu.Lock()
		s.inRunning, s.inQueue = false, nil
		s.inMu.Unlock()
	}
}

// drainInbound hands the queued messages to the handler, one at a time,
// until the queue is empty or the manager closes.
func (s *session) drainInbound() {
	m := s.m
	for {
		s.inMu.Lock()
		if len(s.inQueue) == 0 || m.ctx.Err() != nil {
			if n := len(s.inQueue); n > 0 {
				m.log.Warn("closing with received messages not handled", "chat", s.chatID, "count", n)
			}
			s.inQueue, s.inRunning = nil, false
			s.inMu.Unlock()
			return
		}
		in := s.inQueue[0]
		s.inQueue[0] = nil
		s.inQueue = s.inQueue[1:]
		s.inMu.Unlock()

		if in.From == "" && in.resolve != nil {
			from, err := in.resolve(m.ctx)
			if err != nil {
				m.log.Warn("resolving the sender of a received message", "chat", s.chatID, "message", in.MsgID, "err", err)
			}
			in.From = from
		}
		in.resolve = nil
		m.inbound.HandleInbound(m.ctx, *in)
	}
}
