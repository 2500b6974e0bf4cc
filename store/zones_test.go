package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

// propZone is a report zone of the property tests and the first month of
// its data. Zones whose midnight on the 1st is skipped or repeated start
// before the month where it is.
type propZone struct {
	name  string
	first model.YearMonth
}

// propZones: whole, half and three-quarter hour offsets, both hemispheres'
// summer time, and the zones whose month starts are not time.Date's.
var propZones = []propZone{
	{"UTC", 202310}, {"Europe/Stockholm", 202310}, {"America/New_York", 202310},
	{"Asia/Kolkata", 202310}, {"Pacific/Chatham", 202310}, {"Australia/Adelaide", 202310},
	{"America/Asuncion", 202308},  // 1 October 2023: 00:00 -04 became 01:00 -03
	{"America/Havana", 201202},    // 1 April 2012: 00:00 CST became 01:00 CDT
	{"Asia/Gaza", 200408},         // 1 October 2004: 01:00 EEST became 00:00 EET, midnight twice
	{"America/St_Johns", 200909},  // 1 November 2009: 00:01 NDT became 23:01 NST on 31 October
	{"America/Goose_Bay", 200909}, // the same, an hour later in UTC
}

// propMonths is how many month starts from propZone.first the data spans.
const propMonths = 9

// localMonth is t's month on the clock of loc.
func localMonth(t time.Time, loc *time.Location) model.YearMonth {
	l := t.In(loc)
	return model.YearMonth(l.Year()*100 + int(l.Month()))
}

// monthOf is the month the tests expect for t, computed without the
// model's helpers: the latest month that the clock of loc has shown at any
// instant up to t. It is t's local month, except where a zone sets its
// clock back across a month's end: a month once begun lasts until the next
// one begins. The latest month shown is that of t or of the last instant
// of an earlier zone period; no clock goes back by two days.
func monthOf(t time.Time, loc *time.Location) model.YearMonth {
	m := localMonth(t, loc)
	for u := t; ; {
		start, _ := u.In(loc).ZoneBounds()
		if start.IsZero() || t.Sub(start) > 48*time.Hour {
			return m
		}
		u = start.Add(-time.Nanosecond)
		m = max(m, localMonth(u, loc))
	}
}

// boundaryInstants returns, for n months from first, the instants a month
// start in loc may be (or be mistaken for): midnight of the 1st under every
// offset loc has within two days of it, and every change of offset within
// 36 hours of it.
func boundaryInstants(loc *time.Location, first model.YearMonth, n int) []time.Time {
	var out []time.Time
	add := func(t time.Time) {
		if !slices.ContainsFunc(out, t.Equal) {
			out = append(out, t.UTC())
		}
	}
	ym := first
	for range n {
		day := time.Date(ym.Year(), ym.Month(), 1, 0, 0, 0, 0, time.UTC)
		for u := day.Add(-48 * time.Hour); u.Before(day.Add(48 * time.Hour)); {
			l := u.In(loc)
			_, off := l.Zone()
			add(day.Add(-time.Duration(off) * time.Second))
			_, end := l.ZoneBounds()
			if end.IsZero() {
				break
			}
			if d := end.Sub(day); d >= -36*time.Hour && d <= 36*time.Hour {
				add(end)
			}
			u = end
		}
		ym = ym.Next()
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// TestMonthOfReference shows that the tests' month reference is the local
// month except in the hour St. John's showed 31 October again.
func TestMonthOfReference(t *testing.T) {
	stj := mustZone(t, "America/St_Johns")
	for _, c := range []struct {
		at   time.Time
		want model.YearMonth
	}{
		{utc(2009, 11, 1, 2, 29), 200910},
		{utc(2009, 11, 1, 2, 30), 200911},
		{utc(2009, 11, 1, 3, 0), 200911}, // 23:30 NST on 31 October
		{utc(2009, 11, 1, 4, 0), 200911},
		{utc(2009, 10, 31, 3, 0), 200910},
	} {
		if got := monthOf(c.at, stj); got != c.want {
			t.Errorf("monthOf(%s) = %s, want %s", model.FormatDateTime(c.at), got, c.want)
		}
	}
	asu := mustZone(t, "America/Asuncion")
	if got := monthOf(utc(2023, 10, 1, 3, 30), asu); got != 202309 {
		t.Errorf("monthOf(Asunción 23:30 on 30 September) = %s", got)
	}
}
