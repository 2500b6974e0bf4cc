package graph_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
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
		r := e.Raw(t, body, e.Authed())
		if r.Status != http.StatusBadRequest || len(r.Errors) != 1 {
			t.Fatalf("%q: status %d, errors %+v; want 400 with one error", body, r.Status, r.Errors)
		}
		if code := r.Errors[0].Extensions.Code; code == "" || code == "INTERNAL_SERVER_ERROR" {
			t.Errorf("%q: code %q, want a client error code", body, code)
		}
	}
	if strings.Contains(e.Log.String(), "internal error") {
		t.Errorf("client mistakes logged as internal errors:\n%s", e.Log)
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
		req.Header.Set("Authorization", "Bearer "+e.Secret)
		w := httptest.NewRecorder()
		e.H.ServeHTTP(w, req)
		if w.Code < 400 || !strings.Contains(w.Body.String(), `"code":`) {
			t.Errorf("%s %s: %d %s; want a client error with extensions.code", req.Method, req.Header.Get("Content-Type"), w.Code, w.Body)
		}
	}
	if n := len(e.CaregiverNames(t)); n != 0 {
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
//
// The price cap (model.MaxPrice) now refuses that price, and the test used
// to stop there, so nothing after it ran. Amounts past the cap still reach
// the store (bulk loads carry their own, and databases priced before the
// cap may hold higher prices), so one is loaded through the store's bulk
// path: Ann's March 2024 holds MaxMoney - MaxPrice/2, Bo's one event at
// the cap. Every sum that passes int64 must then be BAD_USER_INPUT and
// change nothing, every other one exact.
func TestBugMoneyOverflow(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.MustFail(t, "BAD_USER_INPUT", "input.price", `mutation { createEventType(input: {code: "HUGE", name: "Huge", price: "999999999999999.99"}) { id } }`)
	typ := e.EventType(t, "MAX", model.MaxPrice.Decimal())
	ann, bo := e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo")
	p, err := e.S.Authenticate(ctx, e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.S.NewBulkLoader(ctx, *p, store.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const annSum = model.MaxMoney - model.MaxPrice/2
	if err := l.Load(ctx, []store.BulkEvent{{EventTypeID: typ, CaregiverID: ann, OccurredAt: testsupport.UTC(2024, 3, 1, 8, 0), Amount: annSum}}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	loaded, _, err := e.S.FindEvents(ctx, model.EventFilter{CaregiverIDs: []int64{ann}}, model.PageArgs{First: 1})
	if err != nil || len(loaded) != 1 {
		t.Fatalf("the loaded event: %v, %v", loaded, err)
	}
	annEv := loaded[0].ID
	boEv := e.Register(t, testsupport.Event(typ, bo, testsupport.UTC(2024, 3, 2, 8, 0)))[0]

	// One more event at the cap for Ann passes int64 in her March.
	at := client.Var("at", "2024-03-20T08:00:00Z")
	in := fmt.Sprintf(`{eventTypeId: "%d", caregiverId: "%d", occurredAt: $at}`, typ, ann)
	e.MustFail(t, "BAD_USER_INPUT", "input", `mutation($at: DateTime!) { registerEvent(input: `+in+`) { id } }`, at)
	e.MustFail(t, "BAD_USER_INPUT", "inputs", `mutation($at: DateTime!) { registerEvents(inputs: [`+in+`]) { id } }`, at)
	if n := e.CountEvents(t); n != 2 {
		t.Fatalf("%d events after the refused registrations, want 2", n)
	}

	// The two caregivers' sums pass int64 together; each fits alone.
	const total = `{ report { totals { amount { amount } } } }`
	e.MustFail(t, "BAD_USER_INPUT", "", total)
	e.MustFail(t, "BAD_USER_INPUT", "", `{ report { months { totals { pending { amount } } } } }`)
	req := httptest.NewRequest(http.MethodGet, "/reports/monthly.csv", nil)
	req.Header.Set("Authorization", "Bearer "+e.Secret)
	if r := testsupport.ServeRaw(t, testsupport.CSVHandler(e.S, slog.New(slog.NewTextHandler(e.Log, nil)), httpapi.Options{}), req); r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
		t.Errorf("CSV export: %d %+v, want 400 BAD_USER_INPUT", r.Status, r.Errors)
	}
	r := e.Post(t, fmt.Sprintf(`{ report(caregiverIds: ["%d"]) { totals { amount { amount } } } }`, ann))
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"`+annSum.Decimal()+`"`) {
		t.Errorf("Ann's report = %s %+v, want total %s", r.Data, r.Errors, annSum.Decimal())
	}
	reimburse := `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { total { amount } } }`
	e.MustFail(t, "BAD_USER_INPUT", "ids", reimburse, client.Var("ids", []string{testsupport.ID(annEv), testsupport.ID(boEv)}))
	e.MustFail(t, "BAD_USER_INPUT", "", `mutation { reimbursePending(through: "2024-03") { id } }`)
	r = e.Post(t, reimburse, client.Var("ids", []string{testsupport.ID(annEv)}))
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"`+annSum.Decimal()+`"`) {
		t.Errorf("reimburseEvents(Ann's) = %s %+v, want total %s", r.Data, r.Errors, annSum.Decimal())
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
	typ, cg := e.EventType(t, "XRAY", "100.00"), e.Caregiver(t, "Ann")
	ids := e.Register(t, testsupport.Event(typ, cg, testsupport.UTC(2024, 2, 1, 0, 0)), testsupport.Event(typ, cg, testsupport.UTC(2024, 3, 1, 0, 0)))
	const from, to = "2024-02-01T00:00:00.0000001Z", "2024-03-01T00:00:00.0000001Z"

	var page eventsPage
	e.MustQuery(t, eventsQ, &page, client.Var("f", map[string]any{"from": from, "to": to}))
	if edges := page.Events.Edges; len(edges) != 1 || edges[0].Node.ID != testsupport.ID(ids[1]) {
		t.Errorf("events in [%s, %s) = %+v, want only event %d (at 2024-03-01T00:00:00Z)", from, to, edges, ids[1])
	}
	var rep struct {
		Report struct{ Totals struct{ EventCount int } }
	}
	e.MustQuery(t, `query($from: DateTime) { report(from: $from) { totals { eventCount } } }`, &rep, client.Var("from", from))
	if n := rep.Report.Totals.EventCount; n != 1 {
		t.Errorf("report from %s counts %d events, want 1", from, n)
	}
	var et struct {
		SetEventTypePrice struct{ At *struct{ Amount string } }
	}
	e.MustQuery(t, `mutation($id: ID!) { setEventTypePrice(input: {eventTypeId: $id, price: "200.00", effectiveFrom: "2024-04-01T00:00:00.0000001Z"}) {
		at: priceAt(at: "2024-04-01T00:00:00Z") { amount } } }`, &et, client.Var("id", testsupport.ID(typ)))
	if p := et.SetEventTypePrice.At; p == nil || p.Amount != "100.00" {
		t.Errorf("price at 2024-04-01T00:00:00Z = %v, want 100.00 (the new price starts a tenth of a microsecond later)", p)
	}
}
