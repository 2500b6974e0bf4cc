package store

// Group commit.
//
// Every write goes through the one writer connection, and at
// synchronous=FULL every commit waits for an fsync of the WAL: about
// 0.15-0.4 ms on local SSDs, more on network disks. One registration per
// transaction therefore tops out near 2,800/s however many clients send
// them, with the CPU mostly idle. Sharing one transaction, and so one
// fsync, among the registrations that arrive together multiplies that
// rate by the batch size until the writer's serial statement time becomes
// the bound (12-15x with 32 clients, see docs/BENCHMARKS.md), and keeps
// every acknowledged event durable: a caller is answered only after the
// commit that holds its event.
//
// One goroutine, the group committer, owns the batching. RegisterEvent
// hands it a request over an unbuffered channel and waits; the committer
// takes the requests that queued while it was busy, may wait a little for
// more (bounded by GroupCommitOptions), and commits them together. Within
// the transaction each request is checked on its own and only the good
// ones are inserted, so a bad event fails alone.

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reimburse/reimburse/model"
)

// DefaultGroupWait is how long after the first request of a batch the group
// committer waits, at most, for more requests to join it.
const DefaultGroupWait = 2 * time.Millisecond

// DefaultGroupBatch bounds the registrations of one shared transaction.
const DefaultGroupBatch = 256

// GroupCommitOptions tune group commit. Options.GroupCommit nil gives
// DefaultGroupWait and DefaultGroupBatch; a value given is taken as it
// is, so that 0 means no wait, as it does for --group-commit-wait.
type GroupCommitOptions struct {
	// MaxWait is how long after the first request of a batch the committer
	// may wait for more, 0 to 1s. It waits only for as many callers as the
	// last round saw (the previous batch plus those who queued during its
	// commit), so a lone client is never delayed and a steady crowd fills
	// each batch without waiting out the bound. 0 never waits: a batch
	// holds what queued while the previous one committed, which measured
	// at half the throughput with 32 clients because batches then
	// alternate between two halves.
	MaxWait time.Duration
	// MaxBatch bounds the registrations of one transaction, 1 to
	// model.MaxBatch; 1 turns group commit off, and every RegisterEvent
	// runs its own transaction on the caller's goroutine.
	MaxBatch int
}

// groupCommitOptions returns o, or the defaults for nil, after checking it.
func groupCommitOptions(o *GroupCommitOptions) (GroupCommitOptions, error) {
	if o == nil {
		return GroupCommitOptions{MaxWait: DefaultGroupWait, MaxBatch: DefaultGroupBatch}, nil
	}
	if o.MaxWait < 0 || o.MaxWait > time.Second {
		return *o, &OptionError{Option: "GroupCommit.MaxWait", Value: o.MaxWait.String(), Want: "expected 0 to 1s"}
	}
	if o.MaxBatch < 1 || o.MaxBatch > model.MaxBatch {
		return *o, &OptionError{Option: "GroupCommit.MaxBatch", Value: strconv.Itoa(o.MaxBatch), Want: fmt.Sprintf("expected 1 to %d", model.MaxBatch)}
	}
	return *o, nil
}

// ErrClosed is returned by RegisterEvent once the store is closed.
var ErrClosed = errors.New("store: closed")

// registerReq is one RegisterEvent call waiting for its batch.
type registerReq struct {
	ctx     context.Context
	by      model.Principal
	in      model.NewEvent // normalized
	now     time.Time      // the store clock at the call: registeredAt
	arrived time.Time      // wall clock at the hand-over, for the wait bound

	// Set by the batch; read by the caller after done is closed.
	ev   model.Event
	err  error
	done chan struct{}
}

// RegisterEvent registers one event, like a one-item RegisterEvents, but
// concurrent calls share a transaction (see GroupCommitOptions). Errors
// are the caller's own: their fields name the input ("occurredAt",
// "idempotencyKey") without an item index, and a neighbour's bad input
// never fails this one. Once the call is part of a batch it waits for the
// commit even if ctx ends, so an acknowledged event is always durable and
// an event is never committed behind an error.
func (s *Store) RegisterEvent(ctx context.Context, by model.Principal, in model.NewEvent) (*model.Event, error) {
	now := s.Now()
	if err := in.Normalize(now); err != nil {
		return nil, err
	}
	r := &registerReq{ctx: ctx, by: by, in: in, now: now, done: make(chan struct{})}
	if s.gc == nil {
		s.commitGroup(ctx, []*registerReq{r})
	} else if err := s.gc.submit(r); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	return &r.ev, nil
}

