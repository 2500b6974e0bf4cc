package store_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// benchClients is how many goroutines register at once, as in the issue's
// target (5,000 single registrations/s from 32 clients at synchronous=FULL).
const benchClients = 32

// BenchmarkRegisterConcurrent registers single events from benchClients
// goroutines on a real file: at synchronous=FULL (the default) with group
// commit off (one transaction per event), on with the default bounds, and
// on without any wait; and at NORMAL with it off and on, for reference.
// events/s is the figure to compare; ns/op is the wall time per event
// across all clients.
//
//	go test ./store -run '^$' -bench RegisterConcurrent -benchtime 10000x -count 6
func BenchmarkRegisterConcurrent(b *testing.B) {
	for _, bc := range []struct {
		name string
		sync string
		opt  *store.GroupCommitOptions
	}{
		{"FULL/group=off", "FULL", &store.GroupCommitOptions{MaxBatch: 1}},
		{"FULL/group=on", "FULL", nil},
		{"FULL/group=nowait", "FULL", &store.GroupCommitOptions{MaxWait: 0, MaxBatch: store.DefaultGroupBatch}},
		{"NORMAL/group=off", "NORMAL", &store.GroupCommitOptions{MaxBatch: 1}},
		{"NORMAL/group=on", "NORMAL", nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := MustOpen(b, func(o *store.Options) { o.GroupCommit, o.Synchronous = bc.opt, bc.sync })
			mustAdmin(b, s)
			var cgs, types []int64
			for i := range 50 {
				cgs = append(cgs, mustCaregiver(b, s, fmt.Sprintf("CG %d", i)).ID)
			}
			for i := range 10 {
				types = append(types, mustEventType(b, s, fmt.Sprintf("T%d", i), model.Money(1000+i), nil).ID)
			}
			var next atomic.Int64
			var failed atomic.Value
			var wg sync.WaitGroup
			cpu0 := cpuTime(b)
			b.ResetTimer()
			for range benchClients {
				wg.Go(func() {
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						in := model.NewEvent{
							EventTypeID: types[n%int64(len(types))], CaregiverID: cgs[n%int64(len(cgs))],
							OccurredAt: testNow.Add(-time.Duration(n) * time.Minute),
						}
						if _, err := s.RegisterEvent(b.Context(), admin, in); err != nil {
							failed.Store(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			cpu := cpuTime(b) - cpu0
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/event")
		})
	}
}
