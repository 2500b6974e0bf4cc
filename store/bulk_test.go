package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// bulkFixture makes caregivers and types for bulk loads in one transaction.
func bulkFixture(tb testing.TB, s *store.Store, caregivers, types int) ([]int64, []*model.EventType) {
	tb.Helper()
	ins := make([]model.NewCaregiver, caregivers)
	for i := range ins {
		ins[i] = model.NewCaregiver{Name: fmt.Sprintf("Caregiver %d", i+1)}
	}
	cgs, err := s.CreateCaregivers(context.Background(), ins)
	if err != nil {
		tb.Fatal(err)
	}
	cgIDs := make([]int64, len(cgs))
	for i, c := range cgs {
		cgIDs[i] = c.ID
	}
	ets := make([]*model.EventType, types)
	for i := range ets {
		ets[i] = mustEventType(tb, s, fmt.Sprintf("BULK_%d", i), model.Money(1000*(i+1)+50), nil)
	}
	return cgIDs, ets
}

// bulkEvents returns n random events in [from, from+span), time-ordered.
func bulkEvents(rng *rand.Rand, n int, from time.Time, span time.Duration, cgIDs []int64, ets []*model.EventType) []store.BulkEvent {
	out := make([]store.BulkEvent, n)
	step := span / time.Duration(n)
	for i := range out {
		et := ets[rng.IntN(len(ets))]
		at := from.Add(step * time.Duration(i)).Add(time.Duration(rng.Int64N(int64(step))))
		price, _ := et.PriceAt(at)
		out[i] = store.BulkEvent{EventTypeID: et.ID, CaregiverID: cgIDs[rng.IntN(len(cgIDs))], OccurredAt: at, Amount: price}
	}
	return out
}

// mustLoader returns a bulk loader that is closed at cleanup.
func mustLoader(tb testing.TB, s *store.Store, opt store.BulkOptions) *store.BulkLoader {
	tb.Helper()
	l, err := s.NewBulkLoader(context.Background(), admin, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := l.Close(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	return l
}

// indexNames returns the names of the indexes of a database file.
func indexNames(tb testing.TB, s *store.Store) []string {
	tb.Helper()
	_, r := s.DBs()
	rows, err := r.Query("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			tb.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestBulkLoaderRebuildIndexes(t *testing.T) {
	storetest.SkipPostgres(t, "index dropping and rebuilding is SQLite's (its schema table holds the definitions); PostgreSQL keeps its indexes")
	t.Run("OK", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		want := indexNames(t, s)
		cgIDs, ets := bulkFixture(t, s, 3, 2)
		l, err := s.NewBulkLoader(t.Context(), admin, store.BulkOptions{RebuildIndexes: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := indexNames(t, s); len(got) >= len(want) {
			t.Fatalf("indexes during the load: %v", got)
		}
		if err := l.Load(t.Context(), bulkEvents(rand.New(rand.NewPCG(5, 6)), 500, utc(2023, 1, 1, 0, 0), 90*24*time.Hour, cgIDs, ets)); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := indexNames(t, s); !reflect.DeepEqual(got, want) {
			t.Fatalf("indexes after Close: %v, want %v", got, want)
		}
		if diffs, err := s.VerifyRollups(t.Context()); err != nil || len(diffs) > 0 {
			t.Fatalf("verify: %v %v", diffs, err)
		}
	})
	t.Run("KeptWhenNotEmpty", func(t *testing.T) {
		f := newFixture(t)
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 1, 1, 0, 0))
		want := indexNames(t, f.s)
		mustLoader(t, f.s, store.BulkOptions{RebuildIndexes: true})
		if got := indexNames(t, f.s); !reflect.DeepEqual(got, want) {
			t.Fatalf("indexes: %v, want %v", got, want)
		}
	})
	t.Run("InterruptedLoadRebuiltOnOpen", func(t *testing.T) {
		path := tempPath(t)
		s, err := openAt(t, path)
		if err != nil {
			t.Fatal(err)
		}
		want := indexNames(t, s)
		if _, err := s.NewBulkLoader(t.Context(), admin, store.BulkOptions{RebuildIndexes: true}); err != nil {
			t.Fatal(err)
		}
		s.Close() // never Closes the loader
		s2, err := openAt(t, path)
		if err != nil {
			t.Fatal(err)
		}
		if got := indexNames(t, s2); !reflect.DeepEqual(got, want) {
			t.Fatalf("indexes after reopening: %v, want %v", got, want)
		}
	})
}

func TestBulkLoader(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s := MustOpen(t, withZone(mustZone(t, "Europe/Stockholm")))
		mustAdmin(t, s)
		cgIDs, ets := bulkFixture(t, s, 7, 3)
		rng := rand.New(rand.NewPCG(1, 2))
		evs := bulkEvents(rng, 2345, utc(2023, 1, 1, 0, 0), 365*24*time.Hour, cgIDs, ets)
		l := mustLoader(t, s, store.BulkOptions{ReimburseThrough: 202304})
		for start := 0; start < len(evs); start += 1000 { // payouts span Loads
			if err := l.Load(t.Context(), evs[start:min(start+1000, len(evs))]); err != nil {
				t.Fatal(err)
			}
		}
		var wantPaid int64
		for _, e := range evs {
			if model.MonthOf(e.OccurredAt, s.Location()) <= 202304 {
				wantPaid++
			}
		}
		st := l.Stats()
		if st.Events != 2345 || st.Reimbursed != wantPaid || st.Payouts != 4 {
			t.Fatalf("stats %+v, want 2345 events, %d reimbursed, 4 payouts", st, wantPaid)
		}
		if diffs, err := s.VerifyRollups(t.Context()); err != nil || len(diffs) > 0 {
			t.Fatalf("verify: %v %v", diffs, err)
		}
		got, err := s.Report(t.Context(), model.ReportQuery{ByEventType: true})
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.ReportNaive(t.Context(), model.ReportQuery{ByEventType: true})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("rollup report differs from the naive one:\n%s", reportDiff(got, want))
		}
		if got.Totals.EventCount != 2345 {
			t.Fatalf("report counts %d events", got.Totals.EventCount)
		}
		// Each payout holds exactly the events of its month.
		var n, total int64
		for id := int64(1); id <= 4; id++ {
			r, err := s.FindReimbursementByID(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			evs := allEvents(t, s, model.EventFilter{ReimbursementID: &id})
			var sum model.Money
			for _, e := range evs {
				if e.Status != model.StatusReimbursed || e.ReimbursedAt == nil || e.Month != evs[0].Month {
					t.Fatalf("payout %d: event %+v", id, e)
				}
				sum += e.Amount
			}
			if r.EventCount != int64(len(evs)) || r.Total != sum {
				t.Fatalf("payout %d says %d events / %s, holds %d / %s", id, r.EventCount, r.Total.Decimal(), len(evs), sum.Decimal())
			}
			n, total = n+r.EventCount, total+int64(r.Total)
		}
		if n != wantPaid || model.Money(total) != got.Totals.Reimbursed {
			t.Fatalf("payouts hold %d events / %d, want %d / %s", n, total, wantPaid, got.Totals.Reimbursed.Decimal())
		}
	})
	t.Run("ErrRollsBack", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		cgIDs, ets := bulkFixture(t, s, 2, 1)
		evs := bulkEvents(rand.New(rand.NewPCG(3, 4)), 250, utc(2023, 1, 1, 0, 0), 59*24*time.Hour, cgIDs, ets) // January and February
		l := mustLoader(t, s, store.BulkOptions{ReimburseThrough: 202312})
		bad := append([]store.BulkEvent{}, evs...)
		bad[217].CaregiverID = 999 // a foreign key the loader does not check
		if err := l.Load(t.Context(), bad); err == nil {
			t.Fatal("want an error")
		}
		if countEvents(t, s) != 0 {
			t.Fatal("a failed Load wrote events")
		}
		if err := l.Load(t.Context(), evs); err != nil {
			t.Fatal(err)
		}
		if st := l.Stats(); st.Events != 250 || st.Payouts != 2 {
			t.Fatalf("stats %+v", st)
		}
		// The failed Load's payouts were rolled back: the ones now stored
		// are the retry's (on PostgreSQL a rolled-back sequence still
		// advances, so the first id is not necessarily 1).
		paid := allEvents(t, s, model.EventFilter{Statuses: []model.EventStatus{model.StatusReimbursed}})
		if len(paid) == 0 || paid[0].ReimbursementID == nil {
			t.Fatal("no reimbursed events after a retried Load")
		}
		if _, err := s.FindReimbursementByID(t.Context(), *paid[0].ReimbursementID); err != nil {
			t.Fatalf("payout after a retried Load: %v", err)
		}
		if diffs, err := s.VerifyRollups(t.Context()); err != nil || len(diffs) > 0 {
			t.Fatalf("verify: %v %v", diffs, err)
		}
	})
}

