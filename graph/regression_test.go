package graph_test

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
)

// Regression tests for bugs found in review; each comment names the bug the
// test would catch again.

// TestBugMalformedBodyIsInternal: a request body that is not a JSON object
// (malformed JSON, an empty body, a batch array, variables that are not an
// object) is the client's fault, but gqlgen's POST transport reports it
// through the error presenter (graph/errors.go) as an uncoded error, which
// the presenter turns into INTERNAL_SERVER_ERROR ("internal error; quote
// request id ...") and logs at ERROR level with the whole request body.
func TestBugMalformedBodyIsInternal(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{`{"query": `, ``, `[{"query":"{ eventTypes { id } }"}]`, `{"query":"{ eventTypes { id } }","variables":"x"}`} {
		r := e.raw(t, body, e.authed())
		if r.Status != http.StatusBadRequest || len(r.Errors) != 1 {
			t.Fatalf("%q: status %d, errors %+v; want 400 with one error", body, r.Status, r.Errors)
		}
		if code := r.Errors[0].Extensions.Code; code == "" || code == "INTERNAL_SERVER_ERROR" {
			t.Errorf("%q: code %q, want a client error code", body, code)
		}
	}
	if strings.Contains(e.log.String(), "internal error") {
		t.Errorf("client mistakes logged as internal errors:\n%s", e.log)
	}
}

// TestBugTransportErrorsUncoded: errors written by gqlgen's transports
// themselves bypass the presenter and carry no extensions.code, though the
// contract gives every client-caused error one: a mutation over GET (406,
// "GET requests only allow query operations") and an unsupported content
// type (400, "transport not supported").
func TestBugTransportErrorsUncoded(t *testing.T) {
	e := newEnv(t)
	get := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`mutation { createCaregiver(input: {name: "x"}) { id } }`), nil)
	text := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(pingQ))
	text.Header.Set("Content-Type", "text/plain")
	for _, req := range []*http.Request{get, text} {
		req.Header.Set("Authorization", "Bearer "+e.secret)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if w.Code < 400 || !strings.Contains(w.Body.String(), `"code":`) {
			t.Errorf("%s %s: %d %s; want a client error with extensions.code", req.Method, req.Header.Get("Content-Type"), w.Code, w.Body)
		}
	}
	if n := len(e.caregiverNames(t)); n != 0 {
		t.Fatalf("the mutation over GET created %d caregivers", n)
	}
}

// TestBugMoneyOverflow: model.ParseDecimal accepts up to 15 integer digits
// (99,999,999,999,999,999 minor units) on the claim that sums of many such
// amounts stay far from int64 overflow, but 93 events at the largest price
// pass 2^63. store.ReimburseEvents then sums them in Go without a check and
// records and returns a negative total ("-91467440737095517.09"), and the
// report fails with INTERNAL_SERVER_ERROR (SQLite "integer overflow" in
// SUM). Every outcome must be exact or a coded client error.
func TestBugMoneyOverflow(t *testing.T) {
	e := newEnv(t)
	const price = "999999999999999.99"
	var et struct{ CreateEventType struct{ ID string } }
	r := e.post(t, `mutation($p: Decimal!) { createEventType(input: {code: "HUGE", name: "Huge", price: $p}) { id } }`, client.Var("p", price))
	if len(r.Errors) > 0 {
		requireOne(t, r.Errors, "BAD_USER_INPUT", "input.price") // a lower price cap is a fix too
		return
	}
	if err := json.Unmarshal(r.Data, &et); err != nil {
		t.Fatal(err)
	}
	cg := e.caregiver(t, "Ann")
	ins := make([]any, 93)
	for i := range ins {
		at := utc(2024, 3, 1, 0, 0).Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
		ins[i] = map[string]any{"eventTypeId": et.CreateEventType.ID, "caregiverId": id(cg), "occurredAt": at}
	}
	r = e.post(t, `mutation($ins: [RegisterEventInput!]!) { registerEvents(inputs: $ins) { id } }`, client.Var("ins", ins))
	if len(r.Errors) > 0 {
		requireClientError(t, r.Errors)
		return
	}
	var reg struct{ RegisterEvents []struct{ ID string } }
	if err := json.Unmarshal(r.Data, &reg); err != nil {
		t.Fatal(err)
	}
	one, _ := new(big.Rat).SetString(price)
	want := new(big.Rat).Mul(one, big.NewRat(int64(len(ins)), 1)).FloatString(2)

	if r := e.post(t, `{ report { totals { amount { amount } } } }`); len(r.Errors) > 0 {
		requireClientError(t, r.Errors)
	} else if !strings.Contains(string(r.Data), `"`+want+`"`) {
		t.Errorf("report = %s, want total %s", r.Data, want)
	}
	ids := make([]string, len(reg.RegisterEvents))
	for i, ev := range reg.RegisterEvents {
		ids[i] = ev.ID
	}
	r = e.post(t, `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { total { amount } } }`, client.Var("ids", ids))
	if len(r.Errors) > 0 {
		requireClientError(t, r.Errors)
	} else if !strings.Contains(string(r.Data), `"`+want+`"`) {
		t.Errorf("reimburseEvents = %s, want total %s", r.Data, want)
	}
}

