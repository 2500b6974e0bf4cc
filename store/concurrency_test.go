package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// TestConcurrentWriters has 16 writers register, void and reimburse events
// of the same two caregivers in the same two months at once. On PostgreSQL
// they run in concurrent READ COMMITTED transactions; on SQLite they queue
// for the writer. Either way every acknowledged event is stored exactly
// once, every write is all or nothing, and the rollups stay exact.
func TestConcurrentWriters(t *testing.T) {
	eachDialect(t, func(t *testing.T, path string) {
		f := newFixture(t, withPath(path))
		ctx := t.Context()
		const writers, ops = 16, 30
		cgs := []int64{f.cg1.ID, f.cg2.ID}
		types := []int64{f.et1.ID, f.et2.ID}
		// A shared key always comes with the same payload, so racing
		// writers must all get the same event; a clash key comes with the
		// writer's own payload for the first caregiver (keys are per
		// caregiver), so all but the first get EConflict.
		payload := func(key string, n uint64) model.NewEvent {
			return model.NewEvent{
				CaregiverID: cgs[n%2], EventTypeID: types[(n/2)%2], IdempotencyKey: ptr(key),
				OccurredAt: utc(2024, time.Month(5+(n/4)%2), 1+int(n%14), int(n%24), int(n%60)),
			}
		}
		var (
			mu       sync.Mutex
			keyID    = map[string]int64{} // idempotency key -> acknowledged event
			known    []int64              // acknowledged events, for voids and payouts
			voided   = map[int64]bool{}
			paidBy   = map[int64]int64{} // event -> payout, from ReimburseEvents
			payouts  []int64
			failures []string
		)
		fail := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			failures = append(failures, fmt.Sprintf(format, args...))
		}
		pick := func(rng *rand.Rand, n int) []int64 {
			mu.Lock()
			defer mu.Unlock()
			seen := map[int64]bool{}
			var out []int64
			for range n {
				if len(known) == 0 {
					break
				}
				id := known[rng.IntN(len(known))]
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
			return out
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 42))
				<-start
				for range ops {
					switch r := rng.IntN(100); {
					case r < 55: // register a batch of 1-3
						var ins []model.NewEvent
						clash := false
						for range 1 + rng.IntN(3) {
							if rng.IntN(10) == 0 {
								clash = true
								ins = append(ins, payload(fmt.Sprintf("clash-%d", rng.IntN(5)), 2*uint64(w))) // even: cgs[0]
								continue
							}
							n := rng.Uint64N(300)
							ins = append(ins, payload(fmt.Sprintf("k%d", n), n))
						}
						evs, err := f.s.RegisterEvents(ctx, admin, ins)
						if err != nil {
							if !clash || model.ErrorCode(err) != model.EConflict {
								fail("register %d events (clash %v): %v", len(ins), clash, err)
							}
							continue
						}
						mu.Lock()
						for i, e := range evs {
							key := *ins[i].IdempotencyKey
							if id, ok := keyID[key]; ok && id != e.ID {
								failures = append(failures, fmt.Sprintf("key %s gave events %d and %d", key, id, e.ID))
							} else if !ok {
								keyID[key] = e.ID
								known = append(known, e.ID)
							}
						}
						mu.Unlock()
					case r < 72:
						ids := pick(rng, 1)
						if len(ids) == 0 {
							continue
						}
						_, err := f.s.VoidEvent(ctx, admin, ids[0], "concurrency test")
						switch {
						case err == nil:
							mu.Lock()
							voided[ids[0]] = true
							mu.Unlock()
						case model.ErrorCode(err) != model.EConflict:
							fail("void %d: %v", ids[0], err)
						}
					case r < 90:
						ids := pick(rng, 1+rng.IntN(3))
						if len(ids) == 0 {
							continue
						}
						p, err := f.s.ReimburseEvents(ctx, admin, ids)
						if err != nil {
							if model.ErrorCode(err) != model.EConflict {
								fail("reimburse %v: %v", ids, err)
							}
							continue
						}
						mu.Lock()
						payouts = append(payouts, p.ID)
						for _, id := range ids {
							paidBy[id] = p.ID
						}
						mu.Unlock()
					default:
						p, err := f.s.ReimbursePending(ctx, admin, []int64{cgs[rng.IntN(2)]}, 202406)
						if err != nil {
							if model.ErrorCode(err) != model.EInvalid {
								fail("reimburse pending: %v", err)
							}
							continue
						}
						mu.Lock()
						payouts = append(payouts, p.ID)
						mu.Unlock()
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		for _, f := range failures {
			t.Error(f)
		}
		if t.Failed() {
			return
		}

		all := allEvents(t, f.s, model.EventFilter{})
		byID := map[int64]model.Event{}
		for _, e := range all {
			if _, dup := byID[e.ID]; dup {
				t.Fatalf("event %d listed twice", e.ID)
			}
			byID[e.ID] = e
		}
		if len(all) != len(keyID) {
			t.Errorf("%d events stored, %d acknowledged", len(all), len(keyID))
		}
		for key, id := range keyID {
			if e, ok := byID[id]; !ok || e.IdempotencyKey == nil || *e.IdempotencyKey != key {
				t.Errorf("acknowledged event %d (key %s) is stored as %+v", id, key, e)
			}
		}
		for id := range voided {
			if byID[id].Status != model.StatusVoided {
				t.Errorf("voided event %d is %s", id, byID[id].Status)
			}
		}
		for id, p := range paidBy {
			if e := byID[id]; e.Status != model.StatusReimbursed || e.ReimbursementID == nil || *e.ReimbursementID != p {
				t.Errorf("event %d paid by %d is %s in %v", id, p, e.Status, e.ReimbursementID)
			}
		}
		checkPayouts(t, f.s, payouts, all)
		if diffs, err := f.s.VerifyRollups(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("rollups differ from events: %v %v", diffs, err)
		}
		t.Logf("%s: %d events, %d voided, %d payouts", f.s.Dialect(), len(all), len(voided), len(payouts))
	})
}

// checkPayouts checks that each payout's count and total are those of the
// events that link to it, and that every reimbursed event links to one.
func checkPayouts(t *testing.T, s *store.Store, payouts []int64, all []model.Event) {
	t.Helper()
	count := map[int64]int64{}
	total := map[int64]model.Money{}
	for _, e := range all {
		if e.Status == model.StatusReimbursed {
			if e.ReimbursementID == nil {
				t.Fatalf("reimbursed event %d has no payout", e.ID)
			}
			count[*e.ReimbursementID]++
			total[*e.ReimbursementID] += e.Amount
		}
	}
	if len(count) != len(payouts) {
		t.Errorf("%d payouts made, events link to %d", len(payouts), len(count))
	}
	for _, id := range payouts {
		r, err := s.FindReimbursementByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.EventCount != count[id] || r.Total != total[id] {
			t.Errorf("payout %d says %d events / %s, its events are %d / %s", id, r.EventCount, r.Total.Decimal(), count[id], total[id].Decimal())
		}
	}
}

// TestRaces starts two writes on the same event (or key, or code) at once,
// many times over: exactly one wins and the other gets the error it would
// get had it come second.
func TestRaces(t *testing.T) {
	eachDialect(t, func(t *testing.T, path string) {
		f := newFixture(t, withPath(path))
		ctx := t.Context()
		// oneWins fails unless exactly one error is nil and the other has
		// the given code.
		oneWins := func(what string, ea, eb error, code model.Code) {
			t.Helper()
			if (ea == nil) == (eb == nil) || model.ErrorCode(errors.Join(ea, eb)) != code {
				t.Fatalf("%s: got %v and %v, want one success and one %s", what, ea, eb, code)
			}
		}
		at := utc(2024, 6, 3, 10, 0)
		solo := mustCaregiver(t, f.s, "Solo") // whose only PENDING event is the raced one
		for i := range 15 {
			e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, at)
			ea, eb := race(
				func() error { _, err := f.s.ReimburseEvents(ctx, admin, []int64{e.ID}); return err },
				func() error { _, err := f.s.ReimburseEvents(ctx, admin, []int64{e.ID}); return err })
			oneWins("two payouts of one event", ea, eb, model.EConflict)

			e = mustEvent(t, f.s, f.et1.ID, f.cg1.ID, at)
			ea, eb = race(
				func() error { _, err := f.s.VoidEvent(ctx, admin, e.ID, "race"); return err },
				func() error { _, err := f.s.ReimburseEvents(ctx, admin, []int64{e.ID}); return err })
			oneWins("void against payout", ea, eb, model.EConflict)

			e = mustEvent(t, f.s, f.et2.ID, f.cg2.ID, at)
			ea, eb = race(
				func() error { _, err := f.s.VoidEvent(ctx, admin, e.ID, "race"); return err },
				func() error { _, err := f.s.VoidEvent(ctx, admin, e.ID, "race"); return err })
			oneWins("two voids", ea, eb, model.EConflict)

			// reimbursePending has nothing left when the void wins: EInvalid.
			e = mustEvent(t, f.s, f.et2.ID, solo.ID, at)
			ea, eb = race(
				func() error { _, err := f.s.VoidEvent(ctx, admin, e.ID, "race"); return err },
				func() error { _, err := f.s.ReimbursePending(ctx, admin, []int64{solo.ID}, 202406); return err })
			if (ea == nil) == (eb == nil) || (ea != nil && model.ErrorCode(ea) != model.EConflict) || (eb != nil && model.ErrorCode(eb) != model.EInvalid) {
				t.Fatalf("void against reimbursePending: got %v and %v", ea, eb)
			}

			in := model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: at, IdempotencyKey: ptr(fmt.Sprintf("same-%d", i))}
			var ida, idb int64
			ea, eb = race(
				func() error {
					evs, err := f.s.RegisterEvents(ctx, admin, []model.NewEvent{in})
					ida = id0(evs)
					return err
				},
				func() error {
					evs, err := f.s.RegisterEvents(ctx, admin, []model.NewEvent{in})
					idb = id0(evs)
					return err
				})
			if ea != nil || eb != nil || ida != idb || ida == 0 {
				t.Fatalf("one key, same payload: got events %d, %d and errors %v, %v; want one event twice", ida, idb, ea, eb)
			}

			other := in
			other.IdempotencyKey = ptr(fmt.Sprintf("clash-%d", i))
			other2 := other
			other2.OccurredAt = other.OccurredAt.Add(time.Minute) // the same caregiver's key: another payload
			ea, eb = race(
				func() error { _, err := f.s.RegisterEvents(ctx, admin, []model.NewEvent{other}); return err },
				func() error { _, err := f.s.RegisterEvents(ctx, admin, []model.NewEvent{other2}); return err })
			oneWins("one key, two payloads", ea, eb, model.EConflict)

			code := fmt.Sprintf("RACE_%d", i)
			ea, eb = race(
				func() error {
					_, err := f.s.CreateEventType(ctx, model.NewEventType{Code: code, Name: "a", Price: 100})
					return err
				},
				func() error {
					_, err := f.s.CreateEventType(ctx, model.NewEventType{Code: code, Name: "b", Price: 100})
					return err
				})
			oneWins("one code twice", ea, eb, model.EConflict)
		}
		if diffs, err := f.s.VerifyRollups(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("rollups differ from events: %v %v", diffs, err)
		}
	})
}

func id0(evs []model.Event) int64 {
	if len(evs) == 0 {
		return 0
	}
	return evs[0].ID
}

// race runs a and b at once and returns their errors.
func race(a, b func() error) (error, error) {
	start := make(chan struct{})
	var ea, eb error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); <-start; ea = a() }()
	go func() { defer wg.Done(); <-start; eb = b() }()
	close(start)
	wg.Wait()
	return ea, eb
}
