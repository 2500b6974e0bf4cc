package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

// statuses returns the current status of each event id.
func statuses(tb testing.TB, f fixture, ids ...int64) []model.EventStatus {
	tb.Helper()
	out := make([]model.EventStatus, len(ids))
	for i, id := range ids {
		out[i] = mustFindEvent(tb, f.s, id).Status
	}
	return out
}

func TestReimburseEvents(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		a := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 5, 1, 0, 0))
		b := mustEvent(t, f.s, f.et2.ID, f.cg2.ID, utc(2024, 4, 1, 0, 0))
		c := mustEvent(t, f.s, f.et2.ID, f.cg1.ID, utc(2024, 3, 1, 0, 0))
		other := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 6, 1, 0, 0))
		r, err := f.s.ReimburseEvents(t.Context(), admin, []int64{b.ID, a.ID, c.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := model.Reimbursement{ID: r.ID, CreatedAt: testNow, CreatedBy: admin.TokenID, EventCount: 3, Total: 100000 + 25050 + 25050}
		if r.ID == 0 || *r != want {
			t.Fatalf("got %+v, want %+v", r, want)
		}
		if got, err := f.s.FindReimbursementByID(t.Context(), r.ID); err != nil || *got != want {
			t.Fatalf("read back %+v, %v", got, err)
		}
		for _, id := range []int64{a.ID, b.ID, c.ID} {
			e := mustFindEvent(t, f.s, id)
			if e.Status != model.StatusReimbursed || e.ReimbursementID == nil || *e.ReimbursementID != r.ID ||
				e.ReimbursedAt == nil || !e.ReimbursedAt.Equal(testNow) {
				t.Fatalf("event %d: %+v", id, e)
			}
		}
		if e := mustFindEvent(t, f.s, other.ID); e.Status != model.StatusPending || e.ReimbursementID != nil || e.ReimbursedAt != nil {
			t.Fatalf("unlisted event changed: %+v", e)
		}
		listed := allEvents(t, f.s, model.EventFilter{ReimbursementID: &r.ID})
		if got, want := eventIDs(listed), []int64{c.ID, b.ID, a.ID}; !slices.Equal(got, want) {
			t.Fatalf("events of the reimbursement %v, want %v by occurredAt", got, want)
		}
	})

	t.Run("ErrTwice", func(t *testing.T) {
		f := newFixture(t)
		a := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		r, err := f.s.ReimburseEvents(t.Context(), admin, []int64{a.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.ReimburseEvents(t.Context(), admin, []int64{a.ID})
		e := wantErr(t, err, model.EConflict, "[0]")
		if !strings.Contains(e.Message, "REIMBURSED") {
			t.Fatalf("message %q does not say why", e.Message)
		}
		if got := mustFindEvent(t, f.s, a.ID); *got.ReimbursementID != r.ID {
			t.Fatalf("event moved to reimbursement %d", *got.ReimbursementID)
		}
		if _, err := f.s.FindReimbursementByID(t.Context(), r.ID+1); model.ErrorCode(err) != model.ENotFound {
			t.Fatalf("a second reimbursement was recorded: %v", err)
		}
	})

	t.Run("ErrMixedIsAtomic", func(t *testing.T) {
		f := newFixture(t)
		pending := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		done := mustEvent(t, f.s, f.et1.ID, f.cg2.ID, testNow)
		voided := mustEvent(t, f.s, f.et2.ID, f.cg2.ID, testNow)
		r, err := f.s.ReimburseEvents(t.Context(), admin, []int64{done.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.VoidEvent(t.Context(), admin, voided.ID, "typo"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.ReimburseEvents(t.Context(), admin, []int64{pending.ID, done.ID, 999, voided.ID})
		wantErrs(t, err, [2]string{"conflict", "[1]"}, [2]string{"not_found", "[2]"}, [2]string{"conflict", "[3]"})
		got := statuses(t, f, pending.ID, done.ID, voided.ID)
		if want := []model.EventStatus{model.StatusPending, model.StatusReimbursed, model.StatusVoided}; !slices.Equal(got, want) {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		if _, err := f.s.FindReimbursementByID(t.Context(), r.ID+1); model.ErrorCode(err) != model.ENotFound {
			t.Fatalf("a failed payout was recorded: %v", err)
		}
	})

	t.Run("ErrDuplicateID", func(t *testing.T) {
		f := newFixture(t)
		a := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		b := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		_, err := f.s.ReimburseEvents(t.Context(), admin, []int64{a.ID, b.ID, a.ID})
		wantErrs(t, err, [2]string{"invalid", "[2]"})
		if got := statuses(t, f, a.ID, b.ID); !slices.Equal(got, []model.EventStatus{model.StatusPending, model.StatusPending}) {
			t.Fatalf("statuses %v", got)
		}
	})

	t.Run("ErrEmpty", func(t *testing.T) {
		f := newFixture(t)
		for _, ids := range [][]int64{nil, {}} {
			_, err := f.s.ReimburseEvents(t.Context(), admin, ids)
			wantErr(t, err, model.EInvalid, "")
		}
	})

	t.Run("ErrTooMany", func(t *testing.T) {
		f := newFixture(t)
		ids := make([]int64, model.MaxBatch+1)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		_, err := f.s.ReimburseEvents(t.Context(), admin, ids)
		wantErr(t, err, model.EInvalid, "")
	})
}

func TestReimbursePending(t *testing.T) {
	t.Run("OKThroughMonthInZone", func(t *testing.T) {
		f := newFixture(t, withZone(mustZone(t, "Europe/Stockholm")))
		// 22:30Z on Jan 31 is 23:30 in Stockholm (January); 23:30Z is
		// already February there, though still January in UTC.
		jan := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 1, 31, 22, 30))
		feb := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 1, 31, 23, 30))
		dec := mustEvent(t, f.s, f.et2.ID, f.cg2.ID, utc(2023, 12, 15, 0, 0))
		if jan.Month != 202401 || feb.Month != 202402 {
			t.Fatalf("months %d, %d", jan.Month, feb.Month)
		}
		r, err := f.s.ReimbursePending(t.Context(), admin, nil, 202401)
		if err != nil {
			t.Fatal(err)
		}
		if r.EventCount != 2 || r.Total != 100000+25050 || r.CreatedBy != admin.TokenID || !r.CreatedAt.Equal(testNow) {
			t.Fatalf("got %+v", r)
		}
		got := statuses(t, f, jan.ID, feb.ID, dec.ID)
		if want := []model.EventStatus{model.StatusReimbursed, model.StatusPending, model.StatusReimbursed}; !slices.Equal(got, want) {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		listed := eventIDs(allEvents(t, f.s, model.EventFilter{ReimbursementID: &r.ID}))
		if !slices.Equal(listed, []int64{dec.ID, jan.ID}) {
			t.Fatalf("events of the reimbursement %v", listed)
		}
	})

	t.Run("OKUTCBoundary", func(t *testing.T) {
		f := newFixture(t)
		jan := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 1, 31, 23, 30))
		feb := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 2, 1, 0, 0))
		if _, err := f.s.ReimbursePending(t.Context(), admin, nil, 202401); err != nil {
			t.Fatal(err)
		}
		if got := statuses(t, f, jan.ID, feb.ID); !slices.Equal(got, []model.EventStatus{model.StatusReimbursed, model.StatusPending}) {
			t.Fatalf("statuses %v", got)
		}
	})

	t.Run("OKOnlyGivenCaregiversAndPending", func(t *testing.T) {
		f := newFixture(t)
		cg3 := mustCaregiver(t, f.s, "Cecilia")
		at := utc(2024, 5, 10, 0, 0)
		a := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, at)
		b := mustEvent(t, f.s, f.et2.ID, f.cg2.ID, at)
		c := mustEvent(t, f.s, f.et1.ID, cg3.ID, at)
		v := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, at)
		done := mustEvent(t, f.s, f.et2.ID, f.cg1.ID, at)
		if _, err := f.s.VoidEvent(t.Context(), admin, v.ID, "wrong"); err != nil {
			t.Fatal(err)
		}
		first, err := f.s.ReimburseEvents(t.Context(), admin, []int64{done.ID})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.s.ReimbursePending(t.Context(), admin, []int64{f.cg1.ID, cg3.ID, f.cg1.ID}, 202406)
		if err != nil {
			t.Fatal(err)
		}
		if r.EventCount != 2 || r.Total != 200000 {
			t.Fatalf("got %+v, want 2 events, 2000.00", r)
		}
		got := statuses(t, f, a.ID, b.ID, c.ID, v.ID, done.ID)
		want := []model.EventStatus{model.StatusReimbursed, model.StatusPending, model.StatusReimbursed, model.StatusVoided, model.StatusReimbursed}
		if !slices.Equal(got, want) {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		if e := mustFindEvent(t, f.s, done.ID); *e.ReimbursementID != first.ID {
			t.Fatalf("already reimbursed event moved to %d", *e.ReimbursementID)
		}
	})

	t.Run("OKNilMeansAll", func(t *testing.T) {
		f := newFixture(t)
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow.Add(-time.Hour))
		mustEvent(t, f.s, f.et2.ID, f.cg2.ID, testNow.Add(-time.Hour))
		r, err := f.s.ReimbursePending(t.Context(), admin, nil, 202406)
		if err != nil {
			t.Fatal(err)
		}
		if r.EventCount != 2 || r.Total != 125050 {
			t.Fatalf("got %+v", r)
		}
		if n := len(allEvents(t, f.s, model.EventFilter{Statuses: []model.EventStatus{model.StatusPending}})); n != 0 {
			t.Fatalf("%d events still pending", n)
		}
	})

	t.Run("ErrUnknownCaregiver", func(t *testing.T) {
		f := newFixture(t)
		a := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		_, err := f.s.ReimbursePending(t.Context(), admin, []int64{f.cg1.ID, 998, 999}, 202406)
		e := wantErr(t, err, model.EInvalid, "caregiverIds")
		if !strings.Contains(e.Message, "998") || !strings.Contains(e.Message, "999") {
			t.Fatalf("message %q does not name the unknown ids", e.Message)
		}
		if got := statuses(t, f, a.ID); got[0] != model.StatusPending {
			t.Fatalf("status became %s", got[0])
		}
	})

	t.Run("ErrEmptyCaregivers", func(t *testing.T) {
		f := newFixture(t)
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		_, err := f.s.ReimbursePending(t.Context(), admin, []int64{}, 202406)
		wantErr(t, err, model.EInvalid, "caregiverIds")
	})

	t.Run("ErrNothingPending", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.s.ReimbursePending(t.Context(), admin, nil, 202406)
		wantErr(t, err, model.EInvalid, "through")
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 6, 1, 0, 0))
		_, err = f.s.ReimbursePending(t.Context(), admin, nil, 202405) // only a later month
		wantErr(t, err, model.EInvalid, "through")
		_, err = f.s.ReimbursePending(t.Context(), admin, []int64{f.cg2.ID}, 202406) // only another caregiver
		wantErr(t, err, model.EInvalid, "through")
		if _, err := f.s.FindReimbursementByID(t.Context(), 1); model.ErrorCode(err) != model.ENotFound {
			t.Fatalf("an empty payout was recorded: %v", err)
		}
	})
}

