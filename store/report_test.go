package store_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// reportFixture holds six events: cg1 has XRAY on Jan 15 (pending), VISIT on
// Jan 20 (reimbursed) and XRAY on Mar 1 00:00Z (pending); cg2 has VISIT on
// Jan 31 23:59Z (pending), XRAY on Feb 10 (voided) and VISIT on Mar 5
// (reimbursed); cg3 has none.
type reportFixture struct {
	fixture
	cg3 *model.Caregiver
}

func newReportFixture(tb testing.TB, opts ...func(*store.Options)) reportFixture {
	tb.Helper()
	f := reportFixture{fixture: newFixture(tb, opts...)}
	f.cg3 = mustCaregiver(tb, f.s, "Cecilia")
	e1, e2, e3 := f.et1.ID, f.et2.ID, f.cg1.ID
	evs := mustRegister(tb, f.s,
		model.NewEvent{EventTypeID: e1, CaregiverID: e3, OccurredAt: utc(2024, 1, 15, 10, 0)},
		model.NewEvent{EventTypeID: e2, CaregiverID: e3, OccurredAt: utc(2024, 1, 20, 0, 0)},
		model.NewEvent{EventTypeID: e1, CaregiverID: e3, OccurredAt: utc(2024, 3, 1, 0, 0)},
		model.NewEvent{EventTypeID: e2, CaregiverID: f.cg2.ID, OccurredAt: utc(2024, 1, 31, 23, 59)},
		model.NewEvent{EventTypeID: e1, CaregiverID: f.cg2.ID, OccurredAt: utc(2024, 2, 10, 0, 0)},
		model.NewEvent{EventTypeID: e2, CaregiverID: f.cg2.ID, OccurredAt: utc(2024, 3, 5, 0, 0)},
	)
	if _, err := f.s.ReimburseEvents(tb.Context(), admin, []int64{evs[1].ID, evs[5].ID}); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.s.VoidEvent(tb.Context(), admin, evs[4].ID, "wrong type"); err != nil {
		tb.Fatal(err)
	}
	return f
}

// pend and paid are the totals of n events of a type, pending or reimbursed.
func pend(n int64, m model.Money) model.Totals { return model.Totals{EventCount: n, Pending: m} }
func paid(n int64, m model.Money) model.Totals { return model.Totals{EventCount: n, Reimbursed: m} }

func sum(ts ...model.Totals) model.Totals {
	var out model.Totals
	for _, t := range ts {
		out.Merge(t)
	}
	return out
}

func mustReport(tb testing.TB, s *store.Store, q model.ReportQuery) *model.Report {
	tb.Helper()
	rep, err := s.Report(tb.Context(), q)
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

func wantReport(tb testing.TB, got, want *model.Report) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("report differs:\n%s", reportDiff(got, want))
	}
}

