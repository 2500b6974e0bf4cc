package store_test

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// openRaw opens a plain connection to a store's file, for what the store
// offers no method for (such as a trigger that fails writes).
func openRaw(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestGroupCommitIdempotency(t *testing.T) {
	// Keys inside one batch behave exactly as across separate calls made
	// in batch order.
	f := newFixture(t)
	at := utc(2024, 6, 3, 8, 0)
	in := func(cg *model.Caregiver, et int64, key string) store.GroupRequest {
		return store.GroupRequest{By: admin, In: model.NewEvent{EventTypeID: et, CaregiverID: cg.ID, OccurredAt: at, IdempotencyKey: &key}}
	}
	prior := mustRegister(t, f.s, in(f.cg1, f.et1.ID, "prior").In)[0]
	reqs := []store.GroupRequest{
		in(f.cg1, f.et1.ID, "a"),     // 0: new
		in(f.cg1, f.et1.ID, "a"),     // 1: same payload as 0: the same event
		in(f.cg1, f.et2.ID, "a"),     // 2: another payload: CONFLICT
		in(f.cg1, f.et1.ID, "prior"), // 3: replay of a stored event
		in(f.cg1, f.et2.ID, "prior"), // 4: another payload than the stored one: CONFLICT
		in(f.cg2, 999, "b"),          // 5: bad, so "b" stays unused...
		in(f.cg2, f.et2.ID, "b"),     // 6: ...and this one registers it
		in(f.cg2, f.et2.ID, "b"),     // 7: and this one replays 6
		in(f.cg2, f.et1.ID, "a"),     // 8: cg2's own key "a": a new event
		in(f.cg2, f.et1.ID, "prior"), // 9: cg2's own key "prior": a new event
	}
	evs, errs := store.CommitGroup(t.Context(), f.s, reqs)
	for i, c := range []model.Code{"", "", model.EConflict, "", model.EConflict, model.EInvalid, "", "", "", ""} {
		if c == "" {
			if errs[i] != nil {
				t.Fatalf("[%d] %v", i, errs[i])
			}
			continue
		}
		field := "idempotencyKey"
		if c == model.EInvalid {
			field = "eventTypeId"
		}
		wantErr(t, errs[i], c, field)
	}
	if evs[1].ID != evs[0].ID || evs[3].ID != prior.ID || evs[7].ID != evs[6].ID || evs[6].ID == evs[0].ID {
		t.Fatalf("ids %d %d / %d (prior %d) / %d %d", evs[0].ID, evs[1].ID, evs[3].ID, prior.ID, evs[6].ID, evs[7].ID)
	}
	if evs[8].ID == evs[0].ID || evs[9].ID == prior.ID || evs[8].CaregiverID != f.cg2.ID || evs[9].CaregiverID != f.cg2.ID {
		t.Fatalf("cg2's keys gave %+v and %+v, want new events of cg2", evs[8], evs[9])
	}
	if n := countEvents(t, f.s); n != 5 {
		t.Fatalf("%d events, want 5 (prior, a, b, and cg2's a and prior)", n)
	}
	// The same sequence as separate calls gives the same answers.
	// (A fresh fixture has the same ids.)
	g := newFixture(t, withGroupCommit(store.GroupCommitOptions{MaxBatch: 1}))
	mustRegister(t, g.s, in(g.cg1, g.et1.ID, "prior").In)
	for i, r := range reqs {
		_, err := g.s.RegisterEvent(t.Context(), admin, r.In)
		if model.ErrorCode(err) != model.ErrorCode(errs[i]) || (err == nil) != (errs[i] == nil) {
			t.Fatalf("[%d] separately %v, in a batch %v", i, err, errs[i])
		}
	}
	wantNoDiffs(t, f.s)
}

// window is a gathering window that the test ends by hand (SetGroupClock):
// its clock stands still, so every wait asks for the whole MaxWait, and a
// wait ends only when the test fires it. The tests count waits instead of
// timing them.
type window struct{ waits chan windowWait }

// windowWait is one wait the group committer started.
type windowWait struct {
	d    time.Duration
	fire chan<- time.Time
}

// newWindow gives s's group committer a window; call it while no
// registration is under way.
func newWindow(s *store.Store) *window {
	w := &window{waits: make(chan windowWait, 64)}
	now := time.Now()
	store.SetGroupClock(s, func() time.Time { return now }, func(d time.Duration) (<-chan time.Time, func() bool) {
		c := make(chan time.Time, 1)
		w.waits <- windowWait{d: d, fire: c}
		return c, func() bool { return true }
	})
	return w
}

// next returns the next wait the committer starts, failing after 10 s.
func (w *window) next(tb testing.TB) windowWait {
	tb.Helper()
	select {
	case ww := <-w.waits:
		return ww
	case <-time.After(10 * time.Second):
		tb.Fatal("the group committer started no wait within 10 s")
		return windowWait{}
	}
}

func TestGroupCommitBounds(t *testing.T) {
	t.Run("OKLoneCallerNotDelayed", func(t *testing.T) {
		// Even with the longest wait allowed, a client that registers one
		// event after another is answered at commit speed: the committer
		// never waits for company.
		f := newFixture(t, withGroupCommit(store.GroupCommitOptions{MaxWait: time.Second, MaxBatch: store.DefaultGroupBatch}))
		w := newWindow(f.s)
		for i := range 5 {
			if _, err := f.s.RegisterEvent(t.Context(), admin, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 6, 1, i, 0)}); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(w.waits); n != 0 {
			t.Fatalf("5 lone registrations: the committer waited %d times for company", n)
		}
	})

	t.Run("OKWaitIsBounded", func(t *testing.T) {
		// After a batch of 5 the committer expects 5 callers again; a lone
		// caller waits for them, but no longer than MaxWait.
		const wait = 300 * time.Millisecond
		rec := &batchRecorder{}
		f := newFixture(t, withGroupCommit(store.GroupCommitOptions{MaxWait: wait, MaxBatch: store.DefaultGroupBatch}), withObserver(rec))
		var ins []model.NewEvent
		for i := range 5 {
			ins = append(ins, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 6, 1, i, 0)})
		}
		inOneBatch(t, f.s, ins[0], ins)
		w := newWindow(f.s)
		c := registerAsync(t.Context(), f.s, ins[0])
		ww := w.next(t)
		if ww.d != wait {
			t.Fatalf("the committer waits %s for company, want MaxWait %s", ww.d, wait)
		}
		select {
		case r := <-c:
			t.Fatalf("answered (%v) before the window closed", r.err)
		default:
		}
		ww.fire <- time.Now()
		if r := await(t, c); r.err != nil {
			t.Fatal(r.err)
		}
		if got := rec.Sizes(); !slices.Equal(got, []int{1, 5, 1}) {
			t.Fatalf("batches %v, want [1 5 1]: the lone caller alone once the window closed", got)
		}
		if n := len(w.waits); n != 0 {
			t.Fatalf("%d more waits", n)
		}
	})

	t.Run("OKZeroWaitNeverWaits", func(t *testing.T) {
		// MaxWait 0 is no wait, as --group-commit-wait 0 is: after a batch
		// of 5 a lone caller is committed without waiting for company.
		rec := &batchRecorder{}
		f := newFixture(t, withGroupCommit(store.GroupCommitOptions{MaxWait: 0, MaxBatch: store.DefaultGroupBatch}), withObserver(rec))
		var ins []model.NewEvent
		for i := range 5 {
			ins = append(ins, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 6, 1, i, 0)})
		}
		inOneBatch(t, f.s, ins[0], ins)
		w := newWindow(f.s)
		if r := await(t, registerAsync(t.Context(), f.s, ins[0])); r.err != nil {
			t.Fatal(r.err)
		}
		if n := len(w.waits); n != 0 {
			t.Fatalf("MaxWait 0: the committer waited %d times for company", n)
		}
		if got := rec.Sizes(); !slices.Equal(got, []int{1, 5, 1}) {
			t.Fatalf("batches %v, want [1 5 1]", got)
		}
	})

	t.Run("ErrOptions", func(t *testing.T) {
		for _, o := range []store.GroupCommitOptions{{MaxBatch: -1}, {MaxBatch: 0}, {MaxBatch: model.MaxBatch + 1}, {MaxWait: 2 * time.Second, MaxBatch: store.DefaultGroupBatch}, {MaxWait: -time.Millisecond, MaxBatch: store.DefaultGroupBatch}} {
			if _, err := openAt(t, tempPath(t), withGroupCommit(o)); err == nil {
				t.Errorf("%+v: opened", o)
			}
		}
	})
}

