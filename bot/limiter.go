package bot

import (
	"sync"
	"time"
)

// bucket is a token bucket that hands out reservations: each call takes one
// token, possibly going into debt, and returns how long the caller must wait
// before using it. Callers therefore queue in arrival order without polling.
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate, burst float64, now time.Time) *bucket {
	if burst < 1 {
		burst = 1
	}
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// reserve takes a token at time now and returns the wait before it may be
// used.
func (b *bucket) reserve(now time.Time) time.Duration {
	if now.After(b.last) {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// idle reports whether the bucket is full at now, i.e. forgetting it would
// change nothing.
func (b *bucket) idle(now time.Time) bool {
	return b.tokens+now.Sub(b.last).Seconds()*b.rate >= b.burst
}

// limiter combines the global bucket with one bucket per chat and a per-chat
// pause set by 429 answers.
type limiter struct {
	mu       sync.Mutex
	global   *bucket
	perChat  map[int64]*chatLimit
	chatRate float64
	burst    float64
	sweeps   int
}

type chatLimit struct {
	b           *bucket
	pausedUntil time.Time
}

// Telegram allows short bursts above one message per second in a chat; a
// burst of 3 keeps a handler's "reply + follow-up" instant while the
// sustained rate stays at the limit.
const chatBurst = 3

func newLimiter(globalRate, chatRate float64, now time.Time) *limiter {
	return &limiter{
		global:   newBucket(globalRate, globalRate/5, now),
		perChat:  map[int64]*chatLimit{},
		chatRate: chatRate,
		burst:    chatBurst,
	}
}

// chatWait reserves the chat's next slot and returns the wait, including any
// 429 pause still running.
func (l *limiter) chatWait(chatID int64, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	c := l.perChat[chatID]
	if c == nil {
		c = &chatLimit{b: newBucket(l.chatRate, l.burst, now)}
		l.perChat[chatID] = c
	}
	wait := c.b.reserve(now)
	if pause := c.pausedUntil.Sub(now); pause > wait {
		wait = pause
	}
	return wait
}

// globalWait reserves the next global slot.
func (l *limiter) globalWait(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.global.reserve(now)
}

// pause stops a chat until now+d after Telegram answered 429 for it.
func (l *limiter) pause(chatID int64, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.perChat[chatID]
	if c == nil {
		c = &chatLimit{b: newBucket(l.chatRate, l.burst, until)}
		l.perChat[chatID] = c
	}
	if until.After(c.pausedUntil) {
		c.pausedUntil = until
	}
}

// sweepLocked forgets idle chats now and then so the map does not grow
// with every chat that ever received a message.
func (l *limiter) sweepLocked(now time.Time) {
	l.sweeps++
	if l.sweeps < 1024 {
		return
	}
	l.sweeps = 0
	for id, c := range l.perChat {
		if c.b.idle(now) && !c.pausedUntil.After(now) {
			delete(l.perChat, id)
		}
	}
}
