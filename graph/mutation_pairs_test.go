package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
)

// pairFixture holds one pair's own rows. The ok call acts on caregiver C,
// type T and C's PENDING events CE1 and CE2; the failing call on caregiver
// D (externalRef Ref), type U (a price effective from 2024-01-01) and D's
// events: DE PENDING, DK PENDING with idempotency key Key, DV VOIDED. So
// neither call's outcome depends on the other or on another pair.
type pairFixture struct {
	n                      int
	C, D, T, U             int64
	CE1, CE2, DE, DK, DV   int64
	Ref, UCode, Key, TCode string
}

func newPairFixture(t testing.TB, e *env, n int) *pairFixture {
	t.Helper()
	ctx := context.Background()
	f := &pairFixture{n: n, Ref: fmt.Sprintf("PAIR-%d-D", n), UCode: fmt.Sprintf("PAIR_%d_U", n),
		TCode: fmt.Sprintf("PAIR_%d_T", n), Key: fmt.Sprintf("pair-%d-d", n)}
	f.C = e.Caregiver(t, fmt.Sprintf("Pair %d C", n))
	d, err := e.S.CreateCaregiver(ctx, model.NewCaregiver{Name: fmt.Sprintf("Pair %d D", n), ExternalRef: &f.Ref})
	if err != nil {
		t.Fatal(err)
	}
	f.D = d.ID
	f.T = e.EventType(t, f.TCode, "100.00")
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	u, err := e.S.CreateEventType(ctx, model.NewEventType{Code: f.UCode, Name: "U", Price: 10000, EffectiveFrom: &from})
	if err != nil {
		t.Fatal(err)
	}
	f.U = u.ID
	keyed := testsupport.Event(f.T, f.D, testsupport.UTC(2024, 6, 4, 9, 0))
	keyed.IdempotencyKey = &f.Key
	ids := e.Register(t, testsupport.Event(f.T, f.C, testsupport.UTC(2024, 6, 1, 9, 0)), testsupport.Event(f.T, f.C, testsupport.UTC(2024, 6, 2, 9, 0)),
		testsupport.Event(f.T, f.D, testsupport.UTC(2024, 6, 3, 9, 0)), keyed, testsupport.Event(f.T, f.D, testsupport.UTC(2024, 6, 5, 9, 0)))
	f.CE1, f.CE2, f.DE, f.DK, f.DV = ids[0], ids[1], ids[2], ids[3], ids[4]
	p, err := e.S.Authenticate(ctx, e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.VoidEvent(ctx, *p, f.DV, "fixture"); err != nil {
		t.Fatal(err)
	}
	return f
}

// doc fills the fixture's ids into a call: {C} {D} {T} {U} {CE1} {CE2}
// {DE} {DK} {DV} {Ref} {UCode} {Key} {n}.
func (f *pairFixture) doc(s string) string {
	return strings.NewReplacer("{C}", testsupport.ID(f.C), "{D}", testsupport.ID(f.D), "{T}", testsupport.ID(f.T), "{U}", testsupport.ID(f.U),
		"{CE1}", testsupport.ID(f.CE1), "{CE2}", testsupport.ID(f.CE2), "{DE}", testsupport.ID(f.DE), "{DK}", testsupport.ID(f.DK), "{DV}", testsupport.ID(f.DV),
		"{Ref}", f.Ref, "{UCode}", f.UCode, "{Key}", f.Key, "{n}", fmt.Sprint(f.n)).Replace(s)
}

// counts are the totals a mutation can move, read straight from the
// database: "caregivers", "eventTypes", "prices", "reimbursements",
// "payoutTotal", and per status "events.PENDING" and "amount.PENDING".
type counts map[string]int64

// delta builds counts from key/value pairs.
func delta(kv ...any) counts {
	c := counts{}
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = int64(kv[i+1].(int))
	}
	return c
}

// moved is what moving n events of 100.00 from one status to another
// changes, plus extra.
func moved(n int, from, to model.EventStatus, extra ...any) counts {
	c := delta(extra...)
	c["events."+string(from)] -= int64(n)
	c["amount."+string(from)] -= int64(n) * 10000
	c["events."+string(to)] += int64(n)
	c["amount."+string(to)] += int64(n) * 10000
	return c
}