func TestGroupCommitCancel(t *testing.T) {
	t.Run("OKQueuedCallerLeaves", func(t *testing.T) {
		f := newFixture(t)
		in := model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 6, 1, 0, 0)}
		primed, release := queueBehindPrimer(t, f.s, in)
		ctx, cancel := context.WithCancel(t.Context())
		gone := registerAsync(ctx, f.s, in)
		stay := registerAsync(t.Context(), f.s, in)
		waitFor(t, "2 queued registrations", func() bool { return store.QueuedRegistrations(f.s) == 2 })
		cancel()
		if r := await(t, gone); !errors.Is(r.err, context.Canceled) {
			t.Fatalf("cancelled caller got %+v, %v while the writer was held", r.ev, r.err)
		}
		release()
		for _, c := range []<-chan result{primed, stay} {
			if r := await(t, c); r.err != nil {
				t.Fatal(r.err)
			}
		}
		if n := countEvents(t, f.s); n != 2 {
			t.Fatalf("%d events, want 2", n)
		}
	})

	t.Run("OKTakenCallerSkipped", func(t *testing.T) {
		// A caller taken into a batch that is still gathering, whose ctx
		// ends before the batch starts, gets ctx.Err() and writes nothing;
		// its neighbour in the batch commits.
		f := newFixture(t, withGroupCommit(store.GroupCommitOptions{MaxWait: 300 * time.Millisecond, MaxBatch: store.DefaultGroupBatch}))
		var ins []model.NewEvent
		for i := range 5 {
			ins = append(ins, model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: utc(2024, 6, 1, i, 0)})
		}
		inOneBatch(t, f.s, ins[0], ins) // now the committer expects 5
		w := newWindow(f.s)             // the batch gathers until the test ends the wait
		taken := store.TakenRegistrations(f.s)
		ctx, cancel := context.WithCancel(t.Context())
		gone := registerAsync(ctx, f.s, ins[1])
		ww := w.next(t) // gone is taken, and the batch waits for company
		stay := registerAsync(t.Context(), f.s, ins[2])
		waitFor(t, "the neighbour to be taken", func() bool { return store.TakenRegistrations(f.s) == taken+2 })
		cancel()
		ww.fire <- time.Now()
		if r := await(t, gone); !errors.Is(r.err, context.Canceled) || r.ev != nil {
			t.Fatalf("cancelled caller got %+v, %v", r.ev, r.err)
		}
		if r := await(t, stay); r.err != nil {
			t.Fatal(r.err)
		}
		if n := countEvents(t, f.s); n != 7 {
			t.Fatalf("%d events, want 7 (primer, 5, the neighbour)", n)
		}
		wantNoDiffs(t, f.s)
	})
}

