package store_test

import (
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

func TestReportBounds(t *testing.T) {
	t.Run("OK empty", func(t *testing.T) {
		s := MustOpen(t)
		b, err := s.ReportBounds(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if b != (store.ReportBounds{}) {
			t.Fatalf("bounds of an empty database = %+v, want zero", b)
		}
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
		want := store.ReportBounds{First: model.NewYearMonth(2024, time.February), Last: model.NewYearMonth(2024, time.May), Caregivers: 2, EventTypes: 2}
		if b != want {
			t.Fatalf("bounds = %+v, want %+v", b, want)
		}
	})

	t.Run("OK writes drop the cache", func(t *testing.T) {
		f := newFixture(t)
		mustEvent(t, f.s, f.et1.ID, f.cg1.ID, utc(2024, 3, 1, 0, 0))
		if b, err := f.s.ReportBounds(t.Context()); err != nil || b.Last != model.NewYearMonth(2024, time.March) || b.Caregivers != 2 {
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
		want := store.ReportBounds{First: model.NewYearMonth(2024, time.March), Last: model.NewYearMonth(2024, time.June), Caregivers: 3, EventTypes: 3}
		if b != want {
			t.Fatalf("bounds after writes = %+v, want %+v", b, want)
		}
	})
}