func TestCreateCaregivers(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s := MustOpen(t)
		cgs, err := s.CreateCaregivers(t.Context(), []model.NewCaregiver{{Name: " Anna "}, {Name: "Bertil", ExternalRef: ptr("X-1")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(cgs) != 2 || cgs[0].Name != "Anna" || cgs[1].ID != cgs[0].ID+1 || *cgs[1].ExternalRef != "X-1" {
			t.Fatalf("%+v", cgs)
		}
	})
	t.Run("ErrNameRequired", func(t *testing.T) {
		s := MustOpen(t)
		_, err := s.CreateCaregivers(t.Context(), []model.NewCaregiver{{Name: "Anna"}, {Name: " "}})
		wantErr(t, err, model.EInvalid, "[1].name")
	})
	t.Run("ErrDuplicateRef", func(t *testing.T) {
		s := MustOpen(t)
		_, err := s.CreateCaregivers(t.Context(), []model.NewCaregiver{{Name: "A", ExternalRef: ptr("X")}, {Name: "B", ExternalRef: ptr("X")}})
		wantErr(t, err, model.EConflict, "")
		if _, more, err := s.FindCaregivers(t.Context(), model.CaregiverFilter{}, model.PageArgs{First: 10}); err != nil || more {
			t.Fatal(more, err)
		}
	})
}

// BenchmarkBulkLoad loads 100,000-event transactions into one growing file
// (5,000 caregivers, 50 types, the first year reimbursed), then builds the
// indexes, and reports events/s. BULK_KEEP_INDEXES=1 keeps the indexes
// during the load instead.
func BenchmarkBulkLoad(b *testing.B) {
	s := MustOpen(b)
	mustAdmin(b, s)
	cgIDs, ets := bulkFixture(b, s, 5000, 50)
	rng := rand.New(rand.NewPCG(1, 2))
	l := mustLoader(b, s, store.BulkOptions{ReimburseThrough: 202112, RebuildIndexes: os.Getenv("BULK_KEEP_INDEXES") == ""})
	from := utc(2021, 1, 1, 0, 0)
	const batch = 100000
	span := 5 * 365 * 24 * time.Hour / 100 // 100 batches cover five years
	var n int
	for b.Loop() {
		b.StopTimer()
		evs := bulkEvents(rng, batch, from.Add(span*time.Duration(n%100)), span, cgIDs, ets)
		b.StartTimer()
		if err := l.Load(b.Context(), evs); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := l.Close(b.Context()); err != nil { // builds the indexes: part of the cost
		b.Fatal(err)
	}
	b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "events/s")
}
