// Package leader decides which of several instances sharing one PostgreSQL
// database is the active one: the only one that polls Telegram, runs the
// scheduler and connects WhatsApp sessions. The others stand by.
//
// The active instance holds a session-level advisory lock,
// pg_try_advisory_lock(LockClass, hashtext(current_schema())), on a
// connection of its own (never one of the store's pools, whose connections
// come and go). PostgreSQL releases a session lock when its session ends:
// when the process exits or is killed (the kernel closes the socket), and
// when the server gives up on a machine that went silent (no FIN: a power
// cut, a partition), which the lock connection's TCP settings bound to
// about ServerTimeout (the server's tcp_user_timeout and keepalives, set
// on that session). A standby tries the lock every Retry.
//
// The active instance checks its lock connection every Check; a check not
// answered within CheckTimeout means the lock may be gone: the Lease's
// context ends at once and the program stops polling and sending. So that
// an instance which lost its session without knowing it yet (the server
// ended it: a restart, pg_terminate_backend) has stopped before anyone
// else starts, a standby that gets the lock waits Fence (longer than one
// check and its timeout) before it reports itself active.
package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"renovabot/internal/pglock"
)

// LockClass is the first half of the advisory lock's key; the second is
// hashtext(current_schema()), so instances of two installations sharing a
// database in different schemas do not exclude each other. Every advisory
// lock of the program is named in package pglock, so none shares this key.
const LockClass = pglock.Active

var (
	lockSQL   = fmt.Sprintf(`SELECT pg_try_advisory_lock(%d, hashtext(current_schema()))`, LockClass)
	unlockSQL = fmt.Sprintf(`SELECT pg_advisory_unlock(%d, hashtext(current_schema()))`, LockClass)
)

// ErrLost is the cause of a Lease's context when the lock connection
// failed a check: another instance may take over.
var ErrLost = errors.New("leader: the connection holding the active lock failed")

// Timing is how often the lock is tried and checked. The zero value of a
// field means its default (DefaultTiming).
type Timing struct {
	// Retry is how often a standby tries the lock.
	Retry time.Duration
	// Check is how often the active instance checks its lock connection;
	// CheckTimeout bounds one check.
	Check, CheckTimeout time.Duration
	// Fence is how long a standby that got the lock waits before it is
	// active: at least Check + CheckTimeout, so that a former active
	// instance whose session the server ended has noticed and stopped.
	Fence time.Duration
	// ServerTimeout is how long the server waits for a silent client
	// (tcp_user_timeout; keepalives probe an idle session within it)
	// before it ends the session, which releases the lock.
	ServerTimeout time.Duration
}

// DefaultTiming: with a dead machine (no FIN) the server ends its session
// within ServerTimeout (10 s), the standby tries within Retry (1 s) and
// waits Fence (5 s): active within about 16 s plus its own start-up (a few
// seconds: getMe, setMyCommands). A killed process on a live machine
// closes its socket at once: Retry + Fence, about 6 s. Meanwhile the old
// active instance, cut from the database, stops within Check +
// CheckTimeout (4 s) of its last answered check, long before the server
// gives up on it. CheckTimeout is generous so that a busy server's slow
// answer is not taken for a lost lock.
func DefaultTiming() Timing {
	return Timing{Retry: time.Second, Check: time.Second, CheckTimeout: 3 * time.Second, Fence: 5 * time.Second,
		ServerTimeout: 10 * time.Second}
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming()
	if t.Retry <= 0 {
		t.Retry = d.Retry
	}
	if t.Check <= 0 {
		t.Check = d.Check
	}
	if t.CheckTimeout <= 0 {
		t.CheckTimeout = d.CheckTimeout
	}
	if t.Fence <= 0 {
		t.Fence = d.Fence
	}
	if t.ServerTimeout <= 0 {
		t.ServerTimeout = d.ServerTimeout
	}
	return t
}

// Elector takes the active lock for one instance.
type Elector struct {
	cfg    *pgx.ConnConfig
	timing Timing
	log    *slog.Logger
}

// New returns the elector for the database at url (the store's
// database.url). log may be nil.
func New(url string, t Timing, log *slog.Logger) (*Elector, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("leader: database URL: %w", err) // pgx's message leaves the password out
	}
	t = t.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > 5*time.Second {
		cfg.ConnectTimeout = 5 * time.Second
	}
	cfg.RuntimeParams["application_name"] = "renovabot-leader"
	// The server ends this session when the client is silent for
	// ServerTimeout: unacknowledged data (tcp_user_timeout) or unanswered
	// keepalive probes, which start after a third of it idle (the active
	// instance's checks keep the session busy every Check anyway).
	// Ignored on a Unix socket, where a dead client cannot be silent.
	st := t.ServerTimeout
	idle := max(st/3, time.Second)
	cfg.RuntimeParams["tcp_user_timeout"] = strconv.FormatInt(st.Milliseconds(), 10)
	cfg.RuntimeParams["tcp_keepalives_idle"] = strconv.Itoa(int(idle.Seconds()))
	cfg.RuntimeParams["tcp_keepalives_interval"] = strconv.Itoa(max(int((st-idle).Seconds())/3, 1))
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	// The client's side probes too, so a NAT or firewall between them
	// keeps the idle standby's connection.
	dialer := &net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: idle, Interval: idle, Count: 3}}
	cfg.DialFunc = dialer.DialContext
	return &Elector{cfg: cfg, timing: t, log: log}, nil
}

