package graph_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
)

// requireComplexity asserts one COMPLEXITY_LIMIT_EXCEEDED error saying msg.
func requireComplexity(t testing.TB, r testsupport.Result, msg string) {
	t.Helper()
	testsupport.RequireOne(t, r.Errors, "COMPLEXITY_LIMIT_EXCEEDED", "")
	if !strings.Contains(r.Errors[0].Message, msg) {
		t.Fatalf("message %q, want it to say %q", r.Errors[0].Message, msg)
	}
}

func TestConnectionComplexity(t *testing.T) {
	e := newEnv(t)
	// 5 per edge: the edge, node, amount, type and caregiver; scalars are
	// free.
	page := func(first string) string {
		return `{ events` + first + ` { edges { cursor node { id occurredAt amount { amount currency } type { code name } caregiver { name } } } } }`
	}
	t.Run("OK first 10", func(t *testing.T) { e.MustQuery(t, page("(first: 10)"), nil) })
	t.Run("OK first defaults to 50", func(t *testing.T) { e.MustQuery(t, page(""), nil) })
	t.Run("ErrFirst1000", func(t *testing.T) {
		requireComplexity(t, e.Post(t, page("(first: 1000)")), "operation has complexity 5001, which exceeds the limit of 5000")
	})
	t.Run("just under and over the default", func(t *testing.T) {
		// 1 + first x 5; without reimbursement, 1 + first x 4.
		const q = `{ events(first: %d) { nodes { id amount { amount } type { code } caregiver { name } %s } } }`
		e.MustQuery(t, fmt.Sprintf(q, 999, "reimbursement { id }"), nil)
		e.MustQuery(t, fmt.Sprintf(q, 1000, ""), nil)
		requireComplexity(t, e.Post(t, fmt.Sprintf(q, 1000, "reimbursement { id }")), "complexity 5001")
	})
	t.Run("ErrNestedConnections", func(t *testing.T) {
		// 1 + 100 x (nodes + reimbursement + (1 + 100 x nodes)).
		const q = `{ events(first: 100) { nodes { reimbursement { events(first: 100) { nodes { id } } } } } }`
		requireComplexity(t, e.Post(t, q), "complexity 10301")
	})
	t.Run("ErrFirstOverTheMaximum is the resolver's", func(t *testing.T) {
		// Clamped to 1000 for the cost, so the clearer error wins.
		e.MustFail(t, "BAD_USER_INPUT", "first", `{ events(first: 5000) { edges { cursor } } }`)
	})
}

// reportEnv holds 12 months of 2023 with events of two caregivers in each,
// of one type, and MaxReportCells set to limit.
func reportEnv(t *testing.T, limit int) (*env, int64, int64, int64) {
	t.Helper()
	// gqlgen's executor answers every report here: MaxReportCells applies.
	return reportEnvWith(t, graph.Options{Limits: graph.Limits{MaxReportCells: limit}, DisableFastReport: true})
}

func reportEnvWith(t *testing.T, o graph.Options) (*env, int64, int64, int64) {
	t.Helper()
	e := newEnvWith(t, o)
	typ, a, b := e.EventType(t, "XRAY", "100.00"), e.Caregiver(t, "Anna"), e.Caregiver(t, "Bertil")
	var ins []model.NewEvent
	for m := time.January; m <= time.December; m++ {
		ins = append(ins, testsupport.Event(typ, a, testsupport.UTC(2023, m, 10, 9, 0)), testsupport.Event(typ, b, testsupport.UTC(2023, m, 20, 9, 0)))
	}
	e.Register(t, ins...)
	return e, typ, a, b
}

// cellsQuery costs 12 months x 3 + 24 cells x 2 = 84 on reportEnv: a month
// selects caregivers, caregiver and totals, a cell caregiver and totals.
const cellsQuery = `{ report %s { months { caregivers { caregiver { name } totals { eventCount } } } } }`

// TestFastReportCost: report-only queries that the fast report path answers
// are bounded by MaxFastReportCells; a query that mixes in another root
// field goes through gqlgen's executor and keeps MaxReportCells.
func TestFastReportCost(t *testing.T) {
	e, _, _, _ := reportEnvWith(t, graph.Options{Limits: graph.Limits{MaxReportCells: 10, MaxFastReportCells: 84}})
	e.MustQuery(t, fmt.Sprintf(cellsQuery, ""), nil)
	mixed := strings.Replace(fmt.Sprintf(cellsQuery, ""), "{ report", "{ eventTypes { code } report", 1)
	requireComplexity(t, e.Post(t, mixed), "which exceeds the limit of 10")
	e, _, _, _ = reportEnvWith(t, graph.Options{Limits: graph.Limits{MaxReportCells: 1000, MaxFastReportCells: 83}})
	requireComplexity(t, e.Post(t, fmt.Sprintf(cellsQuery, "")), "which exceeds the limit of 83")
}

