package graph_test

import (
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/testsupport"
)

const reimburseQ = `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) {
	id createdAt eventCount total { amount currency }
	events { edges { node { id status reimbursedAt reimbursement { id } } } pageInfo { hasNextPage } } } }`

type reimbursementOut struct {
	ID, CreatedAt string
	EventCount    int
	Total         struct{ Amount, Currency string }
	Events        struct {
		Edges []struct {
			Node struct {
				ID, Status    string
				ReimbursedAt  *string
				Reimbursement *struct{ ID string }
			}
		}
		PageInfo struct{ HasNextPage bool }
	}
}

// status returns an event's status through the API.
func (e *env) status(t testing.TB, eventID int64) string {
	t.Helper()
	var out struct{ Event struct{ Status string } }
	e.MustQuery(t, `query($id: ID!) { event(id: $id) { status } }`, &out, client.Var("id", testsupport.ID(eventID)))
	return out.Event.Status
}

func TestReimburseEvents(t *testing.T) {
	e := newEnv(t)
	xray, lab, ann, bo := e.EventType(t, "XRAY", "1250.50"), e.EventType(t, "LAB", "99.99"), e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo")
	ids := e.Register(t, testsupport.Event(xray, ann, testsupport.UTC(2024, 3, 1, 9, 0)), testsupport.Event(lab, bo, testsupport.UTC(2024, 3, 2, 9, 0)), testsupport.Event(lab, ann, testsupport.UTC(2024, 4, 2, 9, 0)),
		testsupport.Event(xray, bo, testsupport.UTC(2024, 4, 3, 9, 0)))

	var out struct{ ReimburseEvents reimbursementOut }
	e.MustQuery(t, reimburseQ, &out, client.Var("ids", []string{testsupport.ID(ids[0]), testsupport.ID(ids[1]), testsupport.ID(ids[2])}))
	r := out.ReimburseEvents
	if r.ID == "" || r.CreatedAt != "2024-06-15T12:00:00Z" || r.EventCount != 3 || r.Total.Amount != "1450.48" || r.Total.Currency != "SEK" {
		t.Fatalf("reimbursement = %+v, want 3 events totalling 1450.48 SEK", r)
	}
	if len(r.Events.Edges) != 3 || r.Events.PageInfo.HasNextPage {
		t.Fatalf("reimbursement events = %+v, want 3", r.Events)
	}
	for i, edge := range r.Events.Edges {
		n := edge.Node
		if n.ID != testsupport.ID(ids[i]) || n.Status != "REIMBURSED" || n.ReimbursedAt == nil || *n.ReimbursedAt != "2024-06-15T12:00:00Z" ||
			n.Reimbursement == nil || n.Reimbursement.ID != r.ID {
			t.Errorf("event %d = %+v, want %d REIMBURSED by %s", i, n, ids[i], r.ID)
		}
	}
	if got := e.status(t, ids[3]); got != "PENDING" {
		t.Fatalf("unlisted event is %s, want PENDING", got)
	}

	t.Run("OK reimbursement query pages its events", func(t *testing.T) {
		var got struct {
			Reimbursement struct {
				EventCount int
				Total      struct{ Amount string }
				Events     struct {
					Nodes    []struct{ ID string }
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
		}
		q := `query($id: ID!, $after: String) { reimbursement(id: $id) { eventCount total { amount } events(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }`
		e.MustQuery(t, q, &got, client.Var("id", r.ID))
		p := got.Reimbursement
		if p.EventCount != 3 || p.Total.Amount != "1450.48" || len(p.Events.Nodes) != 2 || !p.Events.PageInfo.HasNextPage {
			t.Fatalf("reimbursement page 1 = %+v", p)
		}
		e.MustQuery(t, q, &got, client.Var("id", r.ID), client.Var("after", p.Events.PageInfo.EndCursor))
		if n := got.Reimbursement.Events.Nodes; len(n) != 1 || n[0].ID != testsupport.ID(ids[2]) || got.Reimbursement.Events.PageInfo.HasNextPage {
			t.Fatalf("reimbursement page 2 = %+v, want event %d alone", got.Reimbursement.Events, ids[2])
		}
	})
	t.Run("ErrTwice", func(t *testing.T) {
		e.MustFail(t, "CONFLICT", "ids[0]", reimburseQ, client.Var("ids", []string{testsupport.ID(ids[0])}))
	})
	t.Run("ErrMixed", func(t *testing.T) {
		e.MustFail(t, "CONFLICT", "ids[1]", reimburseQ, client.Var("ids", []string{testsupport.ID(ids[3]), testsupport.ID(ids[1])}))
		if got := e.status(t, ids[3]); got != "PENDING" {
			t.Fatalf("pending event of a failed batch is %s, want PENDING", got)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		e.MustFail(t, "NOT_FOUND", "ids[1]", reimburseQ, client.Var("ids", []string{testsupport.ID(ids[3]), "9999"}))
	})
	t.Run("ErrListedTwice", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "ids[1]", reimburseQ, client.Var("ids", []string{testsupport.ID(ids[3]), testsupport.ID(ids[3])}))
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "ids", reimburseQ, client.Var("ids", []string{}))
	})
	if got := e.status(t, ids[3]); got != "PENDING" {
		t.Fatalf("event %d is %s after failed payouts, want PENDING", ids[3], got)
	}
	var rep struct {
		Report struct {
			Totals struct{ Reimbursed, Pending struct{ Amount string } }
		}
	}
	e.MustQuery(t, `{ report { totals { reimbursed { amount } pending { amount } } } }`, &rep)
	if tot := rep.Report.Totals; tot.Reimbursed.Amount != "1450.48" || tot.Pending.Amount != "1250.50" {
		t.Fatalf("report totals = %+v, want reimbursed 1450.48, pending 1250.50", tot)
	}
}

