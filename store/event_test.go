package store_test

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

// byTimeID sorts events as FindEvents orders them.
func byTimeID(evs []model.Event) []model.Event {
	out := slices.Clone(evs)
	slices.SortFunc(out, func(a, b model.Event) int {
		return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func TestFindEvents(t *testing.T) {
	f := newFixture(t)
	t1, t2, t3, t4 := utc(2024, 3, 1, 0, 0), utc(2024, 3, 15, 8, 0), utc(2024, 4, 1, 0, 0), utc(2024, 5, 1, 0, 0)
	// Registered out of time order, so that id order differs from time order.
	evs := mustRegister(t, f.s,
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: t3},
		model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: t1},
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: t2},
		model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg1.ID, OccurredAt: t2},
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: t1},
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: t4},
		model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: t4},
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: t3.Add(-time.Microsecond)},
	)
	if _, err := f.s.VoidEvent(t.Context(), admin, evs[2].ID, "duplicate"); err != nil {
		t.Fatal(err)
	}
	r, err := f.s.ReimburseEvents(t.Context(), admin, []int64{evs[0].ID, evs[4].ID})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		evs[i] = *mustFindEvent(t, f.s, evs[i].ID)
	}
	all := byTimeID(evs)
	in := func(ids []int64) func(int64) bool {
		return func(id int64) bool { return slices.Contains(ids, id) }
	}

	for _, tc := range []struct {
		name string
		f    model.EventFilter
		want func(e model.Event) bool
	}{
		{"All", model.EventFilter{}, func(model.Event) bool { return true }},
		{"Caregiver", model.EventFilter{CaregiverIDs: []int64{f.cg1.ID}}, func(e model.Event) bool { return e.CaregiverID == f.cg1.ID }},
		{"CaregiversWithUnknown", model.EventFilter{CaregiverIDs: []int64{f.cg2.ID, 999, f.cg1.ID}}, func(model.Event) bool { return true }},
		{"CaregiverTwice", model.EventFilter{CaregiverIDs: []int64{f.cg2.ID, f.cg2.ID}}, func(e model.Event) bool { return e.CaregiverID == f.cg2.ID }},
		{"UnknownCaregiver", model.EventFilter{CaregiverIDs: []int64{999}}, func(model.Event) bool { return false }},
		{"EventType", model.EventFilter{EventTypeIDs: []int64{f.et2.ID}}, func(e model.Event) bool { return e.EventTypeID == f.et2.ID }},
		{"FromInclusive", model.EventFilter{From: &t2}, func(e model.Event) bool { return !e.OccurredAt.Before(t2) }},
		{"ToExclusive", model.EventFilter{To: &t3}, func(e model.Event) bool { return e.OccurredAt.Before(t3) }},
		{"FromTo", model.EventFilter{From: &t2, To: &t3}, func(e model.Event) bool { return !e.OccurredAt.Before(t2) && e.OccurredAt.Before(t3) }},
		{"FromEqualsTo", model.EventFilter{From: &t2, To: &t2}, func(model.Event) bool { return false }},
		{"FromInOtherZone", model.EventFilter{From: ptr(t3.In(mustZone(t, "Asia/Kolkata")))}, func(e model.Event) bool { return !e.OccurredAt.Before(t3) }},
		{"Pending", model.EventFilter{Statuses: []model.EventStatus{model.StatusPending}}, func(e model.Event) bool { return e.Status == model.StatusPending }},
		{"VoidedOrReimbursed", model.EventFilter{Statuses: []model.EventStatus{model.StatusVoided, model.StatusReimbursed}}, func(e model.Event) bool { return e.Status != model.StatusPending }},
		{"Reimbursement", model.EventFilter{ReimbursementID: &r.ID}, func(e model.Event) bool { return in([]int64{evs[0].ID, evs[4].ID})(e.ID) }},
		{"UnknownReimbursement", model.EventFilter{ReimbursementID: ptr(r.ID + 1)}, func(model.Event) bool { return false }},
		{"Combined", model.EventFilter{CaregiverIDs: []int64{f.cg1.ID}, EventTypeIDs: []int64{f.et1.ID}, Statuses: []model.EventStatus{model.StatusPending, model.StatusReimbursed}, From: &t1, To: &t4},
			func(e model.Event) bool {
				return e.CaregiverID == f.cg1.ID && e.EventTypeID == f.et1.ID && e.Status != model.StatusVoided && e.OccurredAt.Before(t4)
			}},
		{"EmptyCaregiverIDs", model.EventFilter{CaregiverIDs: []int64{}}, func(model.Event) bool { return false }},
		{"EmptyEventTypeIDs", model.EventFilter{EventTypeIDs: []int64{}}, func(model.Event) bool { return false }},
		{"EmptyStatuses", model.EventFilter{Statuses: []model.EventStatus{}}, func(model.Event) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, more, err := f.s.FindEvents(t.Context(), tc.f, model.PageArgs{First: 100})
			if err != nil {
				t.Fatal(err)
			}
			var want []model.Event
			for _, e := range all {
				if tc.want(e) {
					want = append(want, e)
				}
			}
			if more {
				t.Fatal("hasMore on a page larger than the result")
			}
			if !slices.Equal(eventIDs(got), eventIDs(want)) {
				t.Fatalf("got ids %v, want %v", eventIDs(got), eventIDs(want))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("got %+v, want %+v", got[i], want[i])
				}
			}
		})
	}

	t.Run("FirstZero", func(t *testing.T) {
		got, _, err := f.s.FindEvents(t.Context(), model.EventFilter{}, model.PageArgs{First: 0})
		if err != nil || len(got) != 0 {
			t.Fatalf("got %v, %v; want no events", got, err)
		}
	})

	t.Run("FirstZeroHasMore", func(t *testing.T) {
		_, more, err := f.s.FindEvents(t.Context(), model.EventFilter{}, model.PageArgs{First: 0})
		if err != nil || !more {
			t.Fatalf("got more=%v, %v; want true: %d events match", more, err, len(all))
		}
	})
}