func TestReportCost(t *testing.T) {
	t.Run("OK at the limit", func(t *testing.T) {
		e, _, _, _ := reportEnv(t, 84)
		e.MustQuery(t, fmt.Sprintf(cellsQuery, ""), nil)
	})

	t.Run("ErrOverTheLimit", func(t *testing.T) {
		e, _, _, _ := reportEnv(t, 83)
		requireComplexity(t, e.Post(t, fmt.Sprintf(cellsQuery, "")),
			"the report is estimated to cost 84 (12 months x 2 caregivers = 24 cells, times the fields selected per month and per cell), which exceeds the limit of 83")
	})

	t.Run("OK narrowed", func(t *testing.T) {
		e, _, a, _ := reportEnv(t, 60)
		for _, args := range []string{
			`(from: "2023-03-01T00:00:00Z", to: "2023-06-01T00:00:00Z")`, // 3 months: 9 + 6 x 2
			`(from: "2023-12-01T00:00:00+01:00")`,                        // November 30 23:00Z on: 2 months
			`(from: "1900-01-01T00:00:00Z", to: "2023-02-01T00:00:00Z")`, // clipped to the data: 1 month
			fmt.Sprintf(`(caregiverIds: ["%d", "%d"])`, a, a),            // 12 months x 1: 36 + 24
			`(caregiverIds: [])`,
			`(from: "2030-01-01T00:00:00Z")`, // no months
		} {
			e.MustQuery(t, fmt.Sprintf(cellsQuery, args), nil)
		}
		// Without months.caregivers only months count: 12 x 1.
		e.MustQuery(t, `{ report { totals { eventCount } months { month totals { eventCount } } } }`, nil)
	})

	t.Run("fragments, aliases, @include", func(t *testing.T) {
		e, _, _, _ := reportEnv(t, 50)
		const q = `query R($cells: Boolean!) { report { months { month ...Cells @include(if: $cells) } } }
			fragment Cells on ReportMonth { caregivers { caregiver { name } totals { eventCount } } }`
		// The months term counts the fragment (12 x 3 = 36), the cells
		// only when included (24 x 2 = 48 more).
		e.MustQuery(t, q, nil, client.Var("cells", false))
		requireComplexity(t, e.Post(t, q, client.Var("cells", true)), "cost 84")
		// Each alias of months counts, a month at least 1: n x 12.
		e, _, _, _ = reportEnv(t, 100)
		months := func(n int) string { return "{ report {" + aliased(n, "months { month }") + " } }" }
		e.MustQuery(t, months(8), nil)
		requireComplexity(t, e.Post(t, months(9)), "cost 108")
	})

	t.Run("byEventType counts every event type", func(t *testing.T) {
		e, _, a, _ := reportEnv(t, 215)
		e.Register(t, testsupport.Event(e.EventType(t, "LAB", "10.00"), a, testsupport.UTC(2023, 5, 5, 0, 0)))
		// 12 x 4 + 24 x 3 + 24 x 2 types x 2 = 216.
		const q = `{ report { months { caregivers { byEventType { eventType { code } totals { eventCount } } } } } }`
		requireComplexity(t, e.Post(t, q), "cost 216")
	})

	t.Run("the cost follows the data", func(t *testing.T) {
		e, typ, _, _ := reportEnv(t, 84)
		q := fmt.Sprintf(cellsQuery, "")
		e.MustQuery(t, q, nil)
		// A third caregiver's event in January 2024: 13 months x 3.
		e.Register(t, testsupport.Event(typ, e.Caregiver(t, "Cecilia"), testsupport.UTC(2024, 1, 5, 0, 0)))
		requireComplexity(t, e.Post(t, q), "13 months x 3 caregivers")
	})

	t.Run("OK empty database", func(t *testing.T) {
		e := newEnvWith(t, graph.Options{Limits: graph.Limits{MaxReportCells: 1}})
		e.MustQuery(t, fmt.Sprintf(cellsQuery, ""), nil)
	})

	t.Run("default", func(t *testing.T) {
		e, _, _, _ := reportEnv(t, 0)
		r := e.Raw(t, testsupport.GQLBody(t, fmt.Sprintf(cellsQuery, ""), nil), e.Authed())
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
		}
	})
}

// batchInputs returns n registerEvents inputs of one type and caregiver
// with the keys key(i).
func batchInputs(typ, cg int64, n int, key func(int) string) []map[string]any {
	ins := make([]map[string]any, n)
	for i := range ins {
		ins[i] = map[string]any{"eventTypeId": testsupport.ID(typ), "caregiverId": testsupport.ID(cg), "occurredAt": "2024-03-02T10:00:00Z", "idempotencyKey": key(i)}
	}
	return ins
}

