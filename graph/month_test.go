package graph_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
)

// TestReportSkippedMidnight: Asunción skipped midnight of 1 October 2023
// (00:00 -04 became 01:00 -03 at 04:00Z), so October began at 04:00Z and
// the event at 03:30Z (23:30 on 30 September) is September's, in the
// report, the CSV and reimbursePending alike.
func TestReportSkippedMidnight(t *testing.T) {
	e := newEnv(t, zone(t, "America/Asuncion"))
	xray, ann, bo := e.EventType(t, "XRAY", "10.00"), e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo")
	e.Register(t, testsupport.Event(xray, ann, testsupport.UTC(2023, 9, 15, 12, 0)), testsupport.Event(xray, ann, testsupport.UTC(2023, 10, 1, 3, 30)),
		testsupport.Event(xray, bo, testsupport.UTC(2023, 10, 1, 4, 30)), testsupport.Event(xray, bo, testsupport.UTC(2023, 10, 15, 12, 0)))

	requireLines(t, e.report(t, client.Var("to", "2023-10-01T04:00:00Z")),
		"total 2 20.00 r0.00 p20.00",
		"2023-09 2 20.00 r0.00 p20.00",
		"2023-09 Ann 2 20.00 r0.00 p20.00",
		"2023-09 Ann XRAY 2 20.00 r0.00 p20.00",
	)
	requireLines(t, e.report(t, client.Var("from", "2023-10-01T03:15:00Z")),
		"total 3 30.00 r0.00 p30.00",
		"2023-09 1 10.00 r0.00 p10.00",
		"2023-09 Ann 1 10.00 r0.00 p10.00",
		"2023-09 Ann XRAY 1 10.00 r0.00 p10.00",
		"2023-10 2 20.00 r0.00 p20.00",
		"2023-10 Bo 2 20.00 r0.00 p20.00",
		"2023-10 Bo XRAY 2 20.00 r0.00 p20.00",
	)

	csv := testsupport.CSVHandler(e.S, slog.New(slog.NewTextHandler(io.Discard, nil)), httpapi.Options{})
	get := func(query string) string {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/reports/monthly.csv?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+e.Secret)
		w := httptest.NewRecorder()
		csv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", query, w.Code, w.Body)
		}
		return w.Body.String()
	}
	const head = "month,caregiver_id,caregiver_name,event_count,amount,reimbursed,pending,currency\n"
	if got, want := get("from="+url.QueryEscape("2023-10-01T03:15:00Z")),
		head+"2023-09,1,Ann,1,10.00,0.00,10.00,SEK\n2023-10,2,Bo,2,20.00,0.00,20.00,SEK\n"; got != want {
		t.Fatalf("CSV from 03:15Z:\n%s\nwant:\n%s", got, want)
	}
	if got, want := get("to="+url.QueryEscape("2023-10-01T01:00:00-03:00")), head+"2023-09,1,Ann,2,20.00,0.00,20.00,SEK\n"; got != want {
		t.Fatalf("CSV to October's first instant:\n%s\nwant:\n%s", got, want)
	}

	var out struct{ ReimbursePending struct{ EventCount int } }
	e.MustQuery(t, `mutation { reimbursePending(through: "2023-09") { eventCount } }`, &out)
	if out.ReimbursePending.EventCount != 2 {
		t.Fatalf("reimbursePending through September took %d events, want 2", out.ReimbursePending.EventCount)
	}
}