// snapshot reads the counts, and checks that both rollup tables agree with
// the events they summarize, so that a write that moved a rollup without
// its events (or the reverse) shows too.
func snapshot(t testing.TB, e *env) counts {
	t.Helper()
	db, _ := e.S.DBs()
	c := counts{}
	scan := func(q string, dest ...any) {
		t.Helper()
		if err := db.QueryRow(q).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var n [5]int64
	scan(`SELECT (SELECT COUNT(*) FROM caregivers), (SELECT COUNT(*) FROM event_types),
		(SELECT COUNT(*) FROM event_type_prices), (SELECT COUNT(*) FROM reimbursements),
		(SELECT COALESCE(SUM(total), 0) FROM reimbursements)`, &n[0], &n[1], &n[2], &n[3], &n[4])
	c["caregivers"], c["eventTypes"], c["prices"], c["reimbursements"], c["payoutTotal"] = n[0], n[1], n[2], n[3], n[4]
	byStatus := func(table, count string) map[string][2]int64 {
		t.Helper()
		rows, err := db.Query(`SELECT status, SUM(` + count + `), SUM(amount) FROM ` + table + ` GROUP BY status`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][2]int64{}
		for rows.Next() {
			var s string
			var v [2]int64
			if err := rows.Scan(&s, &v[0], &v[1]); err != nil {
				t.Fatal(err)
			}
			out[s] = v
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	events := byStatus("events", "1")
	for s, v := range events {
		c["events."+s], c["amount."+s] = v[0], v[1]
	}
	delete(events, string(model.StatusVoided)) // voided events count nowhere
	for _, table := range []string{"month_rollups", "month_caregiver_rollups"} {
		if got := byStatus(table, "event_count"); !maps.Equal(got, events) {
			t.Fatalf("%s by status %v, events by status %v", table, got, events)
		}
	}
	return c
}

// plus returns c with d added.
func (c counts) plus(d counts) counts {
	out := maps.Clone(c)
	for k, v := range d {
		out[k] += v
	}
	return out
}

// mutationCase is one valid and one failing call of a mutation field.
type mutationCase struct {
	// ok succeeds on the C side of a pairFixture; its selection has id.
	ok string
	// delta is what ok changes.
	delta counts
	// check reads ok's committed object (data.<alias>) back through queries.
	check func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage)
	// bad fails on the D side with exactly one error of code on field.
	bad, code, field string
}

// mutationCases has a case for every Mutation field; a field missing here
// fails TestMutationPairsKeepCommittedResults.
var mutationCases = map[string]mutationCase{
	"createCaregiver": {
		ok:    `createCaregiver(input: {name: "New {n}"}) { id name }`,
		delta: delta("caregivers", 1),
		check: func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage) {
			readBack(t, e, `caregiver(id: "%s") { name }`, objID(t, obj), f.doc(`{"caregiver":{"name":"New {n}"}}`))
		},
		bad: `createCaregiver(input: {name: "Dup", externalRef: "{Ref}"}) { id }`, code: "CONFLICT", field: "input.externalRef",
	},
	"createEventType": {
		ok:    `createEventType(input: {code: "NEW_{n}", name: "New", price: "20.00"}) { id code }`,
		delta: delta("eventTypes", 1, "prices", 1),
		check: func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage) {
			readBack(t, e, `eventType(id: "%s") { code price { amount } }`, objID(t, obj),
				f.doc(`{"eventType":{"code":"NEW_{n}","price":{"amount":"20.00"}}}`))
		},
		bad: `createEventType(input: {code: "{UCode}", name: "Dup", price: "1.00"}) { id }`, code: "CONFLICT", field: "input.code",
	},
	"setEventTypePrice": {
		ok:    `setEventTypePrice(input: {eventTypeId: "{T}", price: "120.00", effectiveFrom: "2024-07-01T00:00:00Z"}) { id }`,
		delta: delta("prices", 1),
		check: func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage) {
			readBack(t, e, `eventType(id: "%s") { prices { price { amount } effectiveFrom } }`, objID(t, obj),
				`{"eventType":{"prices":[{"price":{"amount":"100.00"},"effectiveFrom":null},{"price":{"amount":"120.00"},"effectiveFrom":"2024-07-01T00:00:00Z"}]}}`)
		},
		bad:  `setEventTypePrice(input: {eventTypeId: "{U}", price: "5.00", effectiveFrom: "2024-01-01T00:00:00Z"}) { id }`,
		code: "CONFLICT", field: "input.effectiveFrom",
	},
	"registerEvent": {
		ok:    `registerEvent(input: {eventTypeId: "{T}", caregiverId: "{C}", occurredAt: "2024-06-10T09:00:00Z"}) { id }`,
		delta: delta("events.PENDING", 1, "amount.PENDING", 10000),
		check: func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage) {
			readBack(t, e, `event(id: "%s") { status caregiver { id } amount { amount } }`, objID(t, obj),
				f.doc(`{"event":{"status":"PENDING","caregiver":{"id":"{C}"},"amount":{"amount":"100.00"}}}`))
		},
		bad:  `registerEvent(input: {eventTypeId: "{T}", caregiverId: "{D}", occurredAt: "2024-06-11T09:00:00Z", idempotencyKey: "{Key}"}) { id }`,
		code: "CONFLICT", field: "input.idempotencyKey",
	},
	"registerEvents": {
		ok: `registerEvents(inputs: [{eventTypeId: "{T}", caregiverId: "{C}", occurredAt: "2024-06-10T09:00:00Z"},
			{eventTypeId: "{T}", caregiverId: "{C}", occurredAt: "2024-06-11T09:00:00Z"}]) { id }`,
		delta: delta("events.PENDING", 2, "amount.PENDING", 20000),
		check: func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage) {
			var list []struct{ ID string }
			if err := json.Unmarshal(obj, &list); err != nil || len(list) != 2 {
				t.Fatalf("registerEvents = %s, want 2 events (%v)", obj, err)
			}
			for i, ev := range list {
				readBack(t, e, `event(id: "%s") { status occurredAt }`, ev.ID,
					fmt.Sprintf(`{"event":{"status":"PENDING","occurredAt":"2024-06-1%dT09:00:00Z"}}`, i))
			}
		},
		// The first input is valid: the batch must not write it either.
		bad: `registerEvents(inputs: [{eventTypeId: "{T}", caregiverId: "{D}", occurredAt: "2024-06-10T09:00:00Z"},
			{eventTypeId: "{T}", caregiverId: "{D}", occurredAt: "2024-06-11T09:00:00Z", idempotencyKey: "{Key}"}]) { id }`,
		code: "CONFLICT", field: "inputs[1].idempotencyKey",
	},
	"reimburseEvents": {
		ok:    `reimburseEvents(ids: ["{CE1}"]) { id }`,
		delta: moved(1, model.StatusPending, model.StatusReimbursed, "reimbursements", 1, "payoutTotal", 10000),
		check: func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage) {
			readBack(t, e, `reimbursement(id: "%s") { eventCount total { amount } }`, objID(t, obj),
				`{"reimbursement":{"eventCount":1,"total":{"amount":"100.00"}}}`)
			readBack(t, e, `event(id: "%s") { status reimbursement { id } }`, testsupport.ID(f.CE1),
				fmt.Sprintf(`{"event":{"status":"REIMBURSED","reimbursement":{"id":"%s"}}}`, objID(t, obj)))
		},
		// DE is PENDING and would be reimbursed but for DV.
		bad: `reimburseEvents(ids: ["{DE}", "{DV}"]) { id }`, code: "CONFLICT", field: "ids[1]",
	},
	"reimbursePending": {
		ok:    `reimbursePending(caregiverIds: ["{C}"], through: "2024-06") { id }`,
		delta: moved(2, model.StatusPending, model.StatusReimbursed, "reimbursements", 1, "payoutTotal", 20000),
		check: func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage) {
			readBack(t, e, `reimbursement(id: "%s") { eventCount total { amount } }`, objID(t, obj),
				`{"reimbursement":{"eventCount":2,"total":{"amount":"200.00"}}}`)
		},
		// The store inserts the payout before it finds nothing to pay.
		bad: `reimbursePending(caregiverIds: ["{D}"], through: "2024-05") { id }`, code: "BAD_USER_INPUT", field: "through",
	},
	"voidEvent": {
		ok:    `voidEvent(id: "{CE2}", reason: "registered twice") { id }`,
		delta: moved(1, model.StatusPending, model.StatusVoided),
		check: func(t *testing.T, e *env, f *pairFixture, obj json.RawMessage) {
			readBack(t, e, `event(id: "%s") { status voidReason }`, objID(t, obj),
				`{"event":{"status":"VOIDED","voidReason":"registered twice"}}`)
		},
		bad: `voidEvent(id: "{DV}", reason: "again") { id }`, code: "CONFLICT", field: "id",
	},
}

