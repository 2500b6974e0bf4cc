package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zones for the tests even on hosts without a zoneinfo database

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/store"
)

const reportQ = `query($from: DateTime, $to: DateTime, $cg: [ID!]) { report(from: $from, to: $to, caregiverIds: $cg) {
	from to timeZone currency totals { ...T }
	months { month totals { ...T } caregivers { caregiver { name } totals { ...T } byEventType { eventType { code } totals { ...T } } } } } }
fragment T on Totals { eventCount amount { amount currency } reimbursed { amount } pending { amount } }`

type totalsOut struct {
	EventCount int
	Amount     struct{ Amount, Currency string }
	Reimbursed struct{ Amount string }
	Pending    struct{ Amount string }
}

func (t totalsOut) String() string {
	return fmt.Sprintf("%d %s r%s p%s", t.EventCount, t.Amount.Amount, t.Reimbursed.Amount, t.Pending.Amount)
}

type reportOut struct {
	Report struct {
		From, To           *string
		TimeZone, Currency string
		Totals             totalsOut
		Months             []struct {
			Month      string
			Totals     totalsOut
			Caregivers []struct {
				Caregiver   struct{ Name string }
				Totals      totalsOut
				ByEventType []struct {
					EventType struct{ Code string }
					Totals    totalsOut
				}
			}
		}
	}
}

// lines flattens a report to one line per total, in response order.
func (r reportOut) lines() []string {
	out := []string{"total " + r.Report.Totals.String()}
	for _, m := range r.Report.Months {
		out = append(out, m.Month+" "+m.Totals.String())
		for _, c := range m.Caregivers {
			out = append(out, m.Month+" "+c.Caregiver.Name+" "+c.Totals.String())
			for _, t := range c.ByEventType {
				out = append(out, m.Month+" "+c.Caregiver.Name+" "+t.EventType.Code+" "+t.Totals.String())
			}
		}
	}
	return out
}

func (e *env) report(t *testing.T, opts ...client.Option) reportOut {
	t.Helper()
	var out reportOut
	e.MustQuery(t, reportQ, &out, opts...)
	return out
}

