package graph_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/testsupport"
)

func TestByIDUnknownIsNull(t *testing.T) {
	e := newEnv(t)
	r := e.Post(t, `{ caregiver(id: "404") { id } event(id: "404") { id } eventType(id: "404") { id } reimbursement(id: "404") { id } }`)
	if len(r.Errors) != 0 {
		t.Fatalf("errors = %+v, want none", r.Errors)
	}
	if want := `{"caregiver":null,"event":null,"eventType":null,"reimbursement":null}`; string(r.Data) != want {
		t.Fatalf("data = %s, want %s", r.Data, want)
	}
	t.Run("ErrMalformedID", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "id", `{ event(id: "x1") { id } }`)
	})
}

type pageInfo struct {
	HasNextPage bool
	EndCursor   *string
}

func TestCaregiversConnection(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 5 {
		want = append(want, testsupport.ID(e.Caregiver(t, fmt.Sprintf("C%d", i))))
	}
	const q = `query($first: Int, $after: String) { caregivers(first: $first, after: $after) { edges { cursor node { id name } } nodes { id } pageInfo { hasNextPage endCursor } } }`
	var got []string
	var after any
	for page := 0; ; page++ {
		var out struct {
			Caregivers struct {
				Edges []struct {
					Cursor string
					Node   struct{ ID, Name string }
				}
				Nodes    []struct{ ID string }
				PageInfo pageInfo
			}
		}
		e.MustQuery(t, q, &out, client.Var("first", 2), client.Var("after", after))
		c := out.Caregivers
		if len(c.Edges) != len(c.Nodes) || len(c.Edges) == 0 || *c.PageInfo.EndCursor != c.Edges[len(c.Edges)-1].Cursor {
			t.Fatalf("page %d = %+v", page, c)
		}
		for i, edge := range c.Edges {
			if edge.Node.ID != c.Nodes[i].ID {
				t.Fatalf("page %d: edges and nodes differ: %+v", page, c)
			}
			got = append(got, edge.Node.ID)
		}
		if !c.PageInfo.HasNextPage {
			break
		}
		after = *c.PageInfo.EndCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("caregivers paged = %v, want %v", got, want)
	}
	t.Run("ErrFirstTooLarge", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "first", q, client.Var("first", 1001))
	})
	t.Run("ErrBadCursor", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "after", q, client.Var("after", "nope"))
	})
}

// seedEvents registers n events through registerEvents: caregivers and types
// round-robin, occurredAt one hour apart with every third pair sharing an
// instant, so that paging must break ties by id.
func seedEvents(t *testing.T, e *env, n int) []string {
	t.Helper()
	cgs := []int64{e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo"), e.Caregiver(t, "Cy")}
	types := []int64{e.EventType(t, "XRAY", "100.00"), e.EventType(t, "LAB", "20.00")}
	ins := make([]any, n)
	for i := range ins {
		at := testsupport.UTC(2024, 1, 1, 0, 0).Add(time.Duration(i-i%3/2) * time.Hour)
		ins[i] = regIn(types[i%2], cgs[i%3], at.Format(time.RFC3339))
	}
	var out struct{ RegisterEvents []struct{ ID string } }
	e.MustQuery(t, `mutation($ins: [RegisterEventInput!]!) { registerEvents(inputs: $ins) { id } }`, &out, client.Var("ins", ins))
	ids := make([]string, len(out.RegisterEvents))
	for i, ev := range out.RegisterEvents {
		ids[i] = ev.ID
	}
	return ids
}

type eventsPage struct {
	Events struct {
		Edges []struct {
			Cursor string
			Node   struct{ ID, OccurredAt string }
		}
		PageInfo pageInfo
	}
}

const eventsQ = `query($f: EventFilter, $first: Int, $after: String) { events(filter: $f, first: $first, after: $after) {
	edges { cursor node { id occurredAt } } pageInfo { hasNextPage endCursor } } }`

func TestEventsConnection(t *testing.T) {
	e := newEnv(t)
	ids := seedEvents(t, e, 60)

	t.Run("OK default first is 50", func(t *testing.T) {
		var out eventsPage
		e.MustQuery(t, eventsQ, &out)
		if n := len(out.Events.Edges); n != 50 || !out.Events.PageInfo.HasNextPage {
			t.Fatalf("events() = %d edges, hasNextPage %v; want 50, true", n, out.Events.PageInfo.HasNextPage)
		}
	})
	t.Run("OK paging has no gaps or duplicates", func(t *testing.T) {
		var got []string
		var after any
		prev := ""
		for pages := 1; ; pages++ {
			var out eventsPage
			e.MustQuery(t, eventsQ, &out, client.Var("first", 7), client.Var("after", after))
			for _, edge := range out.Events.Edges {
				if edge.Node.OccurredAt < prev {
					t.Fatalf("events out of order: %s after %s", edge.Node.OccurredAt, prev)
				}
				prev = edge.Node.OccurredAt
				got = append(got, edge.Node.ID)
			}
			if !out.Events.PageInfo.HasNextPage {
				if pages != 9 || len(out.Events.Edges) != 4 {
					t.Fatalf("last page %d has %d edges, want page 9 with 4", pages, len(out.Events.Edges))
				}
				break
			}
			after = *out.Events.PageInfo.EndCursor
		}
		if !slices.Equal(got, ids) {
			t.Fatalf("paged ids = %v, want %v", got, ids)
		}
	})
	t.Run("OK exact last page", func(t *testing.T) {
		var out eventsPage
		e.MustQuery(t, eventsQ, &out, client.Var("first", 60))
		if len(out.Events.Edges) != 60 || out.Events.PageInfo.HasNextPage {
			t.Fatalf("first 60 of 60: %d edges, hasNextPage %v", len(out.Events.Edges), out.Events.PageInfo.HasNextPage)
		}
		e.MustQuery(t, eventsQ, &out, client.Var("after", *out.Events.PageInfo.EndCursor))
		if len(out.Events.Edges) != 0 || out.Events.PageInfo.HasNextPage || out.Events.PageInfo.EndCursor != nil {
			t.Fatalf("after the last: %+v, want empty", out.Events)
		}
	})
	t.Run("OK first 0", func(t *testing.T) {
		var out eventsPage
		e.MustQuery(t, eventsQ, &out, client.Var("first", 0))
		if p := out.Events.PageInfo; len(out.Events.Edges) != 0 || !p.HasNextPage || p.EndCursor != nil {
			t.Fatalf("first 0 of 60: %+v, want no edges, hasNextPage true, no endCursor", out.Events)
		}
	})
	t.Run("OK first 1000", func(t *testing.T) {
		var out eventsPage
		e.MustQuery(t, eventsQ, &out, client.Var("first", 1000))
		if len(out.Events.Edges) != 60 {
			t.Fatalf("first 1000: %d edges, want 60", len(out.Events.Edges))
		}
	})
	t.Run("ErrFirstTooLarge", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "first", eventsQ, client.Var("first", 1001))
	})
	t.Run("ErrFirstNegative", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "first", eventsQ, client.Var("first", -1))
	})
	t.Run("ErrCursorGarbage", func(t *testing.T) {
		var out eventsPage
		e.MustQuery(t, eventsQ, &out, client.Var("first", 1))
		// The base64 ones are "v1:abc:1", "v1:1:0", "v2:1:1" and "v1:1".
		for _, bad := range []string{"garbage", *out.Events.PageInfo.EndCursor + "x", "djE6YWJjOjE", "djE6MTow", "djI6MTox", "djE6MQ", ""} {
			e.MustFail(t, "BAD_USER_INPUT", "after", eventsQ, client.Var("after", bad))
		}
	})
}