// objID returns the id of a mutation's object.
func objID(t testing.TB, obj json.RawMessage) string {
	t.Helper()
	var o struct{ ID string }
	if err := json.Unmarshal(obj, &o); err != nil || o.ID == "" {
		t.Fatalf("object %s has no id (%v)", obj, err)
	}
	return o.ID
}

// readBack runs the query { <field with %s as the id> } and requires data want.
func readBack(t testing.TB, e *env, field, objectID, want string) {
	t.Helper()
	requireData(t, e.Post(t, "{ "+fmt.Sprintf(field, objectID)+" }"), want)
}

// TestMutationPairsKeepCommittedResults runs, for every ordered pair of
// Mutation fields (the same field twice included), an operation with one
// call that succeeds and one that fails, in both orders: the committed
// call's object must be in the response and readable afterwards, the
// failing call must be null with exactly its own error and must have
// changed nothing. The fields come from the executable schema, so a new
// mutation without a case fails here.
func TestMutationPairsKeepCommittedResults(t *testing.T) {
	var names []string
	for name, def := range rootFields(t) {
		field, ok := strings.CutPrefix(name, "Mutation.")
		if !ok {
			continue
		}
		if def.Type.NonNull {
			t.Errorf("%s is %s: a mutation field must be nullable, so that another field's failure cannot null it", name, def.Type)
		}
		if _, ok := mutationCases[field]; !ok {
			t.Errorf("no mutationCases entry for %s: add a valid and a failing call", name)
		}
		names = append(names, field)
	}
	for field := range mutationCases {
		if !slices.Contains(names, field) {
			t.Errorf("mutationCases has %s, which the schema does not have", field)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	slices.Sort(names)
	// One server for all pairs (each has rows of its own), without a rate
	// limit: the pairs send several hundred requests.
	e := newEnvHTTP(t, graph.Options{}, httpapi.Options{RateLimiter: httpapi.NewRateLimiter(0, 0)})
	n := 0
	for _, okField := range names {
		for _, badField := range names {
			for _, okFirst := range []bool{true, false} {
				n++
				order := "ok,bad"
				if !okFirst {
					order = "bad,ok"
				}
				t.Run(okField+"+"+badField+"/"+order, func(t *testing.T) {
					runPair(t, e, newPairFixture(t, e, n), mutationCases[okField], mutationCases[badField], okFirst)
				})
			}
		}
	}
}

// runPair sends one operation with ok's call (alias ok) and bad's call
// (alias bad) and checks the response and the database.
func runPair(t *testing.T, e *env, f *pairFixture, ok, bad mutationCase, okFirst bool) {
	calls := []string{"ok: " + f.doc(ok.ok), "bad: " + f.doc(bad.bad)}
	if !okFirst {
		slices.Reverse(calls)
	}
	doc := "mutation { " + strings.Join(calls, " ") + " }"
	before := snapshot(t, e)
	r := e.Raw(t, testsupport.GQLBody(t, doc, nil), e.Authed())
	if r.Status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.Status, r.Body)
	}
	var body struct {
		Data map[string]json.RawMessage
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Data == nil {
		t.Fatalf("data is null, so the committed call's result is lost: %s", r.Body)
	}
	if got, present := body.Data["bad"]; !present || string(got) != "null" {
		t.Fatalf("data.bad = %s (present %v), want null: %s", got, present, r.Body)
	}
	obj := body.Data["ok"]
	if len(obj) == 0 || string(obj) == "null" {
		t.Fatalf("data.ok is null: %s", r.Body)
	}
	testsupport.RequireOne(t, r.Errors, bad.code, bad.field)
	if p := r.Errors[0].Path; len(p) != 1 || p[0] != "bad" {
		t.Fatalf("error path %v, want [bad]", p)
	}
	if after, want := snapshot(t, e), before.plus(ok.delta); !maps.Equal(after, want) {
		t.Fatalf("counts after %v, want %v (before %v plus the ok call's %v): the failing call wrote something",
			after, want, before, ok.delta)
	}
	ok.check(t, e, f, obj)
}

// TestMutationCommittedBeforeNotFound is the reported case: a registration
// followed by voiding an unknown event. The new event's id is in the
// response, so a client need not retry (and register it twice).
func TestMutationCommittedBeforeNotFound(t *testing.T) {
	e := newEnv(t)
	c, typ := e.Caregiver(t, "Ann"), e.EventType(t, "XRAY", "100.00")
	r := e.Post(t, fmt.Sprintf(`mutation {
		a: registerEvent(input: {eventTypeId: "%d", caregiverId: "%d", occurredAt: "2024-06-10T09:00:00Z"}) { id }
		b: voidEvent(id: "999999", reason: "x") { id } }`, typ, c))
	testsupport.RequireOne(t, r.Errors, "NOT_FOUND", "id")
	var data struct {
		A *struct{ ID string }
		B *struct{ ID string }
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.A == nil || data.B != nil {
		t.Fatalf("data = %s, want a with the new event and b null", r.Data)
	}
	readBack(t, e, `event(id: "%s") { status }`, data.A.ID, `{"event":{"status":"PENDING"}}`)
	if n := e.CountEvents(t); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}
