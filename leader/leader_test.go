package leader

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"renovabot/internal/testdb"
)

// TestPostgreSQL runs this package's tests, which need a PostgreSQL server,
// when RENOVABOT_TEST_DATABASE_URL is set (package testdb), and says it
// skipped them otherwise.
func TestPostgreSQL(t *testing.T) { testdb.Pass(t) }

// fast is a timing for tests: the same rules, in milliseconds.
var fast = Timing{Retry: 20 * time.Millisecond, Check: 20 * time.Millisecond, CheckTimeout: 200 * time.Millisecond,
	Fence: 400 * time.Millisecond, ServerTimeout: 2 * time.Second}

const waitLimit = 15 * time.Second

func newElector(t *testing.T, url string) *Elector {
	t.Helper()
	e, err := New(url, fast, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// acquireAsync runs Acquire in the background; standby is closed when the
// elector reports it stands by.
type pending struct {
	lease   chan *Lease
	standby chan struct{}
	cancel  context.CancelFunc
}

func acquireAsync(t *testing.T, e *Elector) *pending {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &pending{lease: make(chan *Lease, 1), standby: make(chan struct{}), cancel: cancel}
	go func() {
		l, err := e.Acquire(ctx, func() { close(p.standby) })
		if err != nil {
			close(p.lease)
			return
		}
		p.lease <- l
	}()
	t.Cleanup(func() {
		cancel()
		if l, ok := <-p.lease; ok && l != nil {
			l.Release()
		}
	})
	return p
}

// holders counts the sessions holding the active lock of the schema at url.
func holders(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid = $1 AND objid = hashtext(current_schema())::oid AND objsubid = 2`, LockClass).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// One instance is active; a second stands by (told so), is not active
// while the first holds the lock, and takes over when it releases it.
func TestSecondInstanceStandsByUntilTheFirstReleases(t *testing.T) {
	testdb.PostgresOnly(t)
	url := testdb.NewPostgres(t)
	db := openDB(t, url)
	ctx := context.Background()

	a, err := newElector(t, url).Acquire(ctx, func() { t.Error("the first instance stood by") })
	if err != nil {
		t.Fatal(err)
	}
	b := acquireAsync(t, newElector(t, url))
	select {
	case <-b.standby:
	case l := <-b.lease:
		t.Fatalf("the second instance became active (%v) while the first holds the lock", l)
	case <-time.After(waitLimit):
		t.Fatal("the second instance never reported standby")
	}
	if n := holders(t, db); n != 1 {
		t.Fatalf("%d sessions hold the lock", n)
	}
	// Still standing by after several of its tries (Retry is 20 ms).
	select {
	case l := <-b.lease:
		t.Fatalf("the second instance became active (%v) while the first holds the lock", l)
	case <-time.After(10 * fast.Retry): // a bound on a negative: nothing may happen meanwhile
	}

	a.Release()
	if a.Lost() {
		t.Fatal("a released lease reports lost")
	}
	select {
	case l := <-b.lease:
		if l == nil {
			t.Fatal("Acquire failed")
		}
		b.lease <- l // released by the cleanup
	case <-time.After(waitLimit):
		t.Fatal("the second instance never took over")
	}
	if n := holders(t, db); n != 1 {
		t.Fatalf("%d sessions hold the lock after the takeover", n)
	}
}

// When the server ends the active instance's session (as after a restart,
// or when it gives up on a silent machine), the instance's lease ends with
// ErrLost; the standby that takes the lock is active only after that.
func TestLostSessionEndsTheLeaseBeforeTheStandbyIsActive(t *testing.T) {
	testdb.PostgresOnly(t)
	url := testdb.NewPostgres(t)
	db := openDB(t, url)
	ctx := context.Background()

	a, err := newElector(t, url).Acquire(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b := acquireAsync(t, newElector(t, url))
	<-b.standby

	var killed bool
	if err := db.QueryRow(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid = $1 AND objid = hashtext(current_schema())::oid AND objsubid = 2`, LockClass).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the active session: %v %v", killed, err)
	}
	var l *Lease
	select {
	case l = <-b.lease:
	case <-time.After(waitLimit):
		t.Fatal("the standby never took over")
	}
	// The fence: by the time the standby is active, the former active
	// instance knows it lost the lock.
	select {
	case <-a.Context().Done():
	default:
		t.Fatal("the standby became active while the former active instance still believed it held the lock")
	}
	if !a.Lost() || !errors.Is(context.Cause(a.Context()), ErrLost) {
		t.Fatalf("cause %v, want ErrLost", context.Cause(a.Context()))
	}
	if l.Lost() || l.Context().Err() != nil {
		t.Fatal("the new lease is not live")
	}
	b.lease <- l
}

// A stop while standing by returns the context's error, and a stop while
// active ends the lease's context without calling it lost.
func TestStopWhileStandingByOrActive(t *testing.T) {
	testdb.PostgresOnly(t)
	url := testdb.NewPostgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := newElector(t, url).Acquire(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	standby := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		_, err := newElector(t, url).Acquire(ctx, func() { close(standby) })
		errc <- err
	}()
	<-standby
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("standby Acquire after the stop: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("a standing-by Acquire did not return on the stop")
	}
	<-a.Context().Done()
	if a.Lost() {
		t.Fatal("a stop reported as a lost lock")
	}
	a.Release()
}

// A bad URL is refused by New, without its password in the message.
func TestNewRefusesABadURL(t *testing.T) {
	_, err := New("postgres://u:s3cret@host:notaport/db", Timing{}, nil)
	if err == nil {
		t.Fatal("accepted")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("password in %q", err)
	}
}

// The default timing keeps its promises: the fence outlasts a check and
// its timeout (a former active instance has stopped before the new one
// starts), the server's timeout outlasts the active instance's own
// detection (it stops before the server frees the lock), and a dead
// machine is taken over within 30 s with room for start-up.
func TestDefaultTimingBounds(t *testing.T) {
	d := DefaultTiming()
	if d.Fence <= d.Check+d.CheckTimeout {
		t.Errorf("fence %s does not outlast a check (%s) and its timeout (%s)", d.Fence, d.Check, d.CheckTimeout)
	}
	if d.ServerTimeout <= 2*d.Check+d.CheckTimeout {
		t.Errorf("the server frees the lock (%s) before a cut-off active instance notices (%s)", d.ServerTimeout, 2*d.Check+d.CheckTimeout)
	}
	if takeover := d.ServerTimeout + d.Retry + d.Fence; takeover > 20*time.Second {
		t.Errorf("takeover of a dead machine's lock takes %s before start-up; the promise is 30 s in all", takeover)
	}
	if (Timing{}).withDefaults() != d {
		t.Error("the zero Timing is not the default")
	}
}