func TestReimbursePending(t *testing.T) {
	e := newEnv(t)
	xray, ann, bo := e.EventType(t, "XRAY", "100.25"), e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo")
	ids := e.Register(t,
		testsupport.Event(xray, ann, testsupport.UTC(2024, 2, 10, 9, 0)), testsupport.Event(xray, ann, testsupport.UTC(2024, 3, 31, 23, 59)), testsupport.Event(xray, bo, testsupport.UTC(2024, 3, 15, 9, 0)),
		testsupport.Event(xray, ann, testsupport.UTC(2024, 4, 1, 0, 0)), testsupport.Event(xray, bo, testsupport.UTC(2024, 5, 1, 0, 0)))
	const q = `mutation($cg: [ID!], $m: YearMonth!) { reimbursePending(caregiverIds: $cg, through: $m) { eventCount total { amount } events { nodes { id } } } }`

	t.Run("OK one caregiver", func(t *testing.T) {
		var out struct {
			ReimbursePending struct {
				EventCount int
				Total      struct{ Amount string }
				Events     struct{ Nodes []struct{ ID string } }
			}
		}
		e.MustQuery(t, q, &out, client.Var("cg", []string{testsupport.ID(ann)}), client.Var("m", "2024-03"))
		r := out.ReimbursePending
		if r.EventCount != 2 || r.Total.Amount != "200.50" || len(r.Events.Nodes) != 2 ||
			r.Events.Nodes[0].ID != testsupport.ID(ids[0]) || r.Events.Nodes[1].ID != testsupport.ID(ids[1]) {
			t.Fatalf("reimbursePending = %+v, want Ann's February and March events, 200.50", r)
		}
		for i, want := range []string{"REIMBURSED", "REIMBURSED", "PENDING", "PENDING", "PENDING"} {
			if got := e.status(t, ids[i]); got != want {
				t.Errorf("event %d is %s, want %s", i, got, want)
			}
		}
	})
	t.Run("OK all caregivers", func(t *testing.T) {
		var out struct {
			ReimbursePending struct {
				EventCount int
				Total      struct{ Amount string }
			}
		}
		e.MustQuery(t, q, &out, client.Var("m", "2024-04"))
		if r := out.ReimbursePending; r.EventCount != 2 || r.Total.Amount != "200.50" {
			t.Fatalf("reimbursePending = %+v, want Bo's March and Ann's April events, 200.50", r)
		}
		if got := e.status(t, ids[4]); got != "PENDING" {
			t.Fatalf("May event is %s, want PENDING", got)
		}
	})
	t.Run("ErrNothingPending", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "through", q, client.Var("m", "2024-04"))
	})
	t.Run("ErrEmptyCaregivers", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "caregiverIds", q, client.Var("cg", []string{}), client.Var("m", "2024-12"))
	})
	t.Run("ErrUnknownCaregiver", func(t *testing.T) {
		err := e.MustFail(t, "BAD_USER_INPUT", "caregiverIds", q, client.Var("cg", []string{testsupport.ID(bo), "4242"}), client.Var("m", "2024-12"))
		if !strings.Contains(err.Message, "4242") {
			t.Fatalf("message %q does not name 4242", err.Message)
		}
		if got := e.status(t, ids[4]); got != "PENDING" {
			t.Fatalf("event of a failed payout is %s, want PENDING", got)
		}
	})
}