// groupCommitter is the goroutine that gathers registrations into shared
// transactions.
type groupCommitter struct {
	s       *Store
	opt     GroupCommitOptions
	reqs    chan *registerReq // unbuffered: a request is either taken or still the caller's
	queued  atomic.Int64      // callers waiting to hand over a request
	taken   atomic.Int64      // requests received, ever
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
	// now and timer are the wall clock of the gathering window: time.Now
	// and newTimer; tests replace them, so that they count the waits and
	// end them by hand rather than time them.
	now   func() time.Time
	timer func(time.Duration) (<-chan time.Time, func() bool)
}

// newTimer is time.NewTimer as the group committer uses it.
func newTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

func newGroupCommitter(s *Store, opt GroupCommitOptions) *groupCommitter {
	g := &groupCommitter{s: s, opt: opt, reqs: make(chan *registerReq), quit: make(chan struct{}), stopped: make(chan struct{}),
		now: time.Now, timer: newTimer}
	go g.run()
	return g
}

// submit hands r to the committer and waits for its answer. A caller whose
// ctx ends before the committer takes its request leaves with ctx.Err().
func (g *groupCommitter) submit(r *registerReq) error {
	r.arrived = g.now()
	g.queued.Add(1)
	select {
	case g.reqs <- r: // the committer counted it out
	case <-r.ctx.Done():
		g.queued.Add(-1)
		return r.ctx.Err()
	case <-g.quit:
		g.queued.Add(-1)
		return ErrClosed
	}
	<-r.done // bounded by one commit: the committer always answers what it took
	return nil
}

// stop makes the committer commit the batch it holds and exit, and waits
// for it. Callers not yet taken get ErrClosed. It is safe to call twice.
func (g *groupCommitter) stop() {
	g.once.Do(func() { close(g.quit) })
	<-g.stopped
}

func (g *groupCommitter) run() {
	defer close(g.stopped)
	// The batch transaction belongs to no caller: one caller giving up must
	// not roll back its neighbours.
	ctx := context.Background()
	expect := 0
	buf := make([]*registerReq, 0, g.opt.MaxBatch)
	for {
		select {
		case <-g.quit: // checked first: after Close, take no new request
			return
		default:
		}
		select {
		case r := <-g.reqs:
			batch := g.collect(append(buf[:0], r), expect)
			expect = g.commit(ctx, batch)
			clear(buf[:cap(buf)])
		case <-g.quit:
			return
		}
	}
}

// took counts a request received.
func (g *groupCommitter) took() {
	g.queued.Add(-1)
	g.taken.Add(1)
}

// take receives one request that is already being handed over, if any.
func (g *groupCommitter) take() (*registerReq, bool) {
	select {
	case r := <-g.reqs:
		g.took()
		return r, true
	default:
		return nil, false
	}
}

// collect adds to batch the requests already queued and then, while the
// batch holds fewer than expect, waits for more until MaxWait after the
// first request arrived. A lone client is thus never delayed (it expects
// nobody), and a crowd fills each batch without waiting out the bound. A
// batch never exceeds MaxBatch.
func (g *groupCommitter) collect(batch []*registerReq, expect int) []*registerReq {
	g.took() // the first request, which run received
	for len(batch) < g.opt.MaxBatch {
		r, ok := g.take()
		if !ok {
			break
		}
		batch = append(batch, r)
	}
	target := min(expect, g.opt.MaxBatch)
	if g.opt.MaxWait == 0 || len(batch) >= target {
		return batch
	}
	wait := batch[0].arrived.Add(g.opt.MaxWait).Sub(g.now())
	if wait <= 0 {
		return batch
	}
	expired, stop := g.timer(wait)
	defer stop()
	for len(batch) < target {
		select {
		case r := <-g.reqs:
			g.took()
			batch = append(batch, r)
		case <-expired:
			return batch
		case <-g.quit:
			return batch
		}
	}
	return batch
}

// commit runs one batch and answers every request in it. Requests whose
// caller has already given up are answered with ctx.Err() and left out.
// It returns how many callers the next batch can expect: those just
// answered are likely to come back (clients that register one event after
// another), and those who queued during the commit are waiting. They are
// counted before anyone is answered, so that a caller who comes back at
// once is not counted twice.
func (g *groupCommitter) commit(ctx context.Context, batch []*registerReq) (expect int) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		live = append(live, r)
	}
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("store: group commit panicked: %v\n%s", p, debug.Stack())
			for _, r := range live {
				r.ev, r.err = model.Event{}, err
			}
		}
		expect = len(batch) + int(g.queued.Load())
		for _, r := range batch {
			close(r.done)
		}
	}()
	if len(live) > 0 {
		g.s.commitGroup(ctx, live)
	}
	return 0 // set by the deferred function
}