func TestEventsFilter(t *testing.T) {
	e := newEnv(t)
	xray, lab := e.EventType(t, "XRAY", "100.00"), e.EventType(t, "LAB", "20.00")
	ann, bo := e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo")
	ids := e.Register(t,
		testsupport.Event(xray, ann, testsupport.UTC(2024, 1, 10, 8, 0)), // 0
		testsupport.Event(lab, ann, testsupport.UTC(2024, 2, 1, 0, 0)),   // 1
		testsupport.Event(xray, bo, testsupport.UTC(2024, 2, 15, 8, 0)),  // 2
		testsupport.Event(lab, bo, testsupport.UTC(2024, 3, 1, 0, 0)),    // 3
		testsupport.Event(xray, ann, testsupport.UTC(2024, 3, 20, 8, 0)), // 4
	)
	e.MustQuery(t, `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { id } }`, nil, client.Var("ids", []string{testsupport.ID(ids[0]), testsupport.ID(ids[2])}))
	e.MustQuery(t, `mutation($id: ID!) { voidEvent(id: $id, reason: "dup") { id } }`, nil, client.Var("id", testsupport.ID(ids[3])))

	for _, tc := range []struct {
		name   string
		filter map[string]any
		want   []int
	}{
		{"none", map[string]any{}, []int{0, 1, 2, 3, 4}},
		{"caregiverIds", map[string]any{"caregiverIds": []string{testsupport.ID(bo)}}, []int{2, 3}},
		{"caregiverIds empty", map[string]any{"caregiverIds": []string{}}, nil},
		{"caregiverIds unknown", map[string]any{"caregiverIds": []string{"999"}}, nil},
		{"eventTypeIds", map[string]any{"eventTypeIds": []string{testsupport.ID(lab)}}, []int{1, 3}},
		{"statuses", map[string]any{"statuses": []string{"REIMBURSED", "VOIDED"}}, []int{0, 2, 3}},
		{"statuses pending", map[string]any{"statuses": []string{"PENDING"}}, []int{1, 4}},
		{"from inclusive", map[string]any{"from": "2024-02-01T00:00:00Z"}, []int{1, 2, 3, 4}},
		{"to exclusive", map[string]any{"to": "2024-03-01T01:00:00+01:00"}, []int{0, 1, 2}},
		{"from and to", map[string]any{"from": "2024-02-01T00:00:00.000001Z", "to": "2024-03-20T08:00:00.000001Z"}, []int{2, 3, 4}},
		{"combined", map[string]any{"caregiverIds": []string{testsupport.ID(ann), testsupport.ID(bo)}, "eventTypeIds": []string{testsupport.ID(xray)}, "statuses": []string{"PENDING", "REIMBURSED"}, "from": "2024-01-10T08:00:00Z"}, []int{0, 2, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out eventsPage
			e.MustQuery(t, eventsQ, &out, client.Var("f", tc.filter))
			var got []string
			for _, edge := range out.Events.Edges {
				got = append(got, edge.Node.ID)
			}
			var want []string
			for _, i := range tc.want {
				want = append(want, testsupport.ID(ids[i]))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("events(filter: %v) = %v, want %v", tc.filter, got, want)
			}
		})
	}
	t.Run("ErrBadStatus", func(t *testing.T) {
		r := e.Raw(t, testsupport.GQLBody(t, eventsQ, map[string]any{"f": map[string]any{"statuses": []string{"LOST"}}}), e.Authed())
		if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "GRAPHQL_VALIDATION_FAILED" {
			t.Fatalf("status %d, errors %+v, want one GRAPHQL_VALIDATION_FAILED", r.Status, r.Errors)
		}
	})
}