func TestVoidEvent(t *testing.T) {
	e := newEnv(t)
	xray, ann := e.EventType(t, "XRAY", "100.00"), e.Caregiver(t, "Ann")
	ids := e.Register(t, testsupport.Event(xray, ann, testsupport.UTC(2024, 3, 1, 9, 0)), testsupport.Event(xray, ann, testsupport.UTC(2024, 3, 2, 9, 0)), testsupport.Event(xray, ann, testsupport.UTC(2024, 3, 3, 9, 0)))
	e.MustQuery(t, `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { id } }`, nil, client.Var("ids", []string{testsupport.ID(ids[2])}))
	const q = `mutation($id: ID!, $r: String!) { voidEvent(id: $id, reason: $r) { id status voidedAt voidReason amount { amount } } }`

	var out struct {
		VoidEvent struct {
			ID, Status string
			VoidedAt   *string
			VoidReason *string
			Amount     struct{ Amount string }
		}
	}
	e.MustQuery(t, q, &out, client.Var("id", testsupport.ID(ids[0])), client.Var("r", "  registered twice "))
	v := out.VoidEvent
	if v.ID != testsupport.ID(ids[0]) || v.Status != "VOIDED" || v.VoidedAt == nil || *v.VoidedAt != "2024-06-15T12:00:00Z" ||
		v.VoidReason == nil || *v.VoidReason != "registered twice" || v.Amount.Amount != "100.00" {
		t.Fatalf("voidEvent = %+v", v)
	}
	var rep struct {
		Report struct {
			Totals struct {
				EventCount                  int
				Amount, Pending, Reimbursed struct{ Amount string }
			}
		}
	}
	e.MustQuery(t, `{ report { totals { eventCount amount { amount } pending { amount } reimbursed { amount } } } }`, &rep)
	if tot := rep.Report.Totals; tot.EventCount != 2 || tot.Amount.Amount != "200.00" || tot.Pending.Amount != "100.00" || tot.Reimbursed.Amount != "100.00" {
		t.Fatalf("report totals = %+v, want 2 events, 200.00 (the voided one excluded)", tot)
	}

	t.Run("ErrAlreadyVoided", func(t *testing.T) {
		e.MustFail(t, "CONFLICT", "id", q, client.Var("id", testsupport.ID(ids[0])), client.Var("r", "again"))
	})
	t.Run("ErrReimbursed", func(t *testing.T) {
		e.MustFail(t, "CONFLICT", "id", q, client.Var("id", testsupport.ID(ids[2])), client.Var("r", "late"))
		if got := e.status(t, ids[2]); got != "REIMBURSED" {
			t.Fatalf("reimbursed event is %s after a refused void", got)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		e.MustFail(t, "NOT_FOUND", "id", q, client.Var("id", "9999"), client.Var("r", "gone"))
	})
	t.Run("ErrReasonRequired", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "reason", q, client.Var("id", testsupport.ID(ids[1])), client.Var("r", "  "))
		if got := e.status(t, ids[1]); got != "PENDING" {
			t.Fatalf("event is %s after a refused void, want PENDING", got)
		}
	})
	t.Run("ErrReimburseVoided", func(t *testing.T) {
		e.MustFail(t, "CONFLICT", "ids[0]", `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { id } }`, client.Var("ids", []string{testsupport.ID(ids[0])}))
	})
}
