package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// mustCaregiverPrincipal creates a CAREGIVER token bound to cg and returns
// its principal.
func mustCaregiverPrincipal(tb testing.TB, s *store.Store, cg int64) model.Principal {
	tb.Helper()
	secret, _, err := s.CreateToken(context.Background(), model.NewToken{Role: model.RoleCaregiver, CaregiverID: &cg})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := s.Authenticate(context.Background(), secret)
	if err != nil {
		tb.Fatal(err)
	}
	return *p
}

func TestRegisterBackdate(t *testing.T) {
	now := testNow
	f := newFixture(t, func(o *store.Options) { o.Now = func() time.Time { return now } })
	cg := mustCaregiverPrincipal(t, f.s, f.cg1.ID)
	limit := testNow.Add(-model.DefaultMaxBackdate)
	in := func(at time.Time, key string) model.NewEvent {
		n := model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: at}
		if key != "" {
			n.IdempotencyKey = &key
		}
		return n
	}

	t.Run("OKCaregiverAtLimit", func(t *testing.T) {
		evs, err := f.s.RegisterEvents(t.Context(), cg, []model.NewEvent{in(limit, "at-limit")})
		if err != nil || len(evs) != 1 || evs[0].RegisteredBy != cg.TokenID {
			t.Fatalf("got %+v, %v", evs, err)
		}
	})
	t.Run("ErrCaregiverTooOld", func(t *testing.T) {
		before := countEvents(t, f.s)
		_, err := f.s.RegisterEvents(t.Context(), cg, []model.NewEvent{
			in(limit, ""),
			in(limit.Add(-time.Microsecond), ""),
			{EventTypeID: 999, CaregiverID: f.cg1.ID, OccurredAt: limit.AddDate(-1, 0, 0)},
		})
		wantErrs(t, err, [2]string{"invalid", "[1].occurredAt"}, [2]string{"invalid", "[2].eventTypeId"}, [2]string{"invalid", "[2].occurredAt"})
		if !strings.Contains(err.Error(), "720h") {
			t.Fatalf("message %q does not name the bound", err)
		}
		if n := countEvents(t, f.s); n != before {
			t.Fatalf("a refused batch wrote %d events", n-before)
		}
	})
	t.Run("OKAccountantAndAdminAnyAge", func(t *testing.T) {
		_, acc, err := f.s.CreateToken(t.Context(), model.NewToken{Role: model.RoleAccountant})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []model.Principal{admin, {TokenID: acc.ID, Role: model.RoleAccountant}} {
			if _, err := f.s.RegisterEvents(t.Context(), p, []model.NewEvent{in(limit.AddDate(-5, 0, 0), "")}); err != nil {
				t.Fatalf("%s: %v", p.Role, err)
			}
		}
	})
	t.Run("ErrFutureForEveryRole", func(t *testing.T) {
		for _, p := range []model.Principal{admin, cg} {
			_, err := f.s.RegisterEvents(t.Context(), p, []model.NewEvent{in(testNow.Add(model.MaxFuture+time.Microsecond), "")})
			wantErrs(t, err, [2]string{"invalid", "[0].occurredAt"})
		}
	})
	t.Run("OKReplayAfterLimitPassed", func(t *testing.T) {
		first, err := f.s.RegisterEvents(t.Context(), cg, []model.NewEvent{in(limit.Add(time.Hour), "replay")})
		if err != nil {
			t.Fatal(err)
		}
		now = testNow.Add(48 * time.Hour)
		t.Cleanup(func() { now = testNow })
		again, err := f.s.RegisterEvents(t.Context(), cg, []model.NewEvent{in(limit.Add(time.Hour), "replay")})
		if err != nil || again[0].ID != first[0].ID {
			t.Fatalf("replay got %+v, %v; want event %d again", again, err, first[0].ID)
		}
		_, err = f.s.RegisterEvents(t.Context(), cg, []model.NewEvent{in(limit.Add(time.Hour), "fresh")})
		wantErrs(t, err, [2]string{"invalid", "[0].occurredAt"})
	})
}

func TestMaxBackdateOption(t *testing.T) {
	f := newFixture(t, func(o *store.Options) { o.MaxBackdate = new(time.Hour) })
	cg := mustCaregiverPrincipal(t, f.s, f.cg1.ID)
	ok := model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow.Add(-time.Hour)}
	if _, err := f.s.RegisterEvents(t.Context(), cg, []model.NewEvent{ok}); err != nil {
		t.Fatal(err)
	}
	old := ok
	old.OccurredAt = testNow.Add(-time.Hour - time.Second)
	_, err := f.s.RegisterEvents(t.Context(), cg, []model.NewEvent{old})
	wantErrs(t, err, [2]string{"invalid", "[0].occurredAt"})
	if !strings.Contains(err.Error(), "1h in the past") {
		t.Fatalf("message %q does not name 1h", err)
	}

	t.Run("ErrNegative", func(t *testing.T) {
		if _, err := openAt(t, tempPath(t), func(o *store.Options) { o.MaxBackdate = new(-time.Hour) }); err == nil {
			t.Fatal("a negative MaxBackdate opened")
		}
	})
}