func TestFindEventsPaging(t *testing.T) {
	f := newFixture(t)
	same := utc(2024, 5, 1, 12, 0)
	var ins []model.NewEvent
	for i := range 18 {
		at := same // twelve events share one instant, three lie before, three after
		switch {
		case i%6 == 1:
			at = same.Add(-time.Duration(i) * time.Minute)
		case i%6 == 4:
			at = same.Add(time.Duration(i) * time.Microsecond)
		}
		cg := f.cg1.ID
		if i%3 == 0 {
			cg = f.cg2.ID
		}
		ins = append(ins, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: cg, OccurredAt: at})
	}
	all := byTimeID(mustRegister(t, f.s, ins...))

	for _, filter := range []struct {
		name string
		f    model.EventFilter
	}{
		{"All", model.EventFilter{}},
		{"Caregiver", model.EventFilter{CaregiverIDs: []int64{f.cg1.ID}}},
		{"From", model.EventFilter{From: &same}},
	} {
		var want []int64
		for _, e := range all {
			if (filter.f.CaregiverIDs == nil || e.CaregiverID == f.cg1.ID) && (filter.f.From == nil || !e.OccurredAt.Before(same)) {
				want = append(want, e.ID)
			}
		}
		for _, size := range []int{1, 2, 3, 5, len(want) - 1, len(want), 100} {
			t.Run(fmt.Sprintf("%s/First%d", filter.name, size), func(t *testing.T) {
				var got []int64
				p := model.PageArgs{First: size}
				for page := 0; ; page++ {
					if page > len(want) {
						t.Fatal("paging does not end")
					}
					evs, more, err := f.s.FindEvents(t.Context(), filter.f, p)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, eventIDs(evs)...)
					if rest := len(want) - len(got) + len(evs); len(evs) != min(size, rest) || more != (rest > size) {
						t.Fatalf("page %d: %d events, more=%v; want %d, %v", page, len(evs), more, min(size, rest), rest > size)
					}
					if !more {
						break
					}
					last := evs[len(evs)-1]
					// The cursor survives its opaque encoding.
					c, err := model.DecodeCursor(model.Cursor{Time: last.OccurredAt, ID: last.ID}.Encode())
					if err != nil {
						t.Fatal(err)
					}
					p.After = &c
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %v, want %v (no gaps, no duplicates)", got, want)
				}
			})
		}
	}
}

