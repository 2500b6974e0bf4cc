package graph_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
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
		opt  *store.GroupCommitOptions
	}{{"group=off", &store.GroupCommitOptions{MaxBatch: 1}}, {"group=on", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			c, cgs, types := registerBenchEnv(b, 8, 4, func(o *store.Options) { o.GroupCommit = bc.opt })
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
						in := map[string]any{"eventTypeId": testsupport.ID(types[n%4]), "caregiverId": testsupport.ID(cgs[n%8]),
							"occurredAt": testsupport.Now.Add(-time.Duration(n) * time.Minute).Format(time.RFC3339)}
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

// BenchmarkRegisterEventsHTTP sends registerEvents calls of 10,000 events
// each over loopback HTTP through the real handler, one client, selecting
// only the ids, over 500 caregivers and 50 types: the bench tool's batch
// ingest, in process so that it can be profiled.
//
//	go test ./graph -run '^$' -bench RegisterEventsHTTP -benchtime 20x -count 6
func BenchmarkRegisterEventsHTTP(b *testing.B) {
	const batch = 10000
	c, cgs, types := registerBenchEnv(b, 500, 50, func(*store.Options) {})
	const op = `mutation($in: [RegisterEventInput!]!) { registerEvents(inputs: $in) { id } }`
	n := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		ins := make([]map[string]any, batch)
		for i := range ins {
			n++
			ins[i] = map[string]any{"eventTypeId": testsupport.ID(types[n*7%len(types)]), "caregiverId": testsupport.ID(cgs[n*13%len(cgs)]),
				"occurredAt": testsupport.Now.Add(-time.Duration(n) * time.Second).Format(time.RFC3339)}
		}
		b.StartTimer()
		var out struct{ RegisterEvents []struct{ ID string } }
		if err := c.do(context.Background(), op, map[string]any{"in": ins}, &out); err != nil {
			b.Fatal(err)
		}
		if len(out.RegisterEvents) != batch {
			b.Fatalf("registered %d events, want %d", len(out.RegisterEvents), batch)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// registerBenchEnv starts a server without rate limit or query hooks, with
// caregivers and event types (priced 100.50), and returns an HTTP client.
func registerBenchEnv(b *testing.B, caregivers, types int, opt func(*store.Options)) (c *httpClient, cgs, typeIDs []int64) {
	e := newEnvHTTP(b, graph.Options{}, httpapi.Options{RateLimiter: httpapi.NewRateLimiter(0, 0)},
		func(o *store.Options) { opt(o); o.Hooks = nil })
	for i := range caregivers {
		cgs = append(cgs, e.Caregiver(b, fmt.Sprintf("CG %d", i)))
	}
	for i := range types {
		typeIDs = append(typeIDs, e.EventType(b, fmt.Sprintf("T%d", i), "100.50"))
	}
	return newHTTPClient(b, e), cgs, typeIDs
}