func requireLines(t *testing.T, got reportOut, want ...string) {
	t.Helper()
	if g := got.lines(); !slices.Equal(g, want) {
		t.Fatalf("report:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
}

func TestReport(t *testing.T) {
	e := newEnv(t)
	// LAB is created first so that ids (the byEventType order) differ from codes.
	lab, xray := e.EventType(t, "LAB", "99.99"), e.EventType(t, "XRAY", "1250.50")
	bo, ann, cy := e.Caregiver(t, "Bo"), e.Caregiver(t, "Ann"), e.Caregiver(t, "Cy")
	ids := e.Register(t,
		testsupport.Event(xray, bo, testsupport.UTC(2024, 3, 1, 10, 0)),  // 0 pending
		testsupport.Event(lab, bo, testsupport.UTC(2024, 3, 2, 10, 0)),   // 1 voided
		testsupport.Event(xray, ann, testsupport.UTC(2024, 1, 5, 9, 0)),  // 2 reimbursed
		testsupport.Event(lab, ann, testsupport.UTC(2024, 1, 20, 9, 0)),  // 3 pending
		testsupport.Event(lab, bo, testsupport.UTC(2024, 1, 31, 23, 59)), // 4 pending
		testsupport.Event(lab, ann, testsupport.UTC(2024, 3, 15, 9, 0)),  // 5 reimbursed
		testsupport.Event(lab, ann, testsupport.UTC(2024, 3, 16, 9, 0)),  // 6 pending
		testsupport.Event(xray, ann, testsupport.UTC(2024, 1, 6, 9, 0)),  // 7 voided
	)
	e.MustQuery(t, `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { id } }`, nil, client.Var("ids", []string{testsupport.ID(ids[2]), testsupport.ID(ids[5])}))
	for _, i := range []int{1, 7} {
		e.MustQuery(t, `mutation($id: ID!) { voidEvent(id: $id, reason: "wrong") { id } }`, nil, client.Var("id", testsupport.ID(ids[i])))
	}

	t.Run("OK all", func(t *testing.T) {
		got := e.report(t)
		r := got.Report
		if r.From != nil || r.To != nil || r.TimeZone != "UTC" || r.Currency != "SEK" || r.Totals.Amount.Currency != "SEK" {
			t.Fatalf("report header = from %v to %v zone %q currency %q/%q", r.From, r.To, r.TimeZone, r.Currency, r.Totals.Amount.Currency)
		}
		requireLines(t, got,
			"total 6 2900.96 r1350.49 p1550.47",
			"2024-01 3 1450.48 r1250.50 p199.98",
			"2024-01 Bo 1 99.99 r0.00 p99.99",
			"2024-01 Bo LAB 1 99.99 r0.00 p99.99",
			"2024-01 Ann 2 1350.49 r1250.50 p99.99",
			"2024-01 Ann LAB 1 99.99 r0.00 p99.99",
			"2024-01 Ann XRAY 1 1250.50 r1250.50 p0.00",
			"2024-03 3 1450.48 r99.99 p1350.49",
			"2024-03 Bo 1 1250.50 r0.00 p1250.50",
			"2024-03 Bo XRAY 1 1250.50 r0.00 p1250.50",
			"2024-03 Ann 2 199.98 r99.99 p99.99",
			"2024-03 Ann LAB 2 199.98 r99.99 p99.99",
		)
	})
	t.Run("OK period with partial edge months", func(t *testing.T) {
		got := e.report(t, client.Var("from", "2024-01-20T10:00:00+01:00"), client.Var("to", "2024-03-02T00:00:00Z"))
		if r := got.Report; r.From == nil || *r.From != "2024-01-20T09:00:00Z" || r.To == nil || *r.To != "2024-03-02T00:00:00Z" {
			t.Fatalf("report period = %v to %v", r.From, r.To)
		}
		requireLines(t, got,
			"total 3 1450.48 r0.00 p1450.48",
			"2024-01 2 199.98 r0.00 p199.98",
			"2024-01 Bo 1 99.99 r0.00 p99.99",
			"2024-01 Bo LAB 1 99.99 r0.00 p99.99",
			"2024-01 Ann 1 99.99 r0.00 p99.99",
			"2024-01 Ann LAB 1 99.99 r0.00 p99.99",
			"2024-03 1 1250.50 r0.00 p1250.50",
			"2024-03 Bo 1 1250.50 r0.00 p1250.50",
			"2024-03 Bo XRAY 1 1250.50 r0.00 p1250.50",
		)
	})
	t.Run("OK one caregiver", func(t *testing.T) {
		var out struct {
			Report struct {
				Totals totalsOut
				Months []struct{ Month string }
			}
		}
		e.MustQuery(t, `query($cg: [ID!]) { report(caregiverIds: $cg) { totals { eventCount amount { amount } reimbursed { amount } pending { amount } } months { month } } }`,
			&out, client.Var("cg", []string{testsupport.ID(ann), testsupport.ID(ann)}))
		if got := out.Report.Totals.String(); got != "4 1550.47 r1350.49 p199.98" || len(out.Report.Months) != 2 {
			t.Fatalf("Ann's report = %s over %v", got, out.Report.Months)
		}
	})
	for name, cg := range map[string][]string{"empty list": {}, "caregiver without events": {testsupport.ID(cy)}} {
		t.Run("OK "+name, func(t *testing.T) {
			got := e.report(t, client.Var("cg", cg))
			requireLines(t, got, "total 0 0.00 r0.00 p0.00")
			if got.Report.Months == nil {
				t.Fatal("months = null, want []")
			}
		})
	}
	t.Run("OK empty period", func(t *testing.T) {
		requireLines(t, e.report(t, client.Var("from", "2024-02-01T00:00:00Z"), client.Var("to", "2024-02-01T00:00:00Z")), "total 0 0.00 r0.00 p0.00")
	})
	t.Run("ErrUnknownCaregivers", func(t *testing.T) {
		err := e.MustFail(t, "BAD_USER_INPUT", "caregiverIds", reportQ, client.Var("cg", []string{testsupport.ID(ann), "998", "999"}))
		if !strings.Contains(err.Message, "998") || !strings.Contains(err.Message, "999") || strings.Contains(err.Message, testsupport.ID(ann)+",") {
			t.Fatalf("message %q should name 998 and 999 only", err.Message)
		}
	})
	t.Run("ErrTooManyCaregivers", func(t *testing.T) {
		cg := make([]string, 10001)
		for i := range cg {
			cg[i] = testsupport.ID(ann)
		}
		e.MustFail(t, "BAD_USER_INPUT", "caregiverIds", reportQ, client.Var("cg", cg))
	})
	t.Run("ErrToBeforeFrom", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "to", reportQ, client.Var("from", "2024-02-01T00:00:00Z"), client.Var("to", "2024-01-01T00:00:00Z"))
	})
}