func TestGroupCommitClose(t *testing.T) {
	t.Run("OKPendingCallersFail", func(t *testing.T) {
		base := runtime.NumGoroutine()
		path := tempPath(t)
		s, err := store.Open(t.Context(), store.Options{Path: path, Now: func() time.Time { return testNow }})
		if err != nil {
			t.Fatal(err)
		}
		mustAdmin(t, s)
		cg := mustCaregiver(t, s, "Anna")
		et := mustEventType(t, s, "XRAY", 1000, nil)
		in := model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: utc(2024, 6, 1, 0, 0)}
		primed, release := queueBehindPrimer(t, s, in)
		var pending []<-chan result
		for range 4 {
			pending = append(pending, registerAsync(t.Context(), s, in))
		}
		waitFor(t, "4 queued registrations", func() bool { return store.QueuedRegistrations(s) == 4 })
		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		// Once Close has begun, a new call is refused at once.
		waitFor(t, "Close to refuse new registrations", func() bool {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Millisecond)
			defer cancel()
			_, err := s.RegisterEvent(ctx, admin, in)
			return errors.Is(err, store.ErrClosed)
		})
		release()
		if r := await(t, primed); r.err != nil {
			t.Fatalf("the batch in hand was not committed: %v", r.err)
		}
		for i, c := range pending {
			if r := await(t, c); !errors.Is(r.err, store.ErrClosed) {
				t.Fatalf("pending [%d] got %+v, %v; want ErrClosed", i, r.ev, r.err)
			}
		}
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
		s2, err := openAt(t, path)
		if err != nil {
			t.Fatal(err)
		}
		if n := countEvents(t, s2); n != 1 {
			t.Fatalf("%d events, want the primer's", n)
		}
	})

	t.Run("OKNoLeak", func(t *testing.T) {
		base := runtime.NumGoroutine()
		for range 3 {
			s, err := store.Open(t.Context(), store.Options{Path: tempPath(t)})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
	})
}
