package graph_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/store"
)

// BenchmarkRegisterEventHTTP is store.BenchmarkRegisterConcurrent end to
// end: 32 clients each send one registerEvent at a time over loopback HTTP
// through the real handler (authentication, gqlgen, the store), at
// synchronous=FULL, with group commit on and off.
//
//	go test ./graph -run '^$' -bench RegisterEventHTTP -benchtime 5000x -count 6
func BenchmarkRegisterEventHTTP(b *testing.B) {
	for _, bc := range []struct {
		name string
		opt  store.GroupCommitOptions
	}{{"group=off", store.GroupCommitOptions{MaxBatch: 1}}, {"group=on", store.GroupCommitOptions{}}} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnvWith(b, graph.Options{Limits: graph.Limits{RateLimiter: graph.NewRateLimiter(0, 0)}},
				func(o *store.Options) { o.GroupCommit, o.Hooks = bc.opt, nil })
			var cgs, types []int64
			for i := range 8 {
				cgs = append(cgs, e.caregiver(b, fmt.Sprintf("CG %d", i)))
			}
			for i := range 4 {
				types = append(types, e.eventType(b, fmt.Sprintf("T%d", i), "100.50"))
			}
			c := newHTTPClient(b, e)
			var next atomic.Int64
			var failed atomic.Value
			var wg sync.WaitGroup
			b.ResetTimer()
			for range 32 {
				wg.Go(func() {
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						in := map[string]any{"eventTypeId": id(types[n%4]), "caregiverId": id(cgs[n%8]),
							"occurredAt": testNow.Add(-time.Duration(n) * time.Minute).Format(time.RFC3339)}
						var out struct{ RegisterEvent struct{ ID string } }
						if err := c.do(context.Background(), registerOp, map[string]any{"in": in}, &out); err != nil {
							failed.Store(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
