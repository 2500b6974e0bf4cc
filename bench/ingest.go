package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reimburse/reimburse/model"
)

const registerEventsMutation = `mutation BenchRegisterEvents($in: [RegisterEventInput!]!) { registerEvents(inputs: $in) { id } }`

const registerEventMutation = `mutation BenchRegisterEvent($in: RegisterEventInput!) { registerEvent(input: $in) { id } }`

// ingestTime returns when ingested events occur: within the last day, an
// hour before now, so they fall after the seeded period (--to must be in
// the past) and leave the report shapes unchanged for --reuse.
func ingestTime(rng *rand.Rand, now time.Time) string {
	return model.FormatDateTime(now.Add(-time.Hour - time.Duration(rng.Int64N(int64(23*time.Hour)))).Truncate(time.Microsecond))
}

func input(rng *rand.Rand, sh *shapes, now time.Time) map[string]any {
	return map[string]any{
		"eventTypeId": fmt.Sprint(sh.typeIDs[rng.IntN(len(sh.typeIDs))]),
		"caregiverId": fmt.Sprint(sh.caregivers[rng.IntN(len(sh.caregivers))]),
		"occurredAt":  ingestTime(rng, now),
	}
}

// measureIngest times registerEvents batches, then single registerEvent
// calls from concurrent clients for a bounded time.
func measureIngest(ctx context.Context, c config, cl *client, sh *shapes, t *table, logf func(string, ...any)) error {
	rng := rand.New(rand.NewPCG(c.seed, 7))
	now := time.Now()
	if c.batches > 0 {
		logf("registerEvents: %d calls of %d events", c.batches, c.batchSize)
		var ds []time.Duration
		var total time.Duration
		for range c.batches {
			ins := make([]map[string]any, c.batchSize)
			for i := range ins {
				ins[i] = input(rng, sh, now)
			}
			start := time.Now()
			if _, err := cl.post(ctx, registerEventsMutation, map[string]any{"in": ins}); err != nil {
				return fmt.Errorf("registerEvents: %w", err)
			}
			d := time.Since(start)
			ds = append(ds, d)
			total += d
		}
		rate := float64(c.batches*c.batchSize) / total.Seconds()
		t.add(row{what: fmt.Sprintf("ingest: registerEvents, %s events per call, one client", thousands(c.batchSize)), n: c.batches,
			result: fmt.Sprintf("%s events/s", thousands(int(rate))), p50: pct(ds, 50), p95: pct(ds, 95)})
	}
	if c.singleFor > 0 {
		logf("registerEvent: %d clients for %s", c.clients, c.singleFor)
		ok, failed, ds, err := singles(ctx, c, cl, sh, now)
		if err != nil {
			return err
		}
		t.add(row{what: fmt.Sprintf("ingest: registerEvent, %d concurrent clients, %s", c.clients, c.singleFor), n: int(ok),
			result: fmt.Sprintf("%s events/s (%d errors)", thousands(int(float64(ok)/c.singleFor.Seconds())), failed), p50: pct(ds, 50), p95: pct(ds, 95)})
	}
	return nil
}

// singles runs c.clients loops of registerEvent until c.singleFor has passed.
func singles(ctx context.Context, c config, cl *client, sh *shapes, now time.Time) (ok, failed int64, ds []time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.singleFor)
	defer cancel()
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	var nOK, nFail atomic.Int64
	for i := range c.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(c.seed, uint64(100+i)))
			var local []time.Duration
			for ctx.Err() == nil {
				start := time.Now()
				_, err := cl.post(ctx, registerEventMutation, map[string]any{"in": input(rng, sh, now)})
				switch {
				case err == nil:
					nOK.Add(1)
					local = append(local, time.Since(start))
				case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
					// the window closed during this call: not counted
				default:
					nFail.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			ds = append(ds, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if nOK.Load() == 0 && firstErr != nil {
		return 0, nFail.Load(), nil, fmt.Errorf("registerEvent: %w", firstErr)
	}
	return nOK.Load(), nFail.Load(), ds, nil
}