// Lease is the active lock, held.
type Lease struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	conn   *pgx.Conn
	timing Timing
	log    *slog.Logger
	done   chan struct{} // closed when the check loop has ended
	once   sync.Once
}

// Acquire blocks until this instance holds the lock and the fence has
// passed, or ctx ends (its error). standby is called once if the lock is
// held by another instance at the first try (for the health check and the
// logs). The Lease's context derives from ctx and ends, with ErrLost as
// its cause, when the lock connection fails a check.
func (e *Elector) Acquire(ctx context.Context, standby func()) (*Lease, error) {
	t := e.timing
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			closeConn(conn)
		}
	}()
	waiting, lastErr := false, ""
	for {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		got, err := e.try(ctx, &conn)
		switch {
		case err != nil && ctx.Err() == nil:
			// The database is unreachable: keep trying, say it once per
			// distinct error.
			if err.Error() != lastErr {
				e.log.Warn("standby: cannot reach the database to take the active lock; retrying", "err", err)
				lastErr = err.Error()
			}
		case got:
			e.log.Info("active lock taken; waiting for any former active instance to stop", "fence", t.Fence)
			if err := e.fence(ctx, conn); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				e.log.Warn("standby: the lock connection failed during the fence; retrying", "err", err)
				closeConn(conn)
				conn = nil
				break
			}
			l := &Lease{conn: conn, timing: t, log: e.log, done: make(chan struct{})}
			conn = nil // the lease owns it now
			l.ctx, l.cancel = context.WithCancelCause(ctx)
			go l.watch()
			return l, nil
		case !waiting:
			waiting = true
			lastErr = ""
			e.log.Info("standby: another instance is active (it holds the database lock); taking over when it stops")
			if standby != nil {
				standby()
			}
		}
		timer := time.NewTimer(t.Retry)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}

// try connects if needed and tries the lock once.
func (e *Elector) try(ctx context.Context, conn **pgx.Conn) (bool, error) {
	if *conn == nil {
		c, err := pgx.ConnectConfig(ctx, e.cfg)
		if err != nil {
			return false, err
		}
		*conn = c
	}
	qctx, cancel := context.WithTimeout(ctx, e.timing.CheckTimeout)
	defer cancel()
	var got bool
	if err := (*conn).QueryRow(qctx, lockSQL).Scan(&got); err != nil {
		closeConn(*conn)
		*conn = nil
		return false, err
	}
	return got, nil
}

// fence waits t.Fence with the lock held, checking its connection.
func (e *Elector) fence(ctx context.Context, conn *pgx.Conn) error {
	end := time.Now().Add(e.timing.Fence)
	for {
		left := time.Until(end)
		if left <= 0 {
			return check(ctx, conn, e.timing.CheckTimeout)
		}
		timer := time.NewTimer(min(left, e.timing.Check))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		if err := check(ctx, conn, e.timing.CheckTimeout); err != nil {
			return err
		}
	}
}

// check asks the lock's session one question, within timeout. The session
// answering is the session holding the lock: a session lock ends only with
// an unlock (Release) or the session, and pgx never reconnects a Conn.
func check(ctx context.Context, conn *pgx.Conn, timeout time.Duration) error {
	qctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var one int
	if err := conn.QueryRow(qctx, `SELECT 1`).Scan(&one); err != nil {
		if qctx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("leader: no answer within %s", timeout)
		}
		return err
	}
	return nil
}

// Context is the active instance's context: it ends when the parent ends
// (a stop) or the lock is lost (context.Cause is ErrLost).
func (l *Lease) Context() context.Context { return l.ctx }

// Lost reports whether the lock was lost (rather than released or the
// parent context ended).
func (l *Lease) Lost() bool { return errors.Is(context.Cause(l.ctx), ErrLost) }

// watch checks the lock connection every Check until the context ends.
func (l *Lease) watch() {
	defer close(l.done)
	ticker := time.NewTicker(l.timing.Check)
	defer ticker.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-ticker.C:
		}
		if err := check(l.ctx, l.conn, l.timing.CheckTimeout); err != nil {
			if l.ctx.Err() != nil {
				return
			}
			l.log.Error("lost the active lock: its database connection failed; stopping so another instance can take over", "err", err)
			l.cancel(fmt.Errorf("%w: %w", ErrLost, err))
			return
		}
	}
}

// Release gives the lock up (an orderly stop: a standby takes over at its
// next try) and closes the connection. Call it once the instance stopped
// polling and sending.
func (l *Lease) Release() {
	l.once.Do(func() {
		l.cancel(context.Canceled)
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), l.timing.CheckTimeout)
		defer cancel()
		if !l.Lost() {
			if _, err := l.conn.Exec(ctx, unlockSQL); err != nil {
				l.log.Warn("releasing the active lock", "err", err) // closing the connection releases it anyway
			}
		}
		closeConn(l.conn)
	})
}

// closeConn closes c without waiting long for a server that may be gone.
func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.Close(ctx)
}
