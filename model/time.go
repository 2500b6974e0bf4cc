package model

import (
	"errors"
	"fmt"
	"time"
)

// Precision is the resolution at which times are stored; inputs are
// truncated to it so that what is read back equals what was written.
const Precision = time.Microsecond

// ParseDateTime parses an RFC 3339 timestamp that carries an explicit offset
// ("Z" or "+01:00") and returns it in UTC at full precision; the store
// truncates event times and rounds period bounds up to Precision.
func ParseDateTime(s string) (time.Time, error) {
	t, err := parseRFC3339(s)
	if err != nil {
		return time.Time{}, Errorf(EInvalid, "invalid DateTime %s: expected RFC 3339 with an offset, e.g. \"2024-03-01T09:30:00+01:00\"", Quote(s))
	}
	// An offset can carry 0000-01-01 or 9999-12-31 past the years RFC 3339
	// writes in UTC, and every output is in UTC: refused, so that what is
	// read can always be written back and read again.
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return time.Time{}, Errorf(EInvalid, "invalid DateTime %s: in UTC it lies outside the years 0001 to 9999", Quote(s))
	}
	return t.UTC(), nil
}

// parseRFC3339 is time.Parse with the layout RFC 3339 requires.
func parseRFC3339(s string) (time.Time, error) {
	if !rfc3339Shape(s) {
		return time.Time{}, errors.New("not laid out as RFC 3339")
	}
	return time.Parse(time.RFC3339Nano, s)
}

// rfc3339Shape reports whether s is laid out as RFC 3339 requires:
// time.Parse also takes a one-digit hour, a comma before the fraction and
// 60 offset minutes, which RFC 3339 does not.
func rfc3339Shape(s string) bool {
	const head = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(head)+1 {
		return false
	}
	for i := 0; i < len(head); i++ {
		if c := s[i]; head[i] == 'd' && (c < '0' || c > '9') || head[i] != 'd' && c != head[i] {
			return false
		}
	}
	rest := s[len(head):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	if rest == "Z" {
		return true
	}
	return len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && digits(rest[1:3]) && rest[3] == ':' &&
		rest[4] >= '0' && rest[4] <= '5' && rest[5] >= '0' && rest[5] <= '9'
}

// CeilTime rounds t up to Precision. Period bounds are rounded up: for
// stored times e, e >= t exactly when e >= CeilTime(t), and likewise for <.
func CeilTime(t time.Time) time.Time {
	f := t.Truncate(Precision)
	if f.Before(t) {
		f = f.Add(Precision)
	}
	return f.UTC()
}

// ceilPtr applies CeilTime to an optional bound.
func ceilPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := CeilTime(*t)
	return &c
}

// FormatDateTime formats t as RFC 3339 in UTC with a "Z".
func FormatDateTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// YearMonth is a calendar month encoded as year*100+month (202403 for March
// 2024). It is the month key stored on every event.
type YearMonth int32

// NewYearMonth returns the month of y and m.
func NewYearMonth(y int, m time.Month) YearMonth { return YearMonth(y*100 + int(m)) }

// MonthOf returns the month of t in loc: the month m with m.Start(loc) <=
// t < m.Next().Start(loc). That is t's local month, except in the rare hour
// where a zone sets its clock back across the end of a month (St. John's,
// 1 November 2009: 00:01 became 23:01 on 31 October): the new month has
// started and stays started, so every month is one unbroken span of time
// and month keys, period splits and rollups agree.
func MonthOf(t time.Time, loc *time.Location) YearMonth {
	l := t.In(loc)
	m := NewYearMonth(l.Year(), l.Month())
	// Only a clock set back less than two days ago (no zone sets it back
	// by two days) can show the last days of a month after the next one
	// started; checking that first keeps MonthOf cheap elsewhere.
	if l.Day() >= 27 {
		if start, _ := l.ZoneBounds(); !start.IsZero() && t.Sub(start) < 48*time.Hour && !t.Before(m.Next().Start(loc)) {
			m = m.Next()
		}
	}
	return m
}

// ParseYearMonth parses "YYYY-MM".
func ParseYearMonth(s string) (YearMonth, error) {
	var y, m int
	if len(s) != 7 || s[4] != '-' || !digits(s[:4]) || !digits(s[5:]) {
		return 0, Errorf(EInvalid, "invalid YearMonth %s: expected \"YYYY-MM\", e.g. \"2024-03\"", Quote(s))
	}
	fmt.Sscanf(s, "%4d-%2d", &y, &m)
	if y < 1 || m < 1 || m > 12 {
		return 0, Errorf(EInvalid, "invalid YearMonth %s: month must be 01-12", Quote(s))
	}
	return NewYearMonth(y, time.Month(m)), nil
}

// Year returns the year of ym.
func (ym YearMonth) Year() int { return int(ym) / 100 }

// Month returns the month of ym.
func (ym YearMonth) Month() time.Month { return time.Month(int(ym) % 100) }

// String formats ym as "YYYY-MM".
func (ym YearMonth) String() string { return fmt.Sprintf("%04d-%02d", ym.Year(), int(ym.Month())) }

// Start returns the first instant of ym in loc: the first instant whose
// local date is the 1st (DayStart). Every month boundary (month keys,
// report period splits, rollup edges, cost estimates, the seed's payouts)
// is computed through it.
func (ym YearMonth) Start(loc *time.Location) time.Time {
	return DayStart(ym.Year(), ym.Month(), 1, loc)
}

// DayStart returns the first instant whose local date in loc is y-m-d or
// later, in loc. It is usually local midnight, but where midnight is
// skipped (Asunción, 1 October 2023: 00:00 became 01:00) it is the
// transition, and where it is repeated it is the first midnight;
// time.Date may return an instant of the previous day or the second
// midnight there.
func DayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	// The local clock of a zone period with offset off reads u+off at
	// instant u, so within a period it first shows day at day-off. Walk the
	// periods from two days before day (no offset reaches that far) and take
	// the first period whose clock gets there before the period ends.
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for t := day.Add(-48 * time.Hour); ; {
		l := t.In(loc)
		_, off := l.Zone()
		_, end := l.ZoneBounds()
		at := day.Add(-time.Duration(off) * time.Second)
		if at.Before(t) {
			at = t // the period starts after the local clock passed day
		}
		if end.IsZero() || at.Before(end) {
			return at.In(loc)
		}
		t = end
	}
}

// Prev returns the month before ym.
func (ym YearMonth) Prev() YearMonth {
	if ym.Month() == time.January {
		return NewYearMonth(ym.Year()-1, time.December)
	}
	return ym - 1
}

// Next returns the month after ym.
func (ym YearMonth) Next() YearMonth {
	if ym.Month() == time.December {
		return NewYearMonth(ym.Year()+1, time.January)
	}
	return ym + 1
}
