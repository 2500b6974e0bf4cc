package store_test

import (
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

// monthTotals is one month's count and pending amount in a report.
type monthTotals struct {
	month model.YearMonth
	count int64
	sum   model.Money
}

// reportMonths flattens a report's months for comparison.
func reportMonths(r *model.Report) []monthTotals {
	var out []monthTotals
	for _, m := range r.Months {
		out = append(out, monthTotals{m.Month, m.Totals.EventCount, m.Totals.Pending})
	}
	return out
}

// checkMonths compares a report's months and total with want, for both
// report paths' inputs (with and without byEventType).
func checkMonths(t *testing.T, f fixture, q model.ReportQuery, want ...monthTotals) {
	t.Helper()
	var n int64
	var total model.Money
	for _, m := range want {
		n, total = n+m.count, total+m.sum
	}
	for _, byType := range []bool{false, true} {
		q.ByEventType = byType
		rep := mustReport(t, f.s, q)
		got := reportMonths(rep)
		if len(got) != len(want) || rep.Totals.EventCount != n || rep.Totals.Pending != total {
			t.Fatalf("%s: months %v, totals %+v; want %v, %d events, %s", describeQuery(q), got, rep.Totals, want, n, total.Decimal())
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: months %v; want %v", describeQuery(q), got, want)
			}
		}
	}
}

// TestReportSkippedMidnight: in Asunción local midnight of 1 October 2023
// did not exist (00:00 -04 became 01:00 -03 at 04:00Z), and time.Date puts
// that midnight at 23:00 on 30 September. October starts at 04:00Z: the
// event at 03:30Z (23:30 on 30 September) is September's, and the period
// split agrees with the month keys.
func TestReportSkippedMidnight(t *testing.T) {
	loc := mustZone(t, "America/Asuncion")
	f := newFixture(t, withZone(loc))
	at := func(s string) time.Time {
		v, err := model.ParseDateTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	evs := mustRegister(t, f.s,
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: at("2023-09-15T12:00:00Z")},
		model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg1.ID, OccurredAt: at("2023-10-01T03:30:00Z")},
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: at("2023-10-01T04:30:00Z")},
		model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: at("2023-10-15T12:00:00Z")},
	)
	for i, want := range []model.YearMonth{202309, 202309, 202310, 202310} {
		if evs[i].Month != want {
			t.Fatalf("event %d at %s: month %s, want %s", i, model.FormatDateTime(evs[i].OccurredAt), evs[i].Month, want)
		}
	}
	sep, oct := model.YearMonth(202309), model.YearMonth(202310)
	checkMonths(t, f, model.ReportQuery{To: ptr(at("2023-10-01T04:00:00Z"))},
		monthTotals{sep, 2, 125050})
	checkMonths(t, f, model.ReportQuery{From: ptr(at("2023-10-01T03:15:00Z"))},
		monthTotals{sep, 1, 25050}, monthTotals{oct, 2, 125050})
	// On October's first instant: September whole, October whole.
	checkMonths(t, f, model.ReportQuery{From: ptr(at("2023-10-01T04:00:00Z"))},
		monthTotals{oct, 2, 125050})
	checkMonths(t, f, model.ReportQuery{To: ptr(at("2023-10-01T04:00:00Z")), From: ptr(at("2023-09-01T04:00:00Z"))},
		monthTotals{sep, 2, 125050})
	// Where time.Date puts midnight (03:00Z) September is not over yet.
	checkMonths(t, f, model.ReportQuery{From: ptr(at("2023-10-01T03:00:00Z"))},
		monthTotals{sep, 1, 25050}, monthTotals{oct, 2, 125050})
	checkMonths(t, f, model.ReportQuery{To: ptr(at("2023-10-01T03:00:00Z"))},
		monthTotals{sep, 1, 100000})

	// reimbursePending through September takes both September events.
	r, err := f.s.ReimbursePending(t.Context(), admin, nil, sep)
	if err != nil || r.EventCount != 2 || r.Total != 125050 {
		t.Fatalf("reimbursePending through %s = %+v, %v; want 2 events totalling 1250.50", sep, r, err)
	}
}

// TestReportRepeatedMidnight: in St. John's on 1 November 2009 the clock
// went from 00:01 NDT back to 23:01 NST on 31 October (at 02:31Z).
// November began at 00:00 NDT (02:30Z) and does not end again: an event
// at 03:00Z (23:30 on 31 October on the clock) is November's, so whole
// months read from the rollups and the raw edges agree.
func TestReportRepeatedMidnight(t *testing.T) {
	loc := mustZone(t, "America/St_Johns")
	f := newFixture(t, withZone(loc))
	evs := mustRegister(t, f.s,
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2009, 11, 1, 2, 15)}, // 23:45 NDT, 31 Oct
		model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2009, 11, 1, 2, 30)}, // 00:00 NDT, 1 Nov
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg2.ID, OccurredAt: utc(2009, 11, 1, 3, 0)},  // 23:30 NST, 31 Oct
	)
	for i, want := range []model.YearMonth{200910, 200911, 200911} {
		if evs[i].Month != want {
			t.Fatalf("event %d at %s: month %s, want %s", i, model.FormatDateTime(evs[i].OccurredAt), evs[i].Month, want)
		}
	}
	oct, nov := model.YearMonth(200910), model.YearMonth(200911)
	checkMonths(t, f, model.ReportQuery{From: ptr(utc(2009, 11, 1, 2, 30))}, monthTotals{nov, 2, 125050})
	checkMonths(t, f, model.ReportQuery{From: ptr(utc(2009, 10, 1, 2, 30)), To: ptr(utc(2009, 11, 1, 2, 30))}, monthTotals{oct, 1, 100000})
	checkMonths(t, f, model.ReportQuery{From: ptr(utc(2009, 11, 1, 2, 45))}, monthTotals{nov, 1, 100000})
	checkMonths(t, f, model.ReportQuery{}, monthTotals{oct, 1, 100000}, monthTotals{nov, 2, 125050})
}
