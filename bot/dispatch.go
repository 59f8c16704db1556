package bot

import (
	"context"
	"sync"

	"github.com/go-telegram/bot/models"
)

// dispatcher runs updates of one chat strictly in arrival order and updates
// of different chats in parallel, at most `workers` at a time. A chat with
// nothing queued has no goroutine.
type dispatcher struct {
	handle func(ctx context.Context, chatID int64, upd *models.Update)
	sem    chan struct{}

	mu     sync.Mutex
	queues map[int64][]*models.Update
	closed bool
	wg     sync.WaitGroup

	ctx    context.Context // handlers' context; cancelled when the grace period ends
	cancel context.CancelFunc
}

func newDispatcher(workers int, handle func(ctx context.Context, chatID int64, upd *models.Update)) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &dispatcher{
		handle: handle,
		sem:    make(chan struct{}, workers),
		queues: map[int64][]*models.Update{},
		ctx:    ctx,
		cancel: cancel,
	}
}

// enqueue adds an update to its chat's queue, starting the chat's runner
// when it is idle. It never blocks on handlers. It reports false after close.
func (d *dispatcher) enqueue(chatID int64, upd *models.Update) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	q, running := d.queues[chatID]
	d.queues[chatID] = append(q, upd)
	if !running {
		d.wg.Add(1)
		go d.run(chatID)
	}
	return true
}

// run drains one chat's queue. The presence of the chat key in queues means
// a runner exists; the runner deletes it when the queue is empty.
func (d *dispatcher) run(chatID int64) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[chatID]
		if len(q) == 0 {
			delete(d.queues, chatID)
			d.mu.Unlock()
			return
		}
		upd := q[0]
		q[0] = nil
		d.queues[chatID] = q[1:]
		d.mu.Unlock()

		// The worker slot is taken per update, so a chat that floods the bot
		// yields to other chats between its updates.
		select {
		case d.sem <- struct{}{}:
		case <-d.ctx.Done():
			// Shutdown grace is over: drop what is left.
			d.mu.Lock()
			delete(d.queues, chatID)
			d.mu.Unlock()
			return
		}
		d.handle(d.ctx, chatID, upd)
		<-d.sem
	}
}

// close stops accepting updates and waits for queued and running handlers
// until ctx is done; then it cancels the handlers' context and waits for
// them to return.
func (d *dispatcher) close(ctx context.Context) {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()

	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		d.cancel()
		<-done
	}
	d.cancel()
}
