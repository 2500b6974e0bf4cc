package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// TestRollupProperty runs random sequences of writes (register, void,
// reimburse by ids and by month, price changes) and checks after every step
// that the rollups match a recount of the events and that the report read
// from rollups equals the naive GROUP BY for random periods and caregivers.
func TestRollupProperty(t *testing.T) {
	zones := []string{"UTC", "Europe/Stockholm", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"}
	for seed := uint64(0); seed < 12; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 7))
			loc := mustZone(t, zones[int(seed)%len(zones)])
			s := MustOpen(t, withZone(loc))
			mustAdmin(t, s)
			ctx := context.Background()
			var cgs, types []int64
			for i := 0; i < 4; i++ {
				cgs = append(cgs, mustCaregiver(t, s, fmt.Sprintf("C%d", i)).ID)
			}
			for i := 0; i < 3; i++ {
				types = append(types, mustEventType(t, s, fmt.Sprintf("T%d", i), model.Money(1000+rng.IntN(100000)), nil).ID)
			}
			base := time.Date(2023, 10, 1, 0, 0, 0, 0, loc)
			// near returns an instant within ±36h of a month boundary in loc.
			near := func() time.Time {
				m := base.AddDate(0, rng.IntN(8), 0)
				return m.Add(time.Duration(rng.Int64N(int64(72*time.Hour))) - 36*time.Hour).Truncate(time.Second)
			}
			var ids []int64
			for step := 0; step < 40; step++ {
				switch op := rng.IntN(10); {
				case op < 5:
					n := 1 + rng.IntN(20)
					ins := make([]model.NewEvent, n)
					for i := range ins {
						ins[i] = model.NewEvent{EventTypeID: types[rng.IntN(len(types))], CaregiverID: cgs[rng.IntN(len(cgs))], OccurredAt: near()}
					}
					for _, e := range mustRegister(t, s, ins...) {
						ids = append(ids, e.ID)
					}
				case op == 5 && len(ids) > 0:
					_, _ = s.VoidEvent(ctx, admin, ids[rng.IntN(len(ids))], "random") // may be CONFLICT: fine
				case op == 6 && len(ids) > 0:
					pick := map[int64]bool{}
					for i := 0; i < 1+rng.IntN(5); i++ {
						pick[ids[rng.IntN(len(ids))]] = true
					}
					var batch []int64
					for id := range pick {
						batch = append(batch, id)
					}
					_, _ = s.ReimburseEvents(ctx, admin, batch) // all or nothing; CONFLICT is fine
				case op == 7:
					through := model.MonthOf(near(), loc)
					var sel []int64
					if rng.IntN(2) == 0 {
						sel = cgs[:1+rng.IntN(len(cgs))]
					}
					_, _ = s.ReimbursePending(ctx, admin, sel, through) // nothing pending is fine
				case op == 8:
					_, _ = s.SetEventTypePrice(ctx, model.NewPrice{EventTypeID: types[rng.IntN(len(types))], Price: model.Money(500 + rng.IntN(50000)), EffectiveFrom: near()})
				}
				diffs, err := s.VerifyRollups(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(diffs) > 0 {
					t.Fatalf("step %d: rollups differ: %v", step, diffs)
				}
				for k := 0; k < 3; k++ {
					q := randomQuery(rng, near, cgs)
					checkFastEqualsNaive(t, s, q)
				}
			}
		})
	}
}

func randomQuery(rng *rand.Rand, near func() time.Time, cgs []int64) model.ReportQuery {
	q := model.ReportQuery{ByEventType: rng.IntN(2) == 0}
	bound := func() *time.Time {
		switch rng.IntN(4) {
		case 0:
			return nil
		case 1: // exactly on a month start in some zone: exercises whole months
			t := near()
			t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
			return &t
		default:
			t := near()
			return &t
		}
	}
	q.From, q.To = bound(), bound()
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		q.From, q.To = q.To, q.From
	}
	if rng.IntN(3) == 0 {
		q.CaregiverIDs = append([]int64{}, cgs[:rng.IntN(len(cgs)+1)]...)
	}
	return q
}

func checkFastEqualsNaive(t *testing.T, s *store.Store, q model.ReportQuery) {
	t.Helper()
	got, err := s.Report(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.ReportNaive(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rollup report differs from the naive one for %+v:\n%s", q, reportDiff(got, want))
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
