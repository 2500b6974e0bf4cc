package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// batchRecorder is an Observer that records how many events each committed
// write registered: with group commit, one entry per batch.
type batchRecorder struct {
	mu    sync.Mutex
	sizes []int
}

func (r *batchRecorder) EventsRegistered(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sizes = append(r.sizes, n)
}
func (r *batchRecorder) EventsReimbursed(int)    {}
func (r *batchRecorder) EventsVoided(int)        {}
func (r *batchRecorder) GroupCommitted(int)      {}
func (r *batchRecorder) Checkpointed(int, error) {}

// Sizes returns the recorded batch sizes.
func (r *batchRecorder) Sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sizes)
}

// withGroupCommit sets the group commit bounds of a store.
func withGroupCommit(o store.GroupCommitOptions) func(*store.Options) {
	return func(opt *store.Options) { opt.GroupCommit = &o }
}

// withObserver sets the observer of a store.
func withObserver(obs store.Observer) func(*store.Options) {
	return func(opt *store.Options) { opt.Observer = obs }
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// result is what one RegisterEvent call returned.
type result struct {
	ev  *model.Event
	err error
}

// registerAsync calls RegisterEvent on its own goroutine.
func registerAsync(ctx context.Context, s *store.Store, in model.NewEvent) <-chan result {
	c := make(chan result, 1)
	go func() {
		ev, err := s.RegisterEvent(ctx, admin, in)
		c <- result{ev, err}
	}()
	return c
}

// await receives a result, failing the test after 10 s.
func await(tb testing.TB, c <-chan result) result {
	tb.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(10 * time.Second):
		tb.Fatal("RegisterEvent did not return within 10 s")
		return result{}
	}
}

// queueBehindPrimer holds the writer and sends a primer registration, which
// the committer takes alone and then blocks on, so that every call made
// before the returned release is called queues for the next batch.
func queueBehindPrimer(tb testing.TB, s *store.Store, primer model.NewEvent) (primed <-chan result, release func()) {
	tb.Helper()
	release = store.HoldWriter(tb, s)
	w, _ := s.DBs()
	waits := w.Stats().WaitCount
	primed = registerAsync(context.Background(), s, primer)
	waitFor(tb, "the primer batch to wait for the writer", func() bool { return w.Stats().WaitCount > waits })
	return primed, release
}

// inOneBatch makes concurrent RegisterEvent calls for ins that the
// committer gathers into one batch, and returns their results in input
// order. Inputs that fail Normalize never queue.
func inOneBatch(tb testing.TB, s *store.Store, primer model.NewEvent, ins []model.NewEvent) []result {
	tb.Helper()
	primed, release := queueBehindPrimer(tb, s, primer)
	queued := 0
	for _, in := range ins {
		if in.Normalize(testNow) == nil {
			queued++
		}
	}
	cs := make([]<-chan result, len(ins))
	for i, in := range ins {
		cs[i] = registerAsync(context.Background(), s, in)
	}
	waitFor(tb, fmt.Sprintf("%d queued registrations", queued), func() bool { return store.QueuedRegistrations(s) == queued })
	release()
	if r := await(tb, primed); r.err != nil {
		tb.Fatalf("primer: %v", r.err)
	}
	out := make([]result, len(ins))
	for i, c := range cs {
		out[i] = await(tb, c)
	}
	return out
}