// requireClientError asserts that errs are coded client errors.
func requireClientError(t *testing.T, errs []gqlError) {
	t.Helper()
	for _, err := range errs {
		if err.Extensions.Code == "" || err.Extensions.Code == "INTERNAL_SERVER_ERROR" {
			t.Errorf("error %+v, want a client error code", err)
		}
	}
}

// TestBugSubMicrosecondBoundsFloored: the store rounds period bounds and
// effectiveFrom up to the stored microsecond (model.CeilTime), so that a
// bound of 00:00:00.0000001 excludes an event at 00:00:00. But the DateTime
// scalar (graph/scalar UnmarshalDateTime -> model.ParseDateTime) truncates
// every input to the microsecond first, so over GraphQL such bounds are
// floored: events(filter: {from}) and report(from) include the event at
// 00:00:00, to excludes it, and a price effective from 00:00:00.0000001
// already applies at 00:00:00.
func TestBugSubMicrosecondBoundsFloored(t *testing.T) {
	e := newEnv(t)
	typ, cg := e.eventType(t, "XRAY", "100.00"), e.caregiver(t, "Ann")
	ids := e.register(t, ev(typ, cg, utc(2024, 2, 1, 0, 0)), ev(typ, cg, utc(2024, 3, 1, 0, 0)))
	const from, to = "2024-02-01T00:00:00.0000001Z", "2024-03-01T00:00:00.0000001Z"

	var page eventsPage
	e.mustQuery(t, eventsQ, &page, client.Var("f", map[string]any{"from": from, "to": to}))
	if edges := page.Events.Edges; len(edges) != 1 || edges[0].Node.ID != id(ids[1]) {
		t.Errorf("events in [%s, %s) = %+v, want only event %d (at 2024-03-01T00:00:00Z)", from, to, edges, ids[1])
	}
	var rep struct {
		Report struct{ Totals struct{ EventCount int } }
	}
	e.mustQuery(t, `query($from: DateTime) { report(from: $from) { totals { eventCount } } }`, &rep, client.Var("from", from))
	if n := rep.Report.Totals.EventCount; n != 1 {
		t.Errorf("report from %s counts %d events, want 1", from, n)
	}
	var et struct {
		SetEventTypePrice struct{ At *struct{ Amount string } }
	}
	e.mustQuery(t, `mutation($id: ID!) { setEventTypePrice(input: {eventTypeId: $id, price: "200.00", effectiveFrom: "2024-04-01T00:00:00.0000001Z"}) {
		at: priceAt(at: "2024-04-01T00:00:00Z") { amount } } }`, &et, client.Var("id", id(typ)))
	if p := et.SetEventTypePrice.At; p == nil || p.Amount != "100.00" {
		t.Errorf("price at 2024-04-01T00:00:00Z = %v, want 100.00 (the new price starts a tenth of a microsecond later)", p)
	}
}
