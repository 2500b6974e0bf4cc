package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// testNow is the pinned clock of store tests.
var testNow = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

// MustOpen opens a store on a new database of the dialect under test (a
// SQLite file in a temp dir, or a PostgreSQL schema: storetest.DB), with the
// clock pinned at testNow, and closes it when the test ends.
func MustOpen(tb testing.TB, opts ...func(*store.Options)) *store.Store {
	tb.Helper()
	opt := store.Options{Path: storetest.DB(tb), Now: func() time.Time { return testNow }}
	for _, o := range opts {
		o(&opt)
	}
	s, err := store.Open(context.Background(), opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// admin is the principal of store tests.
var admin = model.Principal{TokenID: 1, Name: "test", Role: model.RoleAdmin}

// mustAdmin creates the token that admin refers to.
func mustAdmin(tb testing.TB, s *store.Store) {
	tb.Helper()
	if _, err := s.EnsureAdminToken(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	mustAdmin(t, s)
	cg, err := s.CreateCaregiver(ctx, model.NewCaregiver{Name: "Anna"})
	if err != nil {
		t.Fatal(err)
	}
	et, err := s.CreateEventType(ctx, model.NewEventType{Code: "XRAY", Name: "X-ray", Price: 125050})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.RegisterEvents(ctx, admin, []model.NewEvent{{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: testNow.Add(-time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if evs[0].Amount != 125050 || evs[0].Month != 202406 {
		t.Fatalf("got %+v", evs[0])
	}
	r, err := s.ReimbursePending(ctx, admin, nil, 202406)
	if err != nil {
		t.Fatal(err)
	}
	if r.EventCount != 1 || r.Total != 125050 {
		t.Fatalf("got %+v", r)
	}
	rep, err := s.Report(ctx, model.ReportQuery{ByEventType: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Months) != 1 || rep.Totals.Reimbursed != 125050 || rep.Months[0].Caregivers[0].ByEventType[0].Totals.EventCount != 1 {
		t.Fatalf("got %+v", rep)
	}
}