// wantNoDiffs fails if the rollups disagree with the raw events.
func wantNoDiffs(tb testing.TB, s *store.Store) {
	tb.Helper()
	diffs, err := s.VerifyRollups(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if len(diffs) > 0 {
		tb.Fatalf("rollups differ from events: %v", diffs)
	}
}

func TestRegisterEvent(t *testing.T) {
	for _, mode := range []struct {
		name string
		gc   store.GroupCommitOptions
	}{{"GroupCommit", store.GroupCommitOptions{MaxWait: store.DefaultGroupWait, MaxBatch: store.DefaultGroupBatch}}, {"OwnTransaction", store.GroupCommitOptions{MaxBatch: 1}}} {
		t.Run(mode.name, func(t *testing.T) {
			f := newFixture(t, withGroupCommit(mode.gc))
			at := utc(2024, 6, 1, 10, 30)
			t.Run("OK", func(t *testing.T) {
				e, err := f.s.RegisterEvent(t.Context(), admin, model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg1.ID, OccurredAt: at})
				if err != nil {
					t.Fatal(err)
				}
				want := model.Event{ID: e.ID, EventTypeID: f.et2.ID, CaregiverID: f.cg1.ID, OccurredAt: at, Month: 202406, Amount: 25050,
					Status: model.StatusPending, RegisteredAt: testNow, RegisteredBy: admin.TokenID}
				if e.ID == 0 || *e != want {
					t.Fatalf("got %+v, want %+v", *e, want)
				}
				if got := mustFindEvent(t, f.s, e.ID); *got != want {
					t.Fatalf("read back %+v", *got)
				}
			})
			t.Run("OKReplay", func(t *testing.T) {
				in := model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: at, IdempotencyKey: ptr("replay")}
				first, err := f.s.RegisterEvent(t.Context(), admin, in)
				if err != nil {
					t.Fatal(err)
				}
				again, err := f.s.RegisterEvent(t.Context(), admin, in)
				if err != nil || again.ID != first.ID {
					t.Fatalf("replay gave %+v, %v; want event %d", again, err, first.ID)
				}
			})
			for _, tc := range []struct {
				name  string
				in    model.NewEvent
				code  model.Code
				field string
			}{
				{"ErrFuture", model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow.Add(time.Hour)}, model.EInvalid, "occurredAt"},
				{"ErrUnknownType", model.NewEvent{EventTypeID: 999, CaregiverID: f.cg1.ID, OccurredAt: at}, model.EInvalid, "eventTypeId"},
				{"ErrUnknownCaregiver", model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: 999, OccurredAt: at}, model.EInvalid, "caregiverId"},
				{"ErrKeyConflict", model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: at, IdempotencyKey: ptr("replay")}, model.EConflict, "idempotencyKey"},
				{"ErrKeyBlank", model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: at, IdempotencyKey: ptr("")}, model.EInvalid, "idempotencyKey"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := countEvents(t, f.s)
					e, err := f.s.RegisterEvent(t.Context(), admin, tc.in)
					if e != nil {
						t.Fatalf("got event %+v with an error", e)
					}
					wantErr(t, err, tc.code, tc.field)
					if n := countEvents(t, f.s); n != before {
						t.Fatalf("%d events registered", n-before)
					}
				})
			}
			wantNoDiffs(t, f.s)
		})
	}
}

