package store_test

import (
	"reflect"
	"testing"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// overflowFixture is a store in which caregiver cg1's March 2024 holds
// MaxMoney - 50,000 minor units pending (one event loaded in bulk, which
// carries its own amount, as databases priced before model.MaxPrice may),
// so that one more XRAY (1000.00) passes int64, and cg2's March holds one
// XRAY.
func overflowFixture(t *testing.T) (fixture, model.Event, model.Event) {
	t.Helper()
	f := newFixture(t)
	l := mustLoader(t, f.s, store.BulkOptions{})
	if err := l.Load(t.Context(), []store.BulkEvent{{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 3, 1, 8, 0), Amount: model.MaxMoney - 50000}}); err != nil {
		t.Fatal(err)
	}
	big := allEvents(t, f.s, model.EventFilter{})[0]
	small := mustEvent(t, f.s, f.et1.ID, f.cg2.ID, utc(2024, 3, 2, 8, 0))
	return f, big, small
}

// wantOverflow fails unless err is the coded overflow error.
func wantOverflow(t *testing.T, err error) {
	t.Helper()
	if !model.IsOverflow(err) || model.ErrorCode(err) != model.EInvalid {
		t.Fatalf("err = %v, want an overflow error (EInvalid)", err)
	}
}

// wantUnchanged fails unless the store holds exactly evs and the report
// and rollups are what they were (before).
func wantUnchanged(t *testing.T, f fixture, evs []model.Event, before *model.Report) {
	t.Helper()
	if got := allEvents(t, f.s, model.EventFilter{}); !reflect.DeepEqual(got, evs) {
		t.Fatalf("events now\n%+v\nwant\n%+v", got, evs)
	}
	q := model.ReportQuery{CaregiverIDs: []int64{f.cg1.ID}, ByEventType: true}
	if after := mustReport(t, f.s, q); !reflect.DeepEqual(after, before) {
		t.Fatalf("report changed:\n%s", reportDiff(after, before))
	}
	if diffs, err := f.s.VerifyRollups(t.Context()); err != nil || len(diffs) > 0 {
		t.Fatalf("rollups differ from the events: %v %v", diffs, err)
	}
}

// TestMoneyOverflow: a write that would take a sum of money past int64 is
// the coded overflow error and changes nothing, and reports keep working;
// a report whose totals pass int64 is the same error, never an amount
// wrapped around to a negative one. Before, SQLite stored the rollup sum
// as a REAL (after which every report failed), PostgreSQL failed with an
// uncoded error, and report and payout totals wrapped around.
func TestMoneyOverflow(t *testing.T) {
	f, big, small := overflowFixture(t)
	ctx := t.Context()
	evs := []model.Event{big, small}
	q := model.ReportQuery{CaregiverIDs: []int64{f.cg1.ID}, ByEventType: true}
	before := mustReport(t, f.s, q)
	if got := before.Totals.Pending; got != model.MaxMoney-50000 {
		t.Fatalf("cg1's report: pending %s, want %s", got.Decimal(), (model.MaxMoney - 50000).Decimal())
	}
	march := utc(2024, 3, 20, 8, 0)

	t.Run("ErrRegisterEvents", func(t *testing.T) {
		_, err := f.s.RegisterEvents(ctx, admin, []model.NewEvent{
			{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: march},
			{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: march},
		})
		wantOverflow(t, err)
		wantUnchanged(t, f, evs, before)
	})
	t.Run("ErrBulkLoad", func(t *testing.T) {
		// Each fits alone; together they pass int64 in Go, before SQL.
		l := mustLoader(t, f.s, store.BulkOptions{})
		err := l.Load(ctx, []store.BulkEvent{
			{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: march, Amount: model.MaxMoney / 2},
			{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: march, Amount: model.MaxMoney / 2},
			{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: march, Amount: model.MaxMoney / 2},
		})
		wantOverflow(t, err)
		wantUnchanged(t, f, evs, before)
	})
	t.Run("ErrGroupCommitFailsAlone", func(t *testing.T) {
		got, errs := store.CommitGroup(ctx, f.s, []store.GroupRequest{
			{By: admin, In: model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: march}},
			{By: admin, In: model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: march}},
		})
		if errs[0] != nil || got[0] == nil || got[0].Amount != 25050 {
			t.Fatalf("the neighbour of an overflow: %+v, %v; want it registered", got[0], errs[0])
		}
		wantOverflow(t, errs[1])
		evs = append(evs, *got[0])
		wantUnchanged(t, f, evs, before)
	})
	t.Run("ErrReimburseEvents", func(t *testing.T) {
		_, err := f.s.ReimburseEvents(ctx, admin, []int64{big.ID, small.ID})
		wantOverflow(t, err)
		wantUnchanged(t, f, evs, before)
	})
	t.Run("ErrReimbursePending", func(t *testing.T) {
		_, err := f.s.ReimbursePending(ctx, admin, nil, 202403)
		wantOverflow(t, err)
		wantUnchanged(t, f, evs, before)
	})
	t.Run("ErrReportTotals", func(t *testing.T) {
		for _, q := range []model.ReportQuery{{}, {ByEventType: true}, {From: ptr(utc(2024, 3, 1, 8, 0))}, {To: ptr(utc(2024, 3, 30, 0, 0))}} {
			_, err := f.s.Report(ctx, q)
			wantOverflow(t, err)
			_, err = f.s.ReportNaive(ctx, q)
			wantOverflow(t, err)
		}
	})
	t.Run("OKEachCaregiverAlone", func(t *testing.T) {
		for _, cg := range []*model.Caregiver{f.cg1, f.cg2} {
			q := model.ReportQuery{CaregiverIDs: []int64{cg.ID}}
			if got, want := mustReport(t, f.s, q), must(f.s.ReportNaive(ctx, q)); !reflect.DeepEqual(got, want) {
				t.Fatalf("caregiver %d: %s", cg.ID, reportDiff(got, want))
			}
		}
		// The caregiver's payout fits, and moves the whole sum.
		p, err := f.s.ReimburseEvents(ctx, admin, []int64{big.ID})
		if err != nil || p.Total != model.MaxMoney-50000 {
			t.Fatalf("payout %+v, %v; want a total of %s", p, err, (model.MaxMoney - 50000).Decimal())
		}
		if r := mustReport(t, f.s, q); r.Totals.Reimbursed != model.MaxMoney-50000 || r.Totals.Pending != 0 {
			t.Fatalf("after the payout: %+v", r.Totals)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