func TestFindEventByID(t *testing.T) {
	f := newFixture(t)
	e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
	_, err := f.s.FindEventByID(t.Context(), e.ID+1)
	wantErr(t, err, model.ENotFound, "")
}

func TestVoidEvent(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		got, err := f.s.VoidEvent(t.Context(), admin, e.ID, "  registered twice ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != model.StatusVoided || got.VoidReason == nil || *got.VoidReason != "registered twice" ||
			got.VoidedAt == nil || !got.VoidedAt.Equal(testNow) || got.VoidedBy == nil || *got.VoidedBy != admin.TokenID {
			t.Fatalf("got %+v", got)
		}
		if got.Amount != e.Amount || got.ReimbursedAt != nil || got.ReimbursementID != nil {
			t.Fatalf("voiding changed more than it should: %+v", got)
		}
		if read := mustFindEvent(t, f.s, e.ID); !reflect.DeepEqual(read, got) {
			t.Fatalf("read back %+v, want %+v", read, got)
		}
	})

	t.Run("ErrTwice", func(t *testing.T) {
		f := newFixture(t)
		e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		if _, err := f.s.VoidEvent(t.Context(), admin, e.ID, "first"); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.VoidEvent(t.Context(), admin, e.ID, "second")
		wantErr(t, err, model.EConflict, "id")
		if read := mustFindEvent(t, f.s, e.ID); *read.VoidReason != "first" {
			t.Fatalf("reason became %q", *read.VoidReason)
		}
	})

	t.Run("ErrReimbursed", func(t *testing.T) {
		f := newFixture(t)
		e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		if _, err := f.s.ReimburseEvents(t.Context(), admin, []int64{e.ID}); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.VoidEvent(t.Context(), admin, e.ID, "too late")
		e2 := wantErr(t, err, model.EConflict, "id")
		if !strings.Contains(e2.Message, "REIMBURSED") {
			t.Fatalf("message %q does not say why", e2.Message)
		}
		if read := mustFindEvent(t, f.s, e.ID); read.Status != model.StatusReimbursed || read.VoidedAt != nil {
			t.Fatalf("got %+v", read)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.s.VoidEvent(t.Context(), admin, 42, "nope")
		wantErr(t, err, model.ENotFound, "id")
	})

	for _, reason := range []string{"", "   ", strings.Repeat("r", model.MaxReasonLen+1)} {
		t.Run(fmt.Sprintf("ErrReason%d", len(reason)), func(t *testing.T) {
			f := newFixture(t)
			e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
			_, err := f.s.VoidEvent(t.Context(), admin, e.ID, reason)
			wantErr(t, err, model.EInvalid, "reason")
			if read := mustFindEvent(t, f.s, e.ID); read.Status != model.StatusPending {
				t.Fatalf("status became %s", read.Status)
			}
		})
	}

	t.Run("OKExcludedEverywhere", func(t *testing.T) {
		f := newFixture(t)
		keep := mustEvent(t, f.s, f.et2.ID, f.cg1.ID, testNow)
		gone := mustEvent(t, f.s, f.et1.ID, f.cg2.ID, testNow)
		if _, err := f.s.VoidEvent(t.Context(), admin, gone.ID, "wrong caregiver"); err != nil {
			t.Fatal(err)
		}
		rep, err := f.s.Report(t.Context(), model.ReportQuery{ByEventType: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Totals != (model.Totals{EventCount: 1, Pending: 25050}) || len(rep.Months) != 1 ||
			len(rep.Months[0].Caregivers) != 1 || rep.Months[0].Caregivers[0].CaregiverID != f.cg1.ID {
			t.Fatalf("report %+v counts the voided event", rep)
		}
		_, err = f.s.ReimburseEvents(t.Context(), admin, []int64{gone.ID})
		wantErr(t, err, model.EConflict, "[0]")
		r, err := f.s.ReimbursePending(t.Context(), admin, nil, 202406)
		if err != nil {
			t.Fatal(err)
		}
		if r.EventCount != 1 || r.Total != keep.Amount {
			t.Fatalf("reimbursePending got %+v, want only the kept event", r)
		}
		if read := mustFindEvent(t, f.s, gone.ID); read.Status != model.StatusVoided {
			t.Fatalf("voided event became %s", read.Status)
		}
	})
}
