package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/reimburse/reimburse/model"
)

// TestRollupProperty runs random sequences of writes (register, void,
// reimburse by ids and by month, price changes), checks each write's result
// or error code against the test's own records, and checks after every step
// that the rollups match a recount of the events and that both report paths
// (rollups with raw edges, and the naive GROUP BY) equal a report computed
// from those records for random periods and caregivers.
func TestRollupProperty(t *testing.T) {
	for seed := range uint64(2 * len(propZones)) {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 7))
			w := newPropWorld(t, rng, propZones[int(seed)%len(propZones)])
			for i := range 4 {
				w.cgs = append(w.cgs, mustCaregiver(t, w.s, fmt.Sprintf("C%d", i)).ID)
			}
			for i := range 3 {
				p := model.Money(1000 + rng.IntN(100000))
				w.types = append(w.types, mustEventType(t, w.s, fmt.Sprintf("T%d", i), p, nil).ID)
				w.prices[w.types[i]] = []propPrice{{amount: p}}
			}
			for step := range 40 {
				w.rollupStep()
				diffs, err := w.s.VerifyRollups(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if len(diffs) > 0 {
					t.Fatalf("step %d: rollups differ: %v", step, diffs)
				}
				for range 3 {
					q := w.randomQuery()
					w.checkReport(q)
					w.checkNaive(q)
				}
			}
		})
	}
}

// rollupStep makes one random write and checks its outcome.
func (w *propWorld) rollupStep() {
	t, rng, ctx := w.t, w.rng, w.t.Context()
	switch op := rng.IntN(10); {
	case op < 5 || len(w.events) == 0:
		ins := make([]model.NewEvent, 1+rng.IntN(20))
		for i := range ins {
			ins[i] = model.NewEvent{EventTypeID: w.types[rng.IntN(len(w.types))], CaregiverID: w.cgs[rng.IntN(len(w.cgs))], OccurredAt: w.nearBoundary()}
		}
		w.register(ins)
	case op == 5:
		e := w.events[rng.IntN(len(w.events))]
		_, err := w.s.VoidEvent(ctx, admin, e.id, "random")
		if e.status != model.StatusPending {
			wantErr(t, err, model.EConflict, "id")
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		e.status = model.StatusVoided
	case op == 6:
		var batch []*propEvent
		for range 1 + rng.IntN(5) {
			if e := w.events[rng.IntN(len(w.events))]; !slices.Contains(batch, e) {
				batch = append(batch, e)
			}
		}
		var ids []int64
		var total model.Money
		var conflicts [][2]string
		for i, e := range batch {
			ids, total = append(ids, e.id), total+e.amount
			if e.status != model.StatusPending {
				conflicts = append(conflicts, [2]string{string(model.EConflict), fmt.Sprintf("[%d]", i)})
			}
		}
		r, err := w.s.ReimburseEvents(ctx, admin, ids)
		if len(conflicts) > 0 {
			wantErrs(t, err, conflicts...) // all or nothing
			return
		}
		if err != nil || r.EventCount != int64(len(ids)) || r.Total != total {
			t.Fatalf("reimburseEvents(%v) = %+v, %v; want %d events totalling %s", ids, r, err, len(ids), total.Decimal())
		}
		for _, e := range batch {
			e.status = model.StatusReimbursed
		}
	case op == 7:
		through := w.month(rng.IntN(propMonths))
		var sel []int64
		if rng.IntN(2) == 0 {
			sel = w.cgs[:1+rng.IntN(len(w.cgs))]
		}
		var hit []*propEvent
		var total model.Money
		for _, e := range w.pending() {
			if e.month <= through && (sel == nil || slices.Contains(sel, e.cgID)) {
				hit, total = append(hit, e), total+e.amount
			}
		}
		r, err := w.s.ReimbursePending(ctx, admin, sel, through)
		if len(hit) == 0 {
			wantErr(t, err, model.EInvalid, "through")
			return
		}
		if err != nil || r.EventCount != int64(len(hit)) || r.Total != total {
			t.Fatalf("reimbursePending(%v, %s) = %+v, %v; want %d events totalling %s", sel, through, r, err, len(hit), total.Decimal())
		}
		for _, e := range hit {
			e.status = model.StatusReimbursed
		}
	case op == 8:
		typ := w.types[rng.IntN(len(w.types))]
		at, price := w.nearBoundary(), model.Money(500+rng.IntN(50000))
		for _, p := range w.prices[typ] {
			if p.from != nil && p.from.Equal(at) {
				_, err := w.s.SetEventTypePrice(ctx, model.NewPrice{EventTypeID: typ, Price: price, EffectiveFrom: at})
				wantErr(t, err, model.EConflict, "effectiveFrom")
				return
			}
		}
		w.setPrice(typ, at, price)
	}
}

// checkNaive compares the naive GROUP BY report with the test's own.
func (w *propWorld) checkNaive(q model.ReportQuery) {
	w.t.Helper()
	got, err := w.s.ReportNaive(w.t.Context(), q)
	if err != nil {
		w.t.Fatalf("query %s: %v", describeQuery(q), err)
	}
	if want := w.expectReport(q); !reflect.DeepEqual(got, want) {
		w.t.Fatalf("naive report, zone %s, query %s:\n%s", w.loc, describeQuery(q), reportDiff(got, want))
	}
}

// TestVerifyFindsDrift shows that VerifyRollups is not vacuous: a rollup row
// changed behind the store's back is reported.
func TestVerifyFindsDrift(t *testing.T) {
	f := newFixture(t)
	mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 3, 1, 10, 0))
	if d, err := f.s.VerifyRollups(context.Background()); err != nil || len(d) != 0 {
		t.Fatalf("fresh store: %v, %v", d, err)
	}
	w, _ := f.s.DBs()
	if _, err := w.Exec(`UPDATE month_rollups SET amount = amount + 1`); err != nil {
		t.Fatal(err)
	}
	d, err := f.s.VerifyRollups(context.Background())
	if err != nil || len(d) != 1 || d[0].GotAmount != d[0].WantAmount+1 || d[0].Month != 202403 {
		t.Fatalf("drift not reported: %v, %v", d, err)
	}
}

// TestVerifyFindsCaregiverDrift: the per-caregiver rollups are checked too,
// reported with event type 0.
func TestVerifyFindsCaregiverDrift(t *testing.T) {
	f := newFixture(t)
	mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 3, 1, 10, 0))
	w, _ := f.s.DBs()
	if _, err := w.Exec(`UPDATE month_caregiver_rollups SET event_count = event_count + 1`); err != nil {
		t.Fatal(err)
	}
	d, err := f.s.VerifyRollups(context.Background())
	if err != nil || len(d) != 1 || d[0].EventTypeID != 0 || d[0].GotCount != d[0].WantCount+1 || d[0].CaregiverID != f.cg1.ID {
		t.Fatalf("drift not reported: %v, %v", d, err)
	}
}