// TestBatchComplexity: registerEvents' selection counts once per input.
func TestBatchComplexity(t *testing.T) {
	const upload = `mutation($in: [RegisterEventInput!]!) { registerEvents(inputs: $in) %s }`

	t.Run("ErrReplaysOfAReimbursedEvent", func(t *testing.T) {
		e := newEnv(t)
		typ, cg := e.EventType(t, "XRAY", "10.00"), e.Caregiver(t, "Anna")
		once := func(int) string { return "k-1" }
		var reg struct{ RegisterEvents []struct{ ID string } }
		e.MustQuery(t, fmt.Sprintf(upload, "{ id }"), &reg, client.Var("in", batchInputs(typ, cg, 1, once)))
		e.MustQuery(t, `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { id } }`, nil, client.Var("ids", []string{reg.RegisterEvents[0].ID}))
		// 3,000 replays of k-1 and one new key. Counted once: 1 + 1002 (the
		// reimbursement, 1 + 1000 nodes); 3,000 times more: 1002 each.
		ins := append(batchInputs(typ, cg, 3000, once), batchInputs(typ, cg, 1, func(int) string { return "k-2" })...)
		r := e.Post(t, fmt.Sprintf(upload, "{ id reimbursement { events(first: 1000) { nodes { id } } } }"), client.Var("in", ins))
		requireComplexity(t, r, "operation has complexity 3007003, which exceeds the limit of 5000")
		if n := e.CountEvents(t); n != 1 {
			t.Fatalf("%d events after the refusal, want 1", n)
		}
	})

	t.Run("per further input, Money free", func(t *testing.T) {
		e := newEnvWith(t, graph.Options{ComplexityLimit: 4})
		typ, cg := e.EventType(t, "XRAY", "10.00"), e.Caregiver(t, "Anna")
		key := func(i int) string { return fmt.Sprintf("m-%d", i) }
		// Once: 1 + amount + type = 3; each further input: type, 1.
		const sel = "{ id amount { amount } type { code } }"
		e.MustQuery(t, fmt.Sprintf(upload, sel), nil, client.Var("in", batchInputs(typ, cg, 2, key)))
		r := e.Post(t, fmt.Sprintf(upload, sel), client.Var("in", batchInputs(typ, cg, 3, func(i int) string { return fmt.Sprintf("n-%d", i) })))
		requireComplexity(t, r, "operation has complexity 5, which exceeds the limit of 4")
		def := *e // default limits, to count
		def.H = testsupport.Handler(graph.Options{Store: e.S, Logger: slog.New(slog.NewTextHandler(e.Log, nil))}, httpapi.Options{})
		def.C = client.New(def.H, client.AddHeader("Authorization", "Bearer "+e.Secret))
		if n := def.CountEvents(t); n != 2 {
			t.Fatalf("%d events, want the first batch's 2", n)
		}
	})

	t.Run("OK a full batch", func(t *testing.T) {
		e := newEnv(t)
		typ, cg := e.EventType(t, "XRAY", "10.00"), e.Caregiver(t, "Anna")
		ins := batchInputs(typ, cg, 10000, func(i int) string { return fmt.Sprintf("b-%05d", i) })
		var out struct {
			RegisterEvents []struct {
				ID     string
				Amount struct{ Amount string }
				Status string
			}
		}
		e.MustQuery(t, fmt.Sprintf(upload, "{ id amount { amount } status }"), &out, client.Var("in", ins))
		if len(out.RegisterEvents) != 10000 || out.RegisterEvents[9999].Amount.Amount != "10.00" || out.RegisterEvents[0].Status != "PENDING" {
			t.Fatalf("registered %d events, last %+v", len(out.RegisterEvents), out.RegisterEvents[len(out.RegisterEvents)-1])
		}
	})
}

