package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// TestMutationSelectionArgsCheckedBeforeWrite covers bad arguments inside a
// mutation's selection set, which resolve only after the write: the
// mutation must be refused before it writes, not commit and then answer
// null because the connection under it failed.
func TestMutationSelectionArgsCheckedBeforeWrite(t *testing.T) {
	e := newEnv(t)
	c, typ := e.caregiver(t, "Ann"), e.eventType(t, "XRAY", "100.00")
	pending := e.register(t, ev(typ, c, utc(2024, 6, 1, 9, 0)), ev(typ, c, utc(2024, 6, 2, 9, 0)))
	reimburse := fmt.Sprintf(`reimburseEvents(ids: ["%d"])`, pending[0])
	register := fmt.Sprintf(`registerEvent(input: {eventTypeId: "%d", caregiverId: "%d", occurredAt: "2024-06-10T09:00:00Z"})`, typ, c)
	for _, tc := range []struct {
		name, doc, vars, alias, field string
	}{
		{"FirstTooLarge", `mutation { ` + reimburse + ` { id events(first: 1001) { nodes { id } } } }`, `{}`, "reimburseEvents", "events.first"},
		{"FirstNegativeVariable", `mutation($n: Int) { ` + reimburse + ` { id events(first: $n) { nodes { id } } } }`, `{"n": -1}`, "reimburseEvents", "events.first"},
		{"BadCursor", `mutation { ` + reimburse + ` { id events(after: "zz") { nodes { id } } } }`, `{}`, "reimburseEvents", "events.after"},
		{"Nested", `mutation { r: ` + register + ` { id reimbursement { events(first: 5000) { nodes { id } } } } }`, `{}`, "r", "reimbursement.events.first"},
		{"InFragment", `mutation { ` + register + ` { ...F } } fragment F on Event { reimbursement { page: events(after: "x") { nodes { id } } } }`, `{}`,
			"registerEvent", "reimbursement.page.after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var vars map[string]any
			if err := json.Unmarshal([]byte(tc.vars), &vars); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, e)
			r := e.raw(t, gqlBody(t, tc.doc, vars), e.authed())
			if r.Status != http.StatusOK {
				t.Fatalf("HTTP %d: %s", r.Status, r.Body)
			}
			requireOne(t, r.Errors, "BAD_USER_INPUT", tc.field)
			if p := r.Errors[0].Path; len(p) != 1 || p[0] != tc.alias {
				t.Fatalf("error path %v, want [%s]", p, tc.alias)
			}
			var body struct{ Data map[string]json.RawMessage }
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			if got := string(body.Data[tc.alias]); body.Data == nil || got != "null" {
				t.Fatalf("data %s, want %s null", r.Body, tc.alias)
			}
			if after := snapshot(t, e); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("counts %v, want %v: the refused mutation wrote", after, before)
			}
		})
	}
	t.Run("OtherFieldsRun", func(t *testing.T) {
		r := e.post(t, `mutation { a: createCaregiver(input: {name: "Bo"}) { id } b: `+reimburse+` { events(first: 1001) { nodes { id } } } }`)
		requireOne(t, r.Errors, "BAD_USER_INPUT", "events.first")
		var data struct{ A *struct{ ID string } }
		if err := json.Unmarshal(r.Data, &data); err != nil || data.A == nil {
			t.Fatalf("data %s, want a committed caregiver (%v)", r.Data, err)
		}
		readBack(t, e, `caregiver(id: "%s") { name }`, data.A.ID, `{"caregiver":{"name":"Bo"}}`)
	})
	t.Run("NullableNestedError", func(t *testing.T) {
		// priceAt is nullable: its bad argument nulls it alone, and the
		// committed type stays in the response.
		r := e.post(t, `mutation { createEventType(input: {code: "LAB", name: "Lab", price: "20.00"}) { id priceAt(at: "garbage") { amount } } }`)
		if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" || fmt.Sprint(r.Errors[0].Path) != "[createEventType priceAt at]" {
			t.Fatalf("errors %+v, want one BAD_USER_INPUT at [createEventType priceAt at]", r.Errors)
		}
		var data struct {
			CreateEventType *struct {
				ID      string
				PriceAt *struct{ Amount string }
			}
		}
		if err := json.Unmarshal(r.Data, &data); err != nil || data.CreateEventType == nil || data.CreateEventType.PriceAt != nil {
			t.Fatalf("data %s, want the type with priceAt null (%v)", r.Data, err)
		}
		readBack(t, e, `eventType(id: "%s") { code }`, data.CreateEventType.ID, `{"eventType":{"code":"LAB"}}`)
	})
	t.Run("OK", func(t *testing.T) {
		// Valid page arguments, and a bad one under @skip (never resolved).
		r := e.post(t, `mutation { `+reimburse+` { eventCount events(first: 1) { nodes { id } pageInfo { hasNextPage } }
			skipped: events(first: 5000) @skip(if: true) { nodes { id } } } }`)
		want := fmt.Sprintf(`{"reimburseEvents":{"eventCount":1,"events":{"nodes":[{"id":"%d"}],"pageInfo":{"hasNextPage":false}}}}`, pending[0])
		requireData(t, r, want)
	})
}
