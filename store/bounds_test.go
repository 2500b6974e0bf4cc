package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// requireBounds compares bounds field by field (Months is a slice).
func requireBounds(t *testing.T, got, want store.ReportBounds) {
	t.Helper()
	if !slices.Equal(got.Months, want.Months) || got.Caregivers != want.Caregivers || got.EventTypes != want.EventTypes {
		t.Fatalf("bounds = %+v, want %+v", got, want)
	}
}

func TestReportBounds(t *testing.T) {
	ym := model.NewYearMonth
	t.Run("OK empty", func(t *testing.T) {
		s := MustOpen(t)
		b, err := s.ReportBounds(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		requireBounds(t, b, store.ReportBounds{})
	})

	t.Run("OK months in the report zone", func(t *testing.T) {
		f := newFixture(t, withZone(mustZone(t, "Europe/Stockholm")))
		// 23:30Z on Jan 31 is February in Stockholm.
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 1, 31, 23, 30))
		mustEvent(t, f.s, f.et1.ID, f.cg2.ID, utc(2024, 5, 2, 0, 0))
		b, err := f.s.ReportBounds(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// The months that hold events, not the span between them.
		requireBounds(t, b, store.ReportBounds{Months: []model.YearMonth{ym(2024, time.February), ym(2024, time.May)}, Caregivers: 2, EventTypes: 2})
	})

	t.Run("OK a backdated event adds one month", func(t *testing.T) {
		f := newFixture(t)
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 3, 1, 0, 0))
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 3, 9, 0, 0))
		mustEvent(t, f.s, f.et2.ID, f.cg2.ID, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
		b, err := f.s.ReportBounds(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		requireBounds(t, b, store.ReportBounds{Months: []model.YearMonth{ym(1, time.January), ym(2024, time.March)}, Caregivers: 2, EventTypes: 2})
		months, err := f.s.CaregiverMonths(t.Context(), f.cg1.ID)
		if err != nil || !slices.Equal(months, []model.YearMonth{ym(2024, time.March)}) {
			t.Fatalf("Anna's months = %v, %v; want only March 2024", months, err)
		}
		months, err = f.s.CaregiverMonths(t.Context(), f.cg2.ID)
		if err != nil || !slices.Equal(months, []model.YearMonth{ym(1, time.January)}) {
			t.Fatalf("Bertil's months = %v, %v; want only January of year 1", months, err)
		}
		if months, err := f.s.CaregiverMonths(t.Context(), 999); err != nil || len(months) != 0 {
			t.Fatalf("an unknown caregiver's months = %v, %v", months, err)
		}
	})

	t.Run("OK voided events hold no month", func(t *testing.T) {
		f := newFixture(t)
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 3, 1, 0, 0))
		gone := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 5, 1, 0, 0))
		if _, err := f.s.VoidEvent(t.Context(), admin, gone.ID, "typo"); err != nil {
			t.Fatal(err)
		}
		b, err := f.s.ReportBounds(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		requireBounds(t, b, store.ReportBounds{Months: []model.YearMonth{ym(2024, time.March)}, Caregivers: 2, EventTypes: 2})
		if months, err := f.s.CaregiverMonths(t.Context(), f.cg1.ID); err != nil || !slices.Equal(months, b.Months) {
			t.Fatalf("Anna's months = %v, %v", months, err)
		}
	})

	t.Run("OK writes drop the cache", func(t *testing.T) {
		f := newFixture(t)
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 3, 1, 0, 0))
		if b, err := f.s.ReportBounds(t.Context()); err != nil || len(b.Months) != 1 || b.Caregivers != 2 {
			t.Fatalf("bounds = %+v, %v", b, err)
		}
		// Within the cache's lifetime, a later event and a new caregiver
		// show at once.
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 6, 1, 0, 0))
		mustCaregiver(t, f.s, "Cecilia")
		mustEventType(t, f.s, "LAB", 500, nil)
		b, err := f.s.ReportBounds(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		requireBounds(t, b, store.ReportBounds{Months: []model.YearMonth{ym(2024, time.March), ym(2024, time.June)}, Caregivers: 3, EventTypes: 3})
	})
}