// TestReportCostScope: one event backdated to year 1 adds one month to the
// estimate, not two thousand years; a CAREGIVER's report is estimated on its
// own months only, and a refusal names only those.
func TestReportCostScope(t *testing.T) {
	const limit = 40
	e := newEnvWith(t, graph.Options{Limits: graph.Limits{MaxReportCells: limit}, DisableFastReport: true})
	typ, a, b, c := e.EventType(t, "XRAY", "1.00"), e.Caregiver(t, "Anna"), e.Caregiver(t, "Bertil"), e.Caregiver(t, "Cecilia")
	var ins []model.NewEvent
	for m := time.January; m <= time.June; m++ {
		ins = append(ins, testsupport.Event(typ, b, testsupport.UTC(2024, m, 3, 9, 0)), testsupport.Event(typ, c, testsupport.UTC(2024, m, 4, 9, 0)))
	}
	ins = append(ins, testsupport.Event(typ, a, testsupport.UTC(2024, 2, 5, 9, 0)), testsupport.Event(typ, a, testsupport.UTC(2024, 3, 5, 9, 0)))
	e.Register(t, ins...)
	// The ADMIN backdates one of Anna's events to 0001-01-01.
	e.MustQuery(t, fmt.Sprintf(`mutation { registerEvent(input: {eventTypeId: "%d", caregiverId: "%d", occurredAt: "0001-01-01T00:00:00Z"}) { id } }`, typ, a), nil)
	unbounded := fmt.Sprintf(cellsQuery, "")

	t.Run("OK another caregiver's own report", func(t *testing.T) {
		// Bertil: 6 months x 3 + 6 cells x 2 = 30.
		var out struct {
			Report struct {
				Months []struct {
					Caregivers []struct{ Caregiver struct{ Name string } }
				}
			}
		}
		e.as(t, model.RoleCaregiver, b).MustQuery(t, unbounded, &out)
		if len(out.Report.Months) != 6 || out.Report.Months[0].Caregivers[0].Caregiver.Name != "Bertil" {
			t.Fatalf("Bertil's report = %+v", out.Report)
		}
	})

	t.Run("OK the backdating caregiver's own report", func(t *testing.T) {
		// Anna: 3 months (year 1, February, March) x 3 + 3 x 2 = 15.
		var out struct {
			Report struct{ Months []struct{ Month string } }
		}
		e.as(t, model.RoleCaregiver, a).MustQuery(t, unbounded, nil)
		e.as(t, model.RoleCaregiver, a).MustQuery(t, `{ report { months { month } } }`, &out)
		if len(out.Report.Months) != 3 || out.Report.Months[0].Month != "0001-01" {
			t.Fatalf("Anna's months = %+v", out.Report.Months)
		}
	})

	t.Run("ErrOwnMonthsOnly", func(t *testing.T) {
		// Refused, Anna hears of her own 3 months and 1 caregiver, not of
		// the 7 months and 3 caregivers of everyone, even when she asks
		// about another caregiver (which the resolver would refuse).
		small := *e
		small.H = testsupport.Handler(graph.Options{Store: e.S, Logger: slog.New(slog.NewTextHandler(e.Log, nil)),
			Limits: graph.Limits{MaxReportCells: 14}, DisableFastReport: true}, httpapi.Options{})
		for _, args := range []string{"", fmt.Sprintf(`(caregiverIds: ["%d"])`, c)} {
			r := small.as(t, model.RoleCaregiver, a).Post(t, fmt.Sprintf(cellsQuery, args))
			requireComplexity(t, r, "the report is estimated to cost 15 (3 months x 1 caregivers = 3 cells, times the fields selected per month and per cell), which exceeds the limit of 14")
		}
	})

	t.Run("OK everyone's report", func(t *testing.T) {
		// 7 months hold events (year 1 and January to June 2024), not
		// 24,282: 7 x 3 + 21 cells x 2 = 63 over the limit of 40, and
		// March to May: 3 x 3 + 9 x 2 = 27 under it.
		requireComplexity(t, e.Post(t, unbounded), "the report is estimated to cost 63 (7 months x 3 caregivers = 21 cells")
		e.MustQuery(t, fmt.Sprintf(cellsQuery, `(from: "2024-03-01T00:00:00Z", to: "2024-06-01T00:00:00Z")`), nil)
		// One caregiver's id: that caregiver's months.
		e.MustQuery(t, fmt.Sprintf(cellsQuery, fmt.Sprintf(`(caregiverIds: ["%d"])`, b)), nil)
	})
}

// TestOccurredAtLowerBound: year 1 may be registered, anything before is
// BAD_USER_INPUT on occurredAt and writes nothing.
func TestOccurredAtLowerBound(t *testing.T) {
	e := newEnv(t)
	typ, cg := e.EventType(t, "XRAY", "1.00"), e.Caregiver(t, "Anna")
	reg := func(at string) string {
		return fmt.Sprintf(`mutation { registerEvent(input: {eventTypeId: "%d", caregiverId: "%d", occurredAt: "%s"}) { id } }`, typ, cg, at)
	}
	e.MustQuery(t, reg("0001-01-01T00:00:00Z"), nil)
	for _, at := range []string{"0000-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "0000-01-01T00:00:00Z"} {
		err := e.MustFail(t, "BAD_USER_INPUT", "input.occurredAt", reg(at))
		// The DateTime scalar refuses what lies before year 0001 in UTC
		// (it could not be written back); model.MinOccurredAt says the
		// same to callers of the store.
		if want := fmt.Sprintf("invalid DateTime %q: in UTC it lies outside the years 0001 to 9999", at); err.Message != want {
			t.Fatalf("%s: message %q", at, err.Message)
		}
	}
	if n := e.CountEvents(t); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}