func TestReport(t *testing.T) {
	f := newReportFixture(t)
	x, v := f.et1.ID, f.et2.ID
	const X, V = model.Money(100000), model.Money(25050)

	t.Run("OKAll", func(t *testing.T) {
		want := &model.Report{TimeZone: "UTC", Currency: "SEK",
			Totals: sum(pend(2, 2*X), pend(1, V), paid(2, 2*V)),
			Months: []model.ReportMonth{
				{Month: 202401, Totals: sum(pend(1, X), paid(1, V), pend(1, V)), Caregivers: []model.CaregiverTotals{
					{CaregiverID: f.cg1.ID, Totals: sum(pend(1, X), paid(1, V)), ByEventType: []model.EventTypeTotals{
						{EventTypeID: x, Totals: pend(1, X)}, {EventTypeID: v, Totals: paid(1, V)}}},
					{CaregiverID: f.cg2.ID, Totals: pend(1, V), ByEventType: []model.EventTypeTotals{{EventTypeID: v, Totals: pend(1, V)}}},
				}},
				// February holds only a voided event and is left out.
				{Month: 202403, Totals: sum(pend(1, X), paid(1, V)), Caregivers: []model.CaregiverTotals{
					{CaregiverID: f.cg1.ID, Totals: pend(1, X), ByEventType: []model.EventTypeTotals{{EventTypeID: x, Totals: pend(1, X)}}},
					{CaregiverID: f.cg2.ID, Totals: paid(1, V), ByEventType: []model.EventTypeTotals{{EventTypeID: v, Totals: paid(1, V)}}},
				}},
			}}
		wantReport(t, mustReport(t, f.s, model.ReportQuery{ByEventType: true}), want)
		if got := want.Totals.Amount(); got != 2*X+3*V {
			t.Fatalf("amount %d", got)
		}

		// Without ByEventType the same sums, and no breakdown.
		for i := range want.Months {
			for j := range want.Months[i].Caregivers {
				want.Months[i].Caregivers[j].ByEventType = nil
			}
		}
		wantReport(t, mustReport(t, f.s, model.ReportQuery{}), want)
	})

	t.Run("OKHalfOpenPeriod", func(t *testing.T) {
		from, to := utc(2024, 1, 20, 0, 0), utc(2024, 3, 1, 0, 0)
		got := mustReport(t, f.s, model.ReportQuery{From: &from, To: &to, ByEventType: true})
		want := &model.Report{From: &from, To: &to, TimeZone: "UTC", Currency: "SEK",
			Totals: sum(paid(1, V), pend(1, V)),
			Months: []model.ReportMonth{{Month: 202401, Totals: sum(paid(1, V), pend(1, V)), Caregivers: []model.CaregiverTotals{
				{CaregiverID: f.cg1.ID, Totals: paid(1, V), ByEventType: []model.EventTypeTotals{{EventTypeID: v, Totals: paid(1, V)}}},
				{CaregiverID: f.cg2.ID, Totals: pend(1, V), ByEventType: []model.EventTypeTotals{{EventTypeID: v, Totals: pend(1, V)}}},
			}}}}
		wantReport(t, got, want)
	})

	t.Run("OKOpenEnds", func(t *testing.T) {
		at := utc(2024, 3, 1, 0, 0)
		if got := mustReport(t, f.s, model.ReportQuery{From: &at}); got.Totals != sum(pend(1, X), paid(1, V)) || len(got.Months) != 1 {
			t.Fatalf("from only: %+v", got)
		}
		if got := mustReport(t, f.s, model.ReportQuery{To: &at}); got.Totals != sum(pend(1, X), paid(1, V), pend(1, V)) || len(got.Months) != 1 {
			t.Fatalf("to only: %+v", got)
		}
	})

	t.Run("OKCaregiverSubset", func(t *testing.T) {
		got := mustReport(t, f.s, model.ReportQuery{CaregiverIDs: []int64{f.cg2.ID, f.cg3.ID, f.cg2.ID}})
		want := &model.Report{TimeZone: "UTC", Currency: "SEK", Totals: sum(pend(1, V), paid(1, V)),
			Months: []model.ReportMonth{
				{Month: 202401, Totals: pend(1, V), Caregivers: []model.CaregiverTotals{{CaregiverID: f.cg2.ID, Totals: pend(1, V)}}},
				{Month: 202403, Totals: paid(1, V), Caregivers: []model.CaregiverTotals{{CaregiverID: f.cg2.ID, Totals: paid(1, V)}}},
			}}
		wantReport(t, got, want)
	})

	for _, tc := range []struct {
		name string
		q    model.ReportQuery
	}{
		{"OKEmptyCaregiverList", model.ReportQuery{CaregiverIDs: []int64{}, ByEventType: true}},
		{"OKCaregiverWithoutEvents", model.ReportQuery{CaregiverIDs: []int64{f.cg3.ID}}},
		{"OKFromEqualsTo", model.ReportQuery{From: ptr(utc(2024, 1, 20, 0, 0)), To: ptr(utc(2024, 1, 20, 0, 0))}},
		{"OKOnlyVoided", model.ReportQuery{From: ptr(utc(2024, 2, 1, 0, 0)), To: ptr(utc(2024, 3, 1, 0, 0))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustReport(t, f.s, tc.q)
			if got.Totals != (model.Totals{}) || len(got.Months) != 0 || got.TimeZone != "UTC" || got.Currency != "SEK" {
				t.Fatalf("got %+v, want an empty report", got)
			}
		})
	}

	t.Run("ErrUnknownCaregivers", func(t *testing.T) {
		_, err := f.s.Report(t.Context(), model.ReportQuery{CaregiverIDs: []int64{f.cg1.ID, 998, 999}})
		e := wantErr(t, err, model.EInvalid, "caregiverIds")
		if !strings.Contains(e.Message, "998, 999") || strings.Contains(e.Message, "1,") {
			t.Fatalf("message %q should name exactly the unknown ids", e.Message)
		}
	})

	t.Run("ErrTooManyCaregivers", func(t *testing.T) {
		ids := make([]int64, model.MaxReportCaregivers+1)
		for i := range ids {
			ids[i] = f.cg1.ID
		}
		_, err := f.s.Report(t.Context(), model.ReportQuery{CaregiverIDs: ids})
		wantErr(t, err, model.EInvalid, "caregiverIds")
	})

	t.Run("OKMaxCaregivers", func(t *testing.T) {
		ids := make([]int64, model.MaxReportCaregivers)
		for i := range ids {
			ids[i] = []int64{f.cg1.ID, f.cg2.ID, f.cg3.ID}[i%3]
		}
		if got := mustReport(t, f.s, model.ReportQuery{CaregiverIDs: ids}); got.Totals.EventCount != 5 {
			t.Fatalf("got %+v", got.Totals)
		}
	})

	t.Run("OKSubMicrosecondFrom", func(t *testing.T) {
		from := utc(2024, 1, 15, 10, 0).Add(500 * time.Nanosecond) // just after cg1's first event
		to := utc(2024, 1, 16, 0, 0)
		if got := mustReport(t, f.s, model.ReportQuery{From: &from, To: &to}); got.Totals.EventCount != 0 {
			t.Fatalf("got %+v, want no events in [from, to)", got.Totals)
		}
	})

	t.Run("ErrFromAfterTo", func(t *testing.T) {
		from, to := utc(2024, 3, 1, 0, 0), utc(2024, 2, 1, 0, 0)
		_, err := f.s.Report(t.Context(), model.ReportQuery{From: &from, To: &to})
		wantErr(t, err, model.EInvalid, "to")
	})
}