func TestFindReimbursements(t *testing.T) {
	f := newFixture(t)
	a := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
	b := mustEvent(t, f.s, f.et2.ID, f.cg1.ID, testNow)
	r1, err := f.s.ReimburseEvents(t.Context(), admin, []int64{a.ID})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.s.ReimburseEvents(t.Context(), admin, []int64{b.ID})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		got, err := f.s.FindReimbursementByID(t.Context(), r2.ID)
		if err != nil || *got != *r2 {
			t.Fatalf("got %+v, %v; want %+v", got, err, r2)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := f.s.FindReimbursementByID(t.Context(), r2.ID+1)
		wantErr(t, err, model.ENotFound, "")
	})
	t.Run("OKByIDs", func(t *testing.T) {
		got, err := f.s.FindReimbursementsByIDs(t.Context(), []int64{r2.ID, 999, r1.ID, r2.ID})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b model.Reimbursement) int { return int(a.ID - b.ID) })
		if len(got) != 2 || got[0] != *r1 || got[1] != *r2 {
			t.Fatalf("got %+v", got)
		}
		if got, err := f.s.FindReimbursementsByIDs(t.Context(), nil); err != nil || len(got) != 0 {
			t.Fatalf("nil ids: got %v, %v", got, err)
		}
	})
}
