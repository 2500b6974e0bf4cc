package model

import (
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
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, Errorf(EInvalid, "invalid DateTime %s: expected RFC 3339 with an offset, e.g. \"2024-03-01T09:30:00+01:00\"", Quote(s))
	}
	return t.UTC(), nil
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

// MonthOf returns the calendar month of t in loc.
func MonthOf(t time.Time, loc *time.Location) YearMonth {
	l := t.In(loc)
	return NewYearMonth(l.Year(), l.Month())
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

// Start returns the first instant of ym in loc.
func (ym YearMonth) Start(loc *time.Location) time.Time {
	return time.Date(ym.Year(), ym.Month(), 1, 0, 0, 0, 0, loc)
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
