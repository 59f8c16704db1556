package store

import (
	"context"
	"errors"
	"sync"
)

// A reseller's erasure must not overlap work that reads their account and
// then acts on it (the scheduler's job sends reminders, then tells them "N
// lembretes aguardando"): between the read and the act the account could
// be erased, and the act would reach a chat that has no account any more.
// One lock per reseller, in this process, makes them exclude each other:
// work shares it (the scheduler's job and the access notices may run
// together), an erasure holds it alone. An erasure does not queue behind a
// job that may pace messages for an hour: asking for the lock cancels the
// context of the work running for that reseller (which stops cleanly when
// its context ends) and refuses new work until the erasure is over.

// ErrErasing is returned by Tenant.Lock while the tenant's account is being
// erased: the work has nobody left to do it for.
var ErrErasing = errors.New("store: the account is being erased")

type tenantLocks struct {
	mu sync.Mutex
	m  map[int64]*tenantLock // one per reseller ever locked: a few thousand small entries at most
}

type tenantLock struct {
	work    map[uint64]context.CancelFunc // running work, by ticket
	next    uint64
	idle    chan struct{} // closed when the last work ends; nil while none runs
	erasing int           // erasures waiting or running
	erase   chan struct{} // one erasure at a time
}

func (l *tenantLocks) get(chatID int64) *tenantLock {
	if l.m == nil {
		l.m = map[int64]*tenantLock{}
	}
	tl := l.m[chatID]
	if tl == nil {
		tl = &tenantLock{work: map[uint64]context.CancelFunc{}, erase: make(chan struct{}, 1)}
		l.m[chatID] = tl
	}
	return tl
}

// Lock takes the tenant's lock for work that an erasure must not overlap,
// without waiting: it fails with ErrErasing while an erasure waits or runs.
// The work runs under the returned context, which ends when an erasure asks
// for the lock; release must be called when the work is done.
func (t Tenant) Lock(ctx context.Context) (work context.Context, release func(), err error) {
	l := &t.s.locks
	l.mu.Lock()
	defer l.mu.Unlock()
	tl := l.get(t.chatID)
	if tl.erasing > 0 {
		return nil, nil, ErrErasing
	}
	work, cancel := context.WithCancel(ctx)
	ticket := tl.next
	tl.next++
	tl.work[ticket] = cancel
	if tl.idle == nil {
		tl.idle = make(chan struct{})
	}
	var once sync.Once
	return work, func() {
		once.Do(func() {
			cancel()
			l.mu.Lock()
			defer l.mu.Unlock()
			delete(tl.work, ticket)
			if len(tl.work) == 0 {
				close(tl.idle)
				tl.idle = nil
			}
		})
	}, nil
}

// LockForErasure takes the tenant's lock to erase their account: it cancels
// the work running for them, waits for it to end, and keeps new work out
// until release is called.
func (t Tenant) LockForErasure(ctx context.Context) (release func(), err error) {
	l := &t.s.locks
	l.mu.Lock()
	tl := l.get(t.chatID)
	tl.erasing++
	for _, cancel := range tl.work {
		cancel()
	}
	idle := tl.idle
	l.mu.Unlock()
	giveUp := func() {
		l.mu.Lock()
		tl.erasing--
		l.mu.Unlock()
	}
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			giveUp()
			return nil, ctx.Err()
		}
	}
	select {
	case tl.erase <- struct{}{}:
	case <-ctx.Done():
		giveUp()
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-tl.erase
			giveUp()
		})
	}, nil
}
