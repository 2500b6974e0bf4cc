package store_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// BenchmarkRegisterEventsSeeded registers 10,000 random events per call
// (random caregiver of 5,000 and type of 50, within the last day) into a
// copy of a seeded file, as the bench tool's registerEvents does over HTTP,
// and reports the bytes the process wrote per event (WAL and checkpoints).
// It runs only when REIMBURSE_BENCH_DB names a file seeded with
// `reimburse seed --caregivers 5000 --types 50`; the file is written to.
//
//	REIMBURSE_BENCH_DB=/tmp/copy-of-10m.db go test ./store -run '^$' -bench RegisterEventsSeeded -benchtime 10x
func BenchmarkRegisterEventsSeeded(b *testing.B) {
	path := os.Getenv("REIMBURSE_BENCH_DB")
	if path == "" {
		b.Skip("REIMBURSE_BENCH_DB is not set: no seeded file to write to")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	by := model.Principal{TokenID: 1, Role: model.RoleAdmin}
	now := time.Now()
	written := writtenBytes()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		ins := make([]model.NewEvent, 10000)
		for i := range ins {
			ins[i] = model.NewEvent{EventTypeID: 1 + rng.Int64N(50), CaregiverID: 1 + rng.Int64N(5000),
				OccurredAt: now.Add(-time.Hour - time.Duration(rng.Int64N(int64(23*time.Hour)))).Truncate(time.Microsecond)}
		}
		b.StartTimer()
		if _, err := s.RegisterEvents(ctx, by, ins); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "events/s")
	if written >= 0 {
		b.ReportMetric(float64(writtenBytes()-written)/float64(b.N*10000), "written-B/event")
	}
}

// writtenBytes returns the bytes this process has caused to be written to
// storage (write_bytes of /proc/self/io), or -1 where that is not known.
func writtenBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "write_bytes:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}