func TestReportZone(t *testing.T) {
	stockholm := mustZone(t, "Europe/Stockholm")
	f := newReportFixture(t, withZone(stockholm), withCurrency("EUR"))
	const X, V = model.Money(100000), model.Money(25050)

	t.Run("OKMonthsInZone", func(t *testing.T) {
		got := mustReport(t, f.s, model.ReportQuery{})
		if got.TimeZone != "Europe/Stockholm" || got.Currency != "EUR" {
			t.Fatalf("zone %q, currency %q", got.TimeZone, got.Currency)
		}
		// Jan 31 23:59Z is February in Stockholm, and Mar 1 00:00Z is March.
		want := &model.Report{TimeZone: "Europe/Stockholm", Currency: "EUR",
			Totals: sum(pend(2, 2*X), pend(1, V), paid(2, 2*V)),
			Months: []model.ReportMonth{
				{Month: 202401, Totals: sum(pend(1, X), paid(1, V)), Caregivers: []model.CaregiverTotals{{CaregiverID: f.cg1.ID, Totals: sum(pend(1, X), paid(1, V))}}},
				{Month: 202402, Totals: pend(1, V), Caregivers: []model.CaregiverTotals{{CaregiverID: f.cg2.ID, Totals: pend(1, V)}}},
				{Month: 202403, Totals: sum(pend(1, X), paid(1, V)), Caregivers: []model.CaregiverTotals{
					{CaregiverID: f.cg1.ID, Totals: pend(1, X)}, {CaregiverID: f.cg2.ID, Totals: paid(1, V)}}},
			}}
		wantReport(t, got, want)
	})

	t.Run("OKPartialEdgeMonths", func(t *testing.T) {
		// Stockholm's February: [Jan 31 23:00Z, Feb 29 23:00Z). Cutting it at
		// Jan 31 23:59Z keeps the event at that instant, and the first two
		// hours of March keep the Mar 1 00:00Z event.
		from := time.Date(2024, 1, 31, 23, 59, 0, 0, time.UTC)
		to := time.Date(2024, 3, 1, 2, 0, 0, 0, stockholm) // 01:00Z
		got := mustReport(t, f.s, model.ReportQuery{From: &from, To: &to})
		toUTC := to.UTC() // the report echoes its bounds in UTC
		want := &model.Report{From: &from, To: &toUTC, TimeZone: "Europe/Stockholm", Currency: "EUR",
			Totals: sum(pend(1, V), pend(1, X)),
			Months: []model.ReportMonth{
				{Month: 202402, Totals: pend(1, V), Caregivers: []model.CaregiverTotals{{CaregiverID: f.cg2.ID, Totals: pend(1, V)}}},
				{Month: 202403, Totals: pend(1, X), Caregivers: []model.CaregiverTotals{{CaregiverID: f.cg1.ID, Totals: pend(1, X)}}},
			}}
		wantReport(t, got, want)
	})
}

func TestReportLargeTotals(t *testing.T) {
	s := MustOpen(t)
	mustAdmin(t, s)
	cg := mustCaregiver(t, s, "A")
	const price = model.Money(3_000_000_000) // 30 000 000.00, past 2^31 minor units
	et := mustEventType(t, s, "SURGERY", price, nil)
	evs := mustRegister(t, s,
		model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: utc(2024, 5, 1, 0, 0)},
		model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: utc(2024, 5, 2, 0, 0)},
		model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: utc(2024, 5, 3, 0, 0)},
	)
	for _, e := range evs {
		if e.Amount != price {
			t.Fatalf("amount %d", e.Amount)
		}
	}
	r, err := s.ReimburseEvents(t.Context(), admin, []int64{evs[0].ID, evs[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 6_000_000_000 {
		t.Fatalf("reimbursement total %d, want 6000000000", r.Total)
	}
	rep := mustReport(t, s, model.ReportQuery{ByEventType: true})
	want := model.Totals{EventCount: 3, Reimbursed: 6_000_000_000, Pending: 3_000_000_000}
	if rep.Totals != want || rep.Months[0].Totals != want || rep.Months[0].Caregivers[0].Totals != want ||
		rep.Months[0].Caregivers[0].ByEventType[0].Totals != want {
		t.Fatalf("got %+v, want %+v at every level", rep, want)
	}
	if rep.Totals.Amount() != 9_000_000_000 || rep.Totals.Amount().Decimal() != "90000000.00" {
		t.Fatalf("amount %d", rep.Totals.Amount())
	}
}
