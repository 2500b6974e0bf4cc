package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

// Tests of several servers on one database: on PostgreSQL their
// transactions really run at once.

// TestEnsureAdminTokenRace: servers starting together on one empty
// database print one first ADMIN token between them, not one each.
func TestEnsureAdminTokenRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, path string) {
		s := MustOpen(t, withPath(path))
		secrets := make([]string, 8)
		errs := make([]error, len(secrets))
		var wg sync.WaitGroup
		for i := range secrets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				secrets[i], errs[i] = s.EnsureAdminToken(t.Context())
			}()
		}
		wg.Wait()
		made := 0
		for i := range secrets {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if secrets[i] != "" {
				made++
			}
		}
		toks, err := s.FindTokens(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if made != 1 || len(toks) != 1 {
			t.Fatalf("%d secrets printed, %d tokens stored; want 1 and 1", made, len(toks))
		}
	})
}

// TestTwoServers races single registrations (the group-commit path) of two
// stores on one database, as two servers behind a load balancer: on
// PostgreSQL their batches insert the same idempotency key at once, and
// the loser's batch must answer with the winner's event (same payload) or
// EConflict (another), never an internal error or a second event.
func TestTwoServers(t *testing.T) {
	eachDialect(t, func(t *testing.T, path string) {
		f := newFixture(t, withPath(path))
		other := MustOpen(t, withPath(path))
		ctx := t.Context()
		const rounds = 30
		for i := range rounds {
			in := model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 6, 1, i%24, 0), IdempotencyKey: ptr(fmt.Sprintf("same-%d", i))}
			var a, b *model.Event
			ea, eb := race(
				func() (err error) { a, err = f.s.RegisterEvent(ctx, admin, in); return err },
				func() (err error) { b, err = other.RegisterEvent(ctx, admin, in); return err })
			if ea != nil || eb != nil || a.ID != b.ID {
				t.Fatalf("one key, same payload, two servers: %v / %v, %v / %v", a, ea, b, eb)
			}
			clash := in
			clash.IdempotencyKey = ptr(fmt.Sprintf("clash-%d", i))
			clash2 := clash
			clash2.OccurredAt = clash.OccurredAt.Add(time.Minute) // the same caregiver's key: another payload
			ea, eb = race(
				func() error { _, err := f.s.RegisterEvent(ctx, admin, clash); return err },
				func() error { _, err := other.RegisterEvent(ctx, admin, clash2); return err })
			if (ea == nil) == (eb == nil) {
				t.Fatalf("one key, two payloads, two servers: %v and %v; want one CONFLICT", ea, eb)
			}
			wantErr(t, errors.Join(ea, eb), model.EConflict, "idempotencyKey")
		}
		if n := countEvents(t, f.s); n != 2*rounds {
			t.Fatalf("%d events, want %d", n, 2*rounds)
		}
		if diffs, err := f.s.VerifyRollups(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("rollups differ from events: %v %v", diffs, err)
		}
	})
}
