package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
)

// maxStatements bounds the statements of one list request: the token lookup,
// the list itself, and one batch per referenced kind (an event type batch
// reads types and their prices).
const maxStatements = 5

// seedSpread registers n events over cgs caregivers, types event types and
// months calendar months of 2023, every combination reached.
func seedSpread(t *testing.T, e *env, n, cgs, types, months int) {
	t.Helper()
	cgIDs := make([]int64, cgs)
	for i := range cgIDs {
		cgIDs[i] = e.Caregiver(t, fmt.Sprintf("CG %d", i))
	}
	typeIDs := make([]int64, types)
	for i := range typeIDs {
		typeIDs[i] = e.EventType(t, fmt.Sprintf("T%d", i), fmt.Sprintf("%d.25", 10+i))
	}
	ins := make([]model.NewEvent, n)
	for i := range ins {
		at := testsupport.UTC(2023, time.Month(1+(i/cgs)%months), 1+i%28, 10, 0).Add(time.Duration(i) * time.Second)
		ins[i] = testsupport.Event(typeIDs[(i+i/cgs)%types], cgIDs[i%cgs], at)
	}
	e.Register(t, ins...)
}

// statements runs query and returns the statements it cost.
func (e *env) statements(t *testing.T, query string, out any) []string {
	t.Helper()
	e.Queries.Reset()
	e.MustQuery(t, query, out)
	if n := e.Queries.Count(); n != int64(len(e.Queries.Statements())) {
		t.Fatalf("counted %d statements, recorded %d", n, len(e.Queries.Statements()))
	}
	return e.Queries.Statements()
}

