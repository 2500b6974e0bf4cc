package graph_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// benchNow is the clock of the benchmark stores: after every seeded event.
var benchNow = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// benchReportQ is the nested report of the contract: one object per month x
// caregiver cell, each with its caregiver and totals.
const benchReportQ = `query Nested($from: DateTime, $to: DateTime) { report(from: $from, to: $to) {
	from to currency totals { ...T }
	months { month totals { ...T } caregivers { caregiver { id name } totals { ...T } } } } }
fragment T on Totals { eventCount amount { amount currency } reimbursed { amount } pending { amount } }`

// BenchmarkReportNested runs the nested report through the whole /graphql
// handler (auth, parsing, validation, complexity, the report from rollups,
// execution, the POST transport's encoding) for months x caregivers cells,
// with the fast report path and with gqlgen's executor.
//
// The seeded databases are cached in os.TempDir() by size; delete
// reimburse-bench-report-*.db there to rebuild them. Set
// REIMBURSE_BENCH_LARGE=1 to add the 60 x 5000 grid of the target
// (about a minute to seed the first time, and seconds per gqlgen run).
func BenchmarkReportNested(b *testing.B) {
	sizes := [][2]int{{12, 100}, {60, 1000}}
	if os.Getenv("REIMBURSE_BENCH_LARGE") != "" {
		sizes = append(sizes, [2]int{60, 5000})
	}
	for _, sz := range sizes {
		months, cgs := sz[0], sz[1]
		b.Run(fmt.Sprintf("%dx%d", months, cgs), func(b *testing.B) {
			s, secret := benchStore(b, months, cgs)
			from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			body := testsupport.GQLBody(b, benchReportQ, map[string]any{
				"from": model.FormatDateTime(from), "to": model.FormatDateTime(from.AddDate(0, months, 0))})
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			handlers := map[string]http.Handler{
				"fast":   testsupport.Handler(graph.Options{Store: s, Logger: quiet, Limits: benchLimits()}, benchHTTP()),
				"gqlgen": testsupport.Handler(graph.Options{Store: s, Logger: quiet, DisableFastReport: true, Limits: benchLimits()}, benchHTTP()),
			}
			want := benchPost(b, handlers["gqlgen"], secret, body)
			if got := benchPost(b, handlers["fast"], secret, body); !bytes.Equal(got, want) {
				b.Fatalf("fast and gqlgen responses differ (%d and %d bytes)", len(got), len(want))
			}
			if cells := bytes.Count(want, []byte(`"caregiver":`)); cells != months*cgs {
				b.Fatalf("report has %d cells, want %d", cells, months*cgs)
			}
			for _, name := range []string{"fast", "gqlgen"} {
				h := handlers[name]
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					cpu := testsupport.CPUTime()
					for b.Loop() {
						benchPost(b, h, secret, body)
					}
					b.ReportMetric(float64(testsupport.CPUTime()-cpu)/float64(b.N), "cpu-ns/op")
					b.ReportMetric(float64(len(want)), "resp-bytes")
				})
			}
		})
	}
}

func benchPost(b *testing.B, h http.Handler, secret, body string) []byte {
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || bytes.Contains(w.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("status %d: %.500s", w.Code, w.Body.Bytes())
	}
	return w.Body.Bytes()
}

// benchStore opens the cached database of the size, seeding it first when
// it is missing, and returns it with a fresh ADMIN token.
func benchStore(b *testing.B, months, cgs int) (*store.Store, string) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("reimburse-bench-report-%dx%d-v1.db", months, cgs))
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		if err := seedBenchDB(ctx, path, months, cgs); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %s in %s", path, time.Since(start).Round(time.Millisecond))
	}
	s, err := store.Open(ctx, store.Options{Path: path, Now: func() time.Time { return benchNow }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	secret, _, err := s.CreateToken(ctx, model.NewToken{Name: "bench", Role: model.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	return s, secret
}

// seedBenchDB writes, into a temporary file renamed to path at the end,
// cgs caregivers with two events in each of months months from January
// 2020 over five event types, and reimburses the first third of the months.
func seedBenchDB(ctx context.Context, path string, months, cgs int) (err error) {
	tmp := path + ".tmp"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(tmp + suffix)
	}
	s, err := store.Open(ctx, store.Options{Path: tmp, Now: func() time.Time { return benchNow }})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, path)
		}
	}()
	var cgIDs, typeIDs []int64
	for i := 0; i < cgs; i++ {
		c, err := s.CreateCaregiver(ctx, model.NewCaregiver{Name: fmt.Sprintf("Caregiver %04d", i)})
		if err != nil {
			return err
		}
		cgIDs = append(cgIDs, c.ID)
	}
	for i := 0; i < 5; i++ {
		t, err := s.CreateEventType(ctx, model.NewEventType{Code: fmt.Sprintf("T%d", i), Name: fmt.Sprintf("Type %d", i), Price: model.Money(10000 + 1250*i)})
		if err != nil {
			return err
		}
		typeIDs = append(typeIDs, t.ID)
	}
	secret, err := s.EnsureAdminToken(ctx)
	if err != nil {
		return err
	}
	admin, err := s.Authenticate(ctx, secret)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	first := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]model.NewEvent, 0, 10000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := s.RegisterEvents(ctx, *admin, batch)
		batch = batch[:0]
		return err
	}
	for m := 0; m < months; m++ {
		start := first.AddDate(0, m, 0)
		span := start.AddDate(0, 1, 0).Sub(start)
		for _, cg := range cgIDs {
			for k := 0; k < 2; k++ {
				at := start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Microsecond)
				batch = append(batch, model.NewEvent{EventTypeID: typeIDs[rng.IntN(len(typeIDs))], CaregiverID: cg, OccurredAt: at})
				if len(batch) == cap(batch) {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	through := model.MonthOf(first.AddDate(0, months/3, 0), time.UTC).Prev()
	_, err = s.ReimbursePending(ctx, *admin, nil, through)
	return err
}

// benchLimits lifts the per-token rate limit and the report cost bounds, so
// that the benchmarks measure execution, not refusals.
func benchLimits() graph.Limits {
	return graph.Limits{MaxReportCells: 1 << 40, MaxFastReportCells: 1 << 40}
}

// benchHTTP is benchLimits' HTTP side: no rate limit, a long deadline.
func benchHTTP() httpapi.Options {
	return httpapi.Options{RateLimiter: httpapi.NewRateLimiter(0, 0), RequestTimeout: 10 * time.Minute}
}
