package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/store"
	"github.com/uptrace/bun"
)

// TestMutationSelectionArgsCheckedBeforeWrite covers bad arguments inside a
// mutation's selection set, which resolve only after the write: the
// mutation must be refused before it writes, not commit and then answer
// null because the connection under it failed.
func TestMutationSelectionArgsCheckedBeforeWrite(t *testing.T) {
	e := newEnv(t)
	c, typ := e.Caregiver(t, "Ann"), e.EventType(t, "XRAY", "100.00")
	pending := e.Register(t, testsupport.Event(typ, c, testsupport.UTC(2024, 6, 1, 9, 0)), testsupport.Event(typ, c, testsupport.UTC(2024, 6, 2, 9, 0)))
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
			r := e.Raw(t, testsupport.GQLBody(t, tc.doc, vars), e.Authed())
			if r.Status != http.StatusOK {
				t.Fatalf("HTTP %d: %s", r.Status, r.Body)
			}
			testsupport.RequireOne(t, r.Errors, "BAD_USER_INPUT", tc.field)
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
		r := e.Post(t, `mutation { a: createCaregiver(input: {name: "Bo"}) { id } b: `+reimburse+` { events(first: 1001) { nodes { id } } } }`)
		testsupport.RequireOne(t, r.Errors, "BAD_USER_INPUT", "events.first")
		var data struct{ A *struct{ ID string } }
		if err := json.Unmarshal(r.Data, &data); err != nil || data.A == nil {
			t.Fatalf("data %s, want a committed caregiver (%v)", r.Data, err)
		}
		readBack(t, e, `caregiver(id: "%s") { name }`, data.A.ID, `{"caregiver":{"name":"Bo"}}`)
	})
	t.Run("NullableNestedError", func(t *testing.T) {
		// priceAt is nullable: its bad argument nulls it alone, and the
		// committed type stays in the response.
		r := e.Post(t, `mutation { createEventType(input: {code: "LAB", name: "Lab", price: "20.00"}) { id priceAt(at: "garbage") { amount } } }`)
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
		r := e.Post(t, `mutation { `+reimburse+` { eventCount events(first: 1) { nodes { id } pageInfo { hasNextPage } }
			skipped: events(first: 5000) @skip(if: true) { nodes { id } } } }`)
		want := fmt.Sprintf(`{"reimburseEvents":{"eventCount":1,"events":{"nodes":[{"id":"%d"}],"pageInfo":{"hasNextPage":false}}}}`, pending[0])
		requireData(t, r, want)
	})
}

// cancelAfter is a query hook that, once armed, cancels a request's
// context right after a statement with the given text (COMMIT, BEGIN) runs.
type cancelAfter struct {
	mu     sync.Mutex
	query  string
	cancel context.CancelFunc
}

func (h *cancelAfter) arm(query string, cancel context.CancelFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.query, h.cancel = query, cancel
}

// fired reports whether the armed cancel has run.
func (h *cancelAfter) fired() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cancel == nil
}

func (h *cancelAfter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *cancelAfter) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cancel != nil && ev.Query == h.query {
		h.cancel()
		h.cancel = nil
	}
}

