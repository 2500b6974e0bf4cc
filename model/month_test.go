package model_test

import (
	"github.com/reimburse/reimburse/internal/testsupport/zones"
	"testing"
	"time"
	_ "time/tzdata" // LoadLocation works even where the host has no zoneinfo

	"github.com/reimburse/reimburse/model"
)

// TestMonthStartEveryZone checks the month-start rule in every zone of the
// tzdata for every month of 1970-2037 (the issue asks for 2005-2030): Start is the first instant whose
// local date is the 1st, and MonthOf changes exactly there.
func TestMonthStartEveryZone(t *testing.T) {
	for _, name := range zones.TZData(t) {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatalf("zone %s: %v", name, err)
		}
		for ym := model.NewYearMonth(1970, time.January); ym <= 203712; ym = ym.Next() {
			s := ym.Start(loc)
			l, before := s.In(loc), s.Add(-model.Precision).In(loc)
			if l.Day() != 1 || l.Month() != ym.Month() || l.Year() != ym.Year() || before.Day() == 1 {
				t.Fatalf("%s %s: Start = %s (%s), the instant before it is %s; want the first instant on the 1st",
					name, ym, l, s.UTC(), before)
			}
			if s.Location() != loc || s.Nanosecond()%int(model.Precision) != 0 {
				t.Fatalf("%s %s: Start = %v in %v", name, ym, s, s.Location())
			}
			if m := model.MonthOf(s, loc); m != ym {
				t.Fatalf("%s: MonthOf(Start(%s)) = %s", name, ym, m)
			}
			if m := model.MonthOf(s.Add(-model.Precision), loc); m != ym.Prev() {
				t.Fatalf("%s: MonthOf(Start(%s) - 1µs) = %s", name, ym, m)
			}
		}
	}
}

// TestMonthStartTransitions pins the zones whose midnight on the 1st is
// skipped or repeated, where time.Date's answer is not the month's start.
func TestMonthStartTransitions(t *testing.T) {
	for _, c := range []struct {
		zone  string
		month model.YearMonth
		want  string
	}{
		{"UTC", 202402, "2024-02-01T00:00:00Z"},
		{"Europe/Stockholm", 202402, "2024-01-31T23:00:00Z"},
		// 00:00 -04 became 01:00 -03: October began at the transition.
		{"America/Asuncion", 202310, "2023-10-01T04:00:00Z"},
		{"America/Asuncion", 201710, "2017-10-01T04:00:00Z"},
		{"America/Havana", 201204, "2012-04-01T05:00:00Z"},
		// 01:00 EEST became 00:00 EET: the 1st began at the first midnight.
		{"Asia/Gaza", 200410, "2004-09-30T21:00:00Z"},
		// 00:01 NDT became 23:01 NST on 31 October: November began at 00:00 NDT.
		{"America/St_Johns", 200911, "2009-11-01T02:30:00Z"},
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := model.FormatDateTime(c.month.Start(loc)); got != c.want {
			t.Errorf("%s %s: Start = %s, want %s", c.zone, c.month, got, c.want)
		}
	}
	// After November began, the St. John's clock showed 31 October again
	// for an hour; those instants are November's.
	stj, err := time.LoadLocation("America/St_Johns")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want model.YearMonth
	}{
		{time.Date(2009, 11, 1, 2, 29, 59, 999999000, time.UTC), 200910},
		{time.Date(2009, 11, 1, 2, 30, 0, 0, time.UTC), 200911},
		{time.Date(2009, 11, 1, 3, 0, 0, 0, time.UTC), 200911}, // 23:30 NST on 31 October
		{time.Date(2009, 11, 1, 3, 31, 0, 0, time.UTC), 200911},
	} {
		if got := model.MonthOf(c.at, stj); got != c.want {
			t.Errorf("MonthOf(%s, St_Johns) = %s, want %s", model.FormatDateTime(c.at), got, c.want)
		}
	}
	// Far from any data, for unbounded periods.
	if s := model.YearMonth(101).Start(time.UTC); !s.Equal(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Start(0001-01) = %v", s)
	}
	if s := model.YearMonth(999912).Start(stj); s.In(stj).Day() != 1 || s.Year() != 9999 {
		t.Errorf("Start(9999-12) = %v", s)
	}
}
