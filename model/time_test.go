package model_test

import (
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
		"2024-03-01 09:30:00Z", "2024-03-01T25:00:00Z", "yesterday", "2024-03-01T09:30:00+25:00"} {
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

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"2024-03-01T09:30:00+01:00", "2024-03-01T09:30:00Z", "2024-02-30T10:00:00Z", "2024-03-01T09:30:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := model.ParseDateTime(s)
		if err != nil {
			if model.ErrorCode(err) != model.EInvalid {
				t.Fatalf("ParseDateTime(%q): %v", s, err)
			}
			return
		}
		back, err := model.ParseDateTime(model.FormatDateTime(tm))
		if err != nil || !back.Equal(tm) {
			t.Fatalf("round trip of %q: %v -> %v, %v", s, tm, back, err)
		}
	})
}

func FuzzParseYearMonth(f *testing.F) {
	for _, s := range []string{"2024-03", "2024-13", "24-03"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ym, err := model.ParseYearMonth(s)
		if err != nil {
			return
		}
		if ym.String() != s || ym.Month() < 1 || ym.Month() > 12 {
			t.Fatalf("ParseYearMonth(%q) = %d (%s)", s, ym, ym)
		}
	})
}