func TestReportLargeTotals(t *testing.T) {
	e := newEnv(t)
	big, ann := e.EventType(t, "BIG", "30000000.00"), e.Caregiver(t, "Ann")
	e.Register(t, testsupport.Event(big, ann, testsupport.UTC(2024, 2, 1, 0, 0)), testsupport.Event(big, ann, testsupport.UTC(2024, 2, 2, 0, 0)), testsupport.Event(big, ann, testsupport.UTC(2024, 3, 3, 0, 0)))
	// 9,000,000,000 minor units: past 2^31, so only a Decimal string holds it.
	requireLines(t, e.report(t),
		"total 3 90000000.00 r0.00 p90000000.00",
		"2024-02 2 60000000.00 r0.00 p60000000.00",
		"2024-02 Ann 2 60000000.00 r0.00 p60000000.00",
		"2024-02 Ann BIG 2 60000000.00 r0.00 p60000000.00",
		"2024-03 1 30000000.00 r0.00 p30000000.00",
		"2024-03 Ann 1 30000000.00 r0.00 p30000000.00",
		"2024-03 Ann BIG 1 30000000.00 r0.00 p30000000.00",
	)
	var out struct {
		ReimbursePending struct{ Total struct{ Amount string } }
	}
	e.MustQuery(t, `mutation { reimbursePending(through: "2024-03") { total { amount } } }`, &out)
	if got := out.ReimbursePending.Total.Amount; got != "90000000.00" {
		t.Fatalf("reimbursement total = %q, want 90000000.00", got)
	}
}

func TestReportTimeZoneAndCurrency(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *store.Options) { o.TimeZone, o.Currency = loc, "EUR" })
	xray, ann := e.EventType(t, "XRAY", "10.00"), e.Caregiver(t, "Ann")
	// 23:30 UTC on 31 January is 00:30 on 1 February in Stockholm.
	e.Register(t, testsupport.Event(xray, ann, testsupport.UTC(2024, 1, 31, 22, 59)), testsupport.Event(xray, ann, testsupport.UTC(2024, 1, 31, 23, 30)))
	got := e.report(t)
	if r := got.Report; r.TimeZone != "Europe/Stockholm" || r.Currency != "EUR" || r.Totals.Amount.Currency != "EUR" {
		t.Fatalf("report zone %q currency %q/%q, want Europe/Stockholm, EUR", r.TimeZone, r.Currency, r.Totals.Amount.Currency)
	}
	requireLines(t, got,
		"total 2 20.00 r0.00 p20.00",
		"2024-01 1 10.00 r0.00 p10.00",
		"2024-01 Ann 1 10.00 r0.00 p10.00",
		"2024-01 Ann XRAY 1 10.00 r0.00 p10.00",
		"2024-02 1 10.00 r0.00 p10.00",
		"2024-02 Ann 1 10.00 r0.00 p10.00",
		"2024-02 Ann XRAY 1 10.00 r0.00 p10.00",
	)
	var out struct{ ReimbursePending struct{ EventCount int } }
	e.MustQuery(t, `mutation { reimbursePending(through: "2024-01") { eventCount } }`, &out)
	if out.ReimbursePending.EventCount != 1 {
		t.Fatalf("reimbursePending through January (Stockholm) took %d events, want 1", out.ReimbursePending.EventCount)
	}
}