// kinds returns the distinct statements without their WHERE clauses (the
// id lists), sorted.
func kinds(stmts []string) []string {
	var out []string
	for _, s := range stmts {
		k, _, _ := strings.Cut(s, " WHERE ")
		out = append(out, k)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// requireFlat asserts that a request costs as many statements on a large
// data set as on a small one, and at most limit.
func requireFlat(t *testing.T, limit int, small, large []string) {
	t.Helper()
	ks, kl := kinds(small), kinds(large)
	if !slices.Equal(ks, kl) || len(kl) > limit {
		t.Fatalf("statement kinds differ or exceed %d:\nsmall:\n%s\nlarge:\n%s", limit, strings.Join(ks, "\n"), strings.Join(kl, "\n"))
	}
	if len(small) != len(large) || len(large) > limit {
		t.Fatalf("%d statements on the small data set, %d on the large one, want equal and at most %d:\n%s", len(small), len(large), limit, strings.Join(large, "\n"))
	}
}

func TestEventsNoNPlusOne(t *testing.T) {
	const q = `{ events(first: 500) { edges { node { type { name } caregiver { name } } } } }`
	type page struct {
		Events struct {
			Edges []struct {
				Node struct {
					Type, Caregiver struct{ Name string }
				}
			}
		}
	}
	var stmts [2][]string
	for i, tc := range []struct{ events, cgs, types int }{{10, 2, 2}, {500, 50, 20}} {
		e := newEnv(t)
		seedSpread(t, e, tc.events, tc.cgs, tc.types, 12)
		var out page
		stmts[i] = e.statements(t, q, &out)
		if len(out.Events.Edges) != tc.events {
			t.Fatalf("events = %d, want %d", len(out.Events.Edges), tc.events)
		}
		names := map[string]bool{}
		for _, edge := range out.Events.Edges {
			if edge.Node.Type.Name == "" || edge.Node.Caregiver.Name == "" {
				t.Fatalf("edge without type or caregiver name: %+v", edge)
			}
			names[edge.Node.Caregiver.Name] = true
		}
		if len(names) != tc.cgs {
			t.Fatalf("caregivers seen = %d, want %d", len(names), tc.cgs)
		}
	}
	t.Run("types and caregivers", func(t *testing.T) { requireFlat(t, maxStatements, stmts[0], stmts[1]) })

	t.Run("nodes and reimbursements", func(t *testing.T) {
		const q = `{ events(first: 500) { nodes { type { code } caregiver { name } reimbursement { eventCount } } } }`
		var stmts [2][]string
		for i, n := range []int{10, 500} {
			e := newEnv(t)
			seedSpread(t, e, n, n/10, 20, 12) // months January to October
			admin := model.Principal{TokenID: 1, Role: model.RoleAdmin}
			if _, err := e.S.ReimbursePending(t.Context(), admin, nil, model.NewYearMonth(2023, time.March)); err != nil {
				t.Fatal(err)
			}
			if _, err := e.S.ReimbursePending(t.Context(), admin, nil, model.NewYearMonth(2023, time.June)); err != nil {
				t.Fatal(err)
			}
			var out struct {
				Events struct {
					Nodes []struct {
						Type          struct{ Code string }
						Caregiver     struct{ Name string }
						Reimbursement *struct{ EventCount int }
					}
				}
			}
			stmts[i] = e.statements(t, q, &out)
			if len(out.Events.Nodes) != n || out.Events.Nodes[0].Reimbursement == nil {
				t.Fatalf("nodes = %d, first reimbursement %v", len(out.Events.Nodes), out.Events.Nodes[0].Reimbursement)
			}
		}
		requireFlat(t, maxStatements+1, stmts[0], stmts[1])
	})
}

func TestReportNoNPlusOne(t *testing.T) {
	const q = `{ report { months { caregivers { caregiver { name } byEventType { eventType { code } } } } } }`
	type rep struct {
		Report struct {
			Months []struct {
				Caregivers []struct {
					Caregiver   struct{ Name string }
					ByEventType []struct{ EventType struct{ Code string } }
				}
			}
		}
	}
	var stmts [2][]string
	for i, tc := range []struct{ events, cgs, types, months int }{{4, 2, 2, 1}, {2400, 100, 20, 12}} {
		e := newEnv(t)
		seedSpread(t, e, tc.events, tc.cgs, tc.types, tc.months)
		var out rep
		stmts[i] = e.statements(t, q, &out)
		cells := 0
		for _, m := range out.Report.Months {
			for _, c := range m.Caregivers {
				if c.Caregiver.Name == "" || len(c.ByEventType) == 0 || c.ByEventType[0].EventType.Code == "" {
					t.Fatalf("incomplete report cell: %+v", c)
				}
				cells++
			}
		}
		if len(out.Report.Months) != tc.months || cells != tc.cgs*tc.months {
			t.Fatalf("report has %d months, %d cells; want %d, %d", len(out.Report.Months), cells, tc.months, tc.cgs*tc.months)
		}
	}
	// token; the cost estimate's store.ReportBounds; BEGIN, rollups, COMMIT
	// (the report reads one snapshot); caregivers; event types and their
	// prices.
	requireFlat(t, maxStatements+3, stmts[0], stmts[1])
}

// TestAuditNoNPlusOne: the audit trail of a list costs one query for the
// payouts and one for every token it names, however many events and tokens.
func TestAuditNoNPlusOne(t *testing.T) {
	const q = `{ events(first: 500) { nodes { registeredBy { name } voidedBy { name } reimbursedBy { name role } reimbursement { createdBy { tokenId } } } } }`
	var stmts [2][]string
	for i, n := range []int{10, 500} {
		e := newEnv(t)
		cg, typ := e.Caregiver(t, "Ann"), e.EventType(t, "XRAY", "10.00")
		var ps []model.Principal
		for k := range n / 5 {
			secret, _, err := e.S.CreateToken(t.Context(), model.NewToken{Role: model.RoleAccountant, Name: fmt.Sprintf("acc %d", k)})
			if err != nil {
				t.Fatal(err)
			}
			p, err := e.S.Authenticate(t.Context(), secret)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, *p)
		}
		var ids []int64
		for j := range n {
			evs, err := e.S.RegisterEvents(t.Context(), ps[j%len(ps)], []model.NewEvent{testsupport.Event(typ, cg, testsupport.UTC(2023, time.Month(1+j%12), 1, 10, 0).Add(time.Duration(j)*time.Second))})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, evs[0].ID)
		}
		for j, id := range ids[:n/5] {
			if _, err := e.S.VoidEvent(t.Context(), ps[(j+1)%len(ps)], id, "dup"); err != nil {
				t.Fatal(err)
			}
		}
		for m, p := range []model.Principal{ps[0], ps[len(ps)-1]} {
			if _, err := e.S.ReimbursePending(t.Context(), p, nil, model.NewYearMonth(2023, time.Month(3+3*m))); err != nil {
				t.Fatal(err)
			}
		}
		var out struct {
			Events struct {
				Nodes []struct {
					RegisteredBy  struct{ Name string }
					VoidedBy      *struct{ Name string }
					ReimbursedBy  *struct{ Name, Role string }
					Reimbursement *struct{ CreatedBy struct{ TokenID string } }
				}
			}
		}
		stmts[i] = e.statements(t, q, &out)
		voided, reimbursed := 0, 0
		for _, node := range out.Events.Nodes {
			if node.RegisteredBy.Name == "" {
				t.Fatalf("node without registeredBy: %+v", node)
			}
			if node.VoidedBy != nil {
				voided++
			}
			if node.ReimbursedBy != nil {
				reimbursed++
				if node.ReimbursedBy.Role != "ACCOUNTANT" || node.Reimbursement == nil || node.Reimbursement.CreatedBy.TokenID == "" {
					t.Fatalf("reimbursed node %+v", node)
				}
			}
		}
		if len(out.Events.Nodes) != n || voided != n/5 || reimbursed == 0 {
			t.Fatalf("%d nodes, %d voided, %d reimbursed", len(out.Events.Nodes), voided, reimbursed)
		}
	}
	requireFlat(t, maxStatements, stmts[0], stmts[1])
}