// TestMutationReadBackSurvivesCancel cuts the request (as its deadline or
// a client going away would) right after a mutation's write commits: the
// response must still carry the committed object, including the parts of
// it that are read from the database afterwards. A cut before the write
// still stops it.
func TestMutationReadBackSurvivesCancel(t *testing.T) {
	hook := &cancelAfter{}
	e := newEnv(t, func(o *store.Options) { o.Hooks = append(o.Hooks, hook) })
	send := func(t *testing.T, query, doc string) (testsupport.RawResponse, map[string]json.RawMessage) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		hook.arm(query, cancel)
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", strings.NewReader(testsupport.GQLBody(t, doc, nil)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.Secret)
		r := testsupport.ServeRaw(t, e.H, req)
		if !hook.fired() {
			t.Fatalf("no %s ran: the request was never cut", query)
		}
		var body struct{ Data map[string]json.RawMessage }
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		return r, body.Data
	}
	for i, tc := range []struct{ field, call, want string }{
		{"registerEvent", `registerEvent(input: {eventTypeId: "{T}", caregiverId: "{C}", occurredAt: "2024-06-10T09:00:00Z"}) { type { code } caregiver { name } }`,
			`{"type":{"code":"PAIR_{n}_T"},"caregiver":{"name":"Pair {n} C"}}`},
		{"registerEvents", `registerEvents(inputs: [{eventTypeId: "{T}", caregiverId: "{C}", occurredAt: "2024-06-10T09:00:00Z"}]) { type { code } }`,
			`[{"type":{"code":"PAIR_{n}_T"}}]`},
		{"voidEvent", `voidEvent(id: "{CE2}", reason: "twice") { status caregiver { name } }`, `{"status":"VOIDED","caregiver":{"name":"Pair {n} C"}}`},
		{"reimburseEvents", `reimburseEvents(ids: ["{CE1}"]) { events { nodes { id type { code } } } }`,
			`{"events":{"nodes":[{"id":"{CE1}","type":{"code":"PAIR_{n}_T"}}]}}`},
		{"reimbursePending", `reimbursePending(caregiverIds: ["{C}"], through: "2024-06") { events { nodes { id } } }`,
			`{"events":{"nodes":[{"id":"{CE1}"},{"id":"{CE2}"}]}}`},
	} {
		t.Run(tc.field, func(t *testing.T) {
			f := newPairFixture(t, e, 1000+i)
			r, data := send(t, "COMMIT", f.doc("mutation { "+tc.call+" }"))
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("HTTP %d errors %+v: %s", r.Status, r.Errors, r.Body)
			}
			var got, want any
			if err := json.Unmarshal(data[tc.field], &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(f.doc(tc.want)), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("data.%s = %s, want %s", tc.field, data[tc.field], f.doc(tc.want))
			}
		})
	}
	t.Run("CutBeforeTheWrite", func(t *testing.T) {
		f := newPairFixture(t, e, 1100)
		r, data := send(t, "BEGIN", f.doc(`mutation { reimburseEvents(ids: ["{CE1}"]) { id } }`))
		testsupport.RequireOne(t, r.Errors, "INTERNAL_SERVER_ERROR", "")
		if string(data["reimburseEvents"]) != "null" {
			t.Fatalf("data %s, want reimburseEvents null", r.Body)
		}
		readBack(t, e, `event(id: "%s") { status }`, testsupport.ID(f.CE1), `{"event":{"status":"PENDING"}}`)
	})
}

// TestMutationTimeoutBeforeWrite: a write the request deadline cuts is
// rolled back and its error says it was the time limit, although the
// mutation's object would be read back without the deadline.
func TestMutationTimeoutBeforeWrite(t *testing.T) {
	// The payout's UPDATE of its events stalls until the deadline; only
	// statements run with a deadline stall, so the fixture's do not.
	var cut atomic.Int32
	e := newEnvHTTP(t, graph.Options{}, httpapi.Options{RequestTimeout: 100 * time.Millisecond},
		func(o *store.Options) { o.Hooks = append(o.Hooks, stallHook{"UPDATE", &cut}) })
	ids := e.Register(t, testsupport.Event(e.EventType(t, "XRAY", "1.00"), e.Caregiver(t, "Anna"), testsupport.UTC(2024, 6, 1, 9, 0)))
	r := e.Raw(t, testsupport.GQLBody(t, fmt.Sprintf(`mutation { reimburseEvents(ids: ["%d"]) { id } }`, ids[0]), nil), e.Authed())
	testsupport.RequireOne(t, r.Errors, "INTERNAL_SERVER_ERROR", "")
	if err := r.Errors[0]; !strings.HasPrefix(err.Message, "the request exceeded the server's time limit of 100ms;") {
		t.Fatalf("error %+v, want the time limit's message", err)
	}
	readBack(t, e, `event(id: "%s") { status }`, testsupport.ID(ids[0]), `{"event":{"status":"PENDING"}}`)
	if n := cut.Load(); n != 1 {
		t.Fatalf("the deadline cut %d statements, want 1", n)
	}
}