func TestGroupCommitBatch(t *testing.T) {
	t.Run("OKOneBadNeighbourFailsAlone", func(t *testing.T) {
		rec := &batchRecorder{}
		f := newFixture(t, withObserver(rec))
		at := utc(2024, 5, 31, 23, 0)
		prior := mustRegister(t, f.s, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: at, IdempotencyKey: ptr("taken")})[0]
		late := mustEventType(t, f.s, "LATE", 500, ptr(utc(2024, 6, 1, 0, 0)))
		good := func(cg *model.Caregiver, et *model.EventType, h int) model.NewEvent {
			return model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: utc(2024, 6, 2, h, 0)}
		}
		ins := []model.NewEvent{
			good(f.cg1, f.et1, 1),
			{EventTypeID: 999, CaregiverID: f.cg1.ID, OccurredAt: at}, // unknown type
			good(f.cg2, f.et2, 2),
			{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: testNow.Add(time.Hour)},           // in the future
			{EventTypeID: f.et2.ID, CaregiverID: f.cg1.ID, OccurredAt: at, IdempotencyKey: ptr("taken")}, // key used with another payload
			{EventTypeID: late.ID, CaregiverID: f.cg2.ID, OccurredAt: at},                                // no price in force yet
			{EventTypeID: f.et1.ID, CaregiverID: 999, OccurredAt: at},                                    // unknown caregiver
			{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: at, IdempotencyKey: ptr("taken")}, // replay of prior
			good(f.cg1, f.et2, 3),
		}
		want := []struct {
			code  model.Code
			field string
		}{{}, {model.EInvalid, "eventTypeId"}, {}, {model.EInvalid, "occurredAt"}, {model.EConflict, "idempotencyKey"},
			{model.EInvalid, "occurredAt"}, {model.EInvalid, "caregiverId"}, {}, {}}
		primer := model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: utc(2024, 6, 1, 12, 0)}
		res := inOneBatch(t, f.s, primer, ins)
		var amount model.Money
		for i, r := range res {
			if want[i].code != "" {
				if r.ev != nil {
					t.Errorf("[%d] got event %+v, want %s on %s", i, r.ev, want[i].code, want[i].field)
				}
				wantErr(t, r.err, want[i].code, want[i].field)
				continue
			}
			if r.err != nil {
				t.Fatalf("[%d] %v", i, r.err)
			}
			if got := mustFindEvent(t, f.s, r.ev.ID); !reflect.DeepEqual(got, r.ev) {
				t.Fatalf("[%d] read back %+v, answered %+v", i, *got, *r.ev)
			}
			if i == 7 {
				if r.ev.ID != prior.ID {
					t.Fatalf("replay gave event %d, want %d", r.ev.ID, prior.ID)
				}
				continue
			}
			amount += r.ev.Amount
		}
		// One batch for the primer, one for the three new good events.
		if got := rec.Sizes(); !slices.Equal(got, []int{1, 1, 3}) {
			t.Fatalf("registered per commit: %v, want [1 1 3] (setup, primer, the batch)", got)
		}
		if n := countEvents(t, f.s); n != 5 {
			t.Fatalf("%d events, want 5", n)
		}
		wantNoDiffs(t, f.s)
		rep, err := f.s.Report(t.Context(), model.ReportQuery{From: ptr(utc(2024, 6, 2, 0, 0))})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Totals.EventCount != 3 || rep.Totals.Pending != amount {
			t.Fatalf("report totals %+v, want 3 events pending %s", rep.Totals, amount.Decimal())
		}
	})

	t.Run("OKBurstSplitAtMaxBatch", func(t *testing.T) {
		rec := &batchRecorder{}
		f := newFixture(t, withObserver(rec), withGroupCommit(store.GroupCommitOptions{MaxWait: store.DefaultGroupWait, MaxBatch: 4}))
		var ins []model.NewEvent
		for i := range 10 {
			ins = append(ins, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 6, 1, i, 0)})
		}
		ids := map[int64]bool{}
		for i, r := range inOneBatch(t, f.s, ins[0], ins) {
			if r.err != nil {
				t.Fatalf("[%d] %v", i, r.err)
			}
			ids[r.ev.ID] = true
		}
		if len(ids) != 10 {
			t.Fatalf("%d distinct ids for 10 registrations", len(ids))
		}
		if got := rec.Sizes(); !slices.Equal(got, []int{1, 4, 4, 2}) {
			t.Fatalf("registered per commit: %v, want [1 4 4 2] (primer, then batches of at most 4)", got)
		}
		wantNoDiffs(t, f.s)
	})

	t.Run("ErrTransactionFailsEveryCaller", func(t *testing.T) {
		storetest.SkipPostgres(t, "fails writes with a SQLite trigger")
		path := tempPath(t)
		f := newFixture(t, withPath(path))
		// A trigger that fails every rollup write stands in for a disk
		// error: the batch's transaction fails after its inserts.
		raw := openRaw(t, path)
		if _, err := raw.Exec(`CREATE TRIGGER fail_rollups BEFORE INSERT ON month_rollups BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
			t.Fatal(err)
		}
		var ins []model.NewEvent
		for i := range 5 {
			ins = append(ins, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: utc(2024, 6, 1, i, 0)})
		}
		primed, release := queueBehindPrimer(t, f.s, ins[0])
		cs := make([]<-chan result, len(ins))
		for i, in := range ins {
			cs[i] = registerAsync(t.Context(), f.s, in)
		}
		waitFor(t, "5 queued registrations", func() bool { return store.QueuedRegistrations(f.s) == len(ins) })
		release()
		for i, c := range append([]<-chan result{primed}, cs...) {
			r := await(t, c)
			if r.ev != nil || r.err == nil || model.ErrorCode(r.err) != model.EInternal {
				t.Fatalf("[%d] got %+v, %v; want the transaction's error", i, r.ev, r.err)
			}
		}
		if n := countEvents(t, f.s); n != 0 {
			t.Fatalf("%d events after failed transactions", n)
		}
		if _, err := raw.Exec(`DROP TRIGGER fail_rollups`); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RegisterEvent(t.Context(), admin, ins[0]); err != nil {
			t.Fatalf("the committer did not survive a failed transaction: %v", err)
		}
		wantNoDiffs(t, f.s)
	})
}
