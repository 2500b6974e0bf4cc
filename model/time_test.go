package model_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

func TestParseDateTime(t *testing.T) {
	got, err := model.ParseDateTime("2024-03-01T09:30:00.1234567+01:00")
	want := time.Date(2024, 3, 1, 8, 30, 0, 123456700, time.UTC)
	if err != nil || !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("got %v, %v; want %v UTC", got, err, want)
	}
	if s := model.FormatDateTime(got); s != "2024-03-01T08:30:00.1234567Z" {
		t.Fatalf("FormatDateTime = %q", s)
	}
	for _, in := range []string{"", "2024-03-01T09:30:00", "2024-03-01", "2024-02-30T10:00:00Z", "2024-13-01T10:00:00Z",
		"2024-03-01 09:30:00Z", "2024-03-01T25:00:00Z", "yesterday", "2024-03-01T09:30:00+25:00",
		// time.Parse takes these; RFC 3339 does not.
		"2024-03-01T9:30:00Z", "2024-03-01T09:30:00,5Z", "2024-03-01T09:30:00+01:60", "2024-03-01T09:30:00.Z"} {
		if _, err := model.ParseDateTime(in); model.ErrorCode(err) != model.EInvalid {
			t.Errorf("ParseDateTime(%q) err = %v; want EInvalid", in, err)
		}
	}
}

func TestCeilTime(t *testing.T) {
	at := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	if got := model.CeilTime(at); !got.Equal(at) {
		t.Errorf("CeilTime(aligned) = %v", got)
	}
	if got := model.CeilTime(at.Add(100)); !got.Equal(at.Add(time.Microsecond)) {
		t.Errorf("CeilTime(+100ns) = %v", got)
	}
}

func TestYearMonth(t *testing.T) {
	ym, err := model.ParseYearMonth("2024-03")
	if err != nil || ym != 202403 || ym.String() != "2024-03" {
		t.Fatalf("ParseYearMonth = %d, %v", ym, err)
	}
	if model.NewYearMonth(2024, 12).Next() != 202501 || model.YearMonth(202402).Next() != 202403 {
		t.Fatal("Next")
	}
	for _, in := range []string{"", "2024-3", "24-03", "2024-13", "2024-00", "2024/03", "2024-03-01", "0000-01", "abcd-ef"} {
		if _, err := model.ParseYearMonth(in); model.ErrorCode(err) != model.EInvalid {
			t.Errorf("ParseYearMonth(%q) err = %v; want EInvalid", in, err)
		}
	}
	sthlm, _ := time.LoadLocation("Europe/Stockholm")
	// 23:30 UTC on 31 January is already February in Stockholm.
	at := time.Date(2024, 1, 31, 23, 30, 0, 0, time.UTC)
	if model.MonthOf(at, sthlm) != 202402 || model.MonthOf(at, time.UTC) != 202401 {
		t.Fatal("MonthOf ignores the zone")
	}
	if s := model.YearMonth(202402).Start(sthlm); !s.Equal(time.Date(2024, 1, 31, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("Start = %v", s)
	}
}

// rfc3339 is the shape of an RFC 3339 date-time with an explicit offset,
// in the upper-case form: the fuzzers' reference grammar.
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-5][0-9])$`)

// FuzzParseDateTime compares ParseDateTime with a reference: the RFC 3339
// grammar for the shape, and time.Parse for the calendar and the instant.
func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"2024-03-01T09:30:00+01:00", "2024-03-01T09:30:00Z", "2024-02-30T10:00:00Z", "2024-03-01T09:30:00",
		"2024-03-01T9:30:00Z", "2024-03-01T09:30:00,5Z", "2024-03-01T09:30:00+01:60", "2024-03-01T09:30:00.1234567891Z",
		"0000-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := model.ParseDateTime(s)
		ref, refErr := time.Parse(time.RFC3339, s)
		// DateTimes are read and written in UTC, years 0001 to 9999.
		ok := refErr == nil && rfc3339.MatchString(s) && ref.UTC().Year() >= 1 && ref.UTC().Year() <= 9999
		if !ok {
			if model.ErrorCode(err) != model.EInvalid {
				t.Fatalf("ParseDateTime(%q) = %v, %v; want EInvalid (reference: %v)", s, got, err, refErr)
			}
			return
		}
		if err != nil || !got.Equal(ref) || got.Location() != time.UTC {
			t.Fatalf("ParseDateTime(%q) = %v, %v; want %v in UTC", s, got, err, ref.UTC())
		}
		back, err := model.ParseDateTime(model.FormatDateTime(got))
		if err != nil || !back.Equal(got) {
			t.Fatalf("round trip of %q: %v -> %v, %v", s, got, back, err)
		}
	})
}

// refYearMonth is the fuzzer's reference parser of "YYYY-MM".
func refYearMonth(s string) (model.YearMonth, bool) {
	if len(s) != 7 || s[4] != '-' {
		return 0, false
	}
	n := 0
	for i, c := range []byte(s) {
		if i == 4 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	y, m := n/100, n%100
	if y < 1 || m < 1 || m > 12 {
		return 0, false
	}
	return model.YearMonth(n), true
}

// FuzzParseYearMonth compares ParseYearMonth with refYearMonth.
func FuzzParseYearMonth(f *testing.F) {
	for _, s := range []string{"2024-03", "2024-13", "24-03", "0000-01", "0001-01", "9999-12", "2024-+3", "+024-03", "2024-3 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ym, err := model.ParseYearMonth(s)
		want, ok := refYearMonth(s)
		if !ok {
			if model.ErrorCode(err) != model.EInvalid {
				t.Fatalf("ParseYearMonth(%q) = %d, %v; want EInvalid", s, ym, err)
			}
			return
		}
		if err != nil || ym != want || ym.String() != s {
			t.Fatalf("ParseYearMonth(%q) = %d (%s), %v; want %d", s, ym, ym, err, want)
		}
	})
}
