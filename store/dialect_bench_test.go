package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

// The benchmarks below run on the dialect under test, so one command
// compares the dialects and pgx's query modes (docs/SCALING.md):
//
//	go test ./store -run '^$' -bench Dialect
//	REIMBURSE_TEST_DIALECT=postgres go test ./store -run '^$' -bench Dialect
//	REIMBURSE_TEST_DIALECT=postgres REIMBURSE_TEST_POSTGRES_URL='...&default_query_exec_mode=cache_statement' go test ./store -run '^$' -bench Dialect

// BenchmarkDialectFindEvent reads one event by id: the latency of one
// simple query.
func BenchmarkDialectFindEvent(b *testing.B) {
	f := newFixture(b)
	evs := make([]model.NewEvent, 1000)
	for i := range evs {
		evs[i] = model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow.Add(-time.Duration(i) * time.Minute)}
	}
	ids := eventIDs(mustRegister(b, f.s, evs...))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := f.s.FindEventByID(b.Context(), ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDialectRegisterParallel registers single events from
// GOMAXPROCS*4 goroutines into the same caregiver-months: SQLite queues
// them for its one writer, PostgreSQL runs them side by side, contending
// only on the rollup rows they share.
func BenchmarkDialectRegisterParallel(b *testing.B) {
	f := newFixture(b)
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			in := model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow.Add(-time.Duration(i%1000) * time.Hour),
				IdempotencyKey: ptr(fmt.Sprint("bench-", i))}
			if _, err := f.s.RegisterEvents(b.Context(), admin, []model.NewEvent{in}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
