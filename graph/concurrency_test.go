package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
)

// loadFor bounds the concurrency tests: they run this long, and each
// client stops after maxOps operations even if time remains.
const (
	loadFor = 3 * time.Second
	maxOps  = 400
)

// httpClient posts GraphQL operations over real HTTP with a token, and
// reports every error instead of failing the test, so that it can run on
// any goroutine.
type httpClient struct {
	url, token string
	hc         *http.Client
}

func newHTTPClient(t testing.TB, e *env) *httpClient {
	srv := httptest.NewServer(e.H)
	t.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &httpClient{url: srv.URL + "/graphql", token: e.Secret, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// do runs one operation and decodes its data into out; any transport
// error, non-200 status or GraphQL error is returned.
func (c *httpClient) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var payload struct {
		Data   json.RawMessage        `json:"data"`
		Errors []testsupport.GQLError `json:"errors"`
	}
	if err := json.NewDecoder(res.Body).Decode(&payload); err != nil {
		return fmt.Errorf("status %d: %w", res.StatusCode, err)
	}
	if res.StatusCode != http.StatusOK || len(payload.Errors) > 0 {
		return &responseError{status: res.StatusCode, errs: payload.Errors}
	}
	return json.Unmarshal(payload.Data, out)
}

// responseError is a response with GraphQL errors or a non-200 status.
type responseError struct {
	status int
	errs   []testsupport.GQLError
}

func (e *responseError) Error() string { return fmt.Sprintf("status %d: %+v", e.status, e.errs) }

// is reports whether err is exactly one GraphQL error with code and field.
func is(err error, code, field string) bool {
	var re *responseError
	return errors.As(err, &re) && re.status == http.StatusOK && len(re.errs) == 1 &&
		re.errs[0].Extensions.Code == code && re.errs[0].Extensions.Field == field
}

// errorLog collects the errors clients saw.
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errorLog) add(who string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, who+": "+err.Error())
}

// check fails the test if any client or the server log saw an error.
func (l *errorLog) check(t *testing.T, e *env) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.errs); n > 0 {
		t.Fatalf("%d errors reached clients, first: %s", n, strings.Join(l.errs[:min(n, 5)], "\n"))
	}
	for _, bad := range []string{"database is locked", "SQLITE_BUSY", "level=ERROR"} {
		if strings.Contains(e.Log.String(), bad) {
			t.Fatalf("server log has %q:\n%s", bad, e.Log.String())
		}
	}
}

const registerOp = `mutation($in: RegisterEventInput!) { registerEvent(input: $in) { id status } }`

// readReports runs report queries until ctx ends.
func readReports(ctx context.Context, c *httpClient, errs *errorLog, who string) {
	const q = `{ report { totals { eventCount amount { amount } } months { month caregivers { caregiver { id name } totals { eventCount pending { amount } reimbursed { amount } } byEventType { eventType { code } totals { eventCount } } } } } }`
	for n := 0; n < maxOps && ctx.Err() == nil; n++ {
		var out struct {
			Report struct{ Totals struct{ EventCount int } }
		}
		// Not cut off at the deadline either: a cancelled request is
		// logged by the server, and the log is checked too.
		if err := c.do(context.WithoutCancel(ctx), q, nil, &out); err != nil {
			errs.add(who, err)
		}
	}
}

// concurrencyEnv creates caregivers and types for the writers.
func concurrencyEnv(t *testing.T) (*env, []int64, []int64) {
	// One token drives every client here: no rate limit, as for a trusted
	// batch client.
	e := newEnvHTTP(t, graph.Options{}, httpapi.Options{RateLimiter: httpapi.NewRateLimiter(0, 0)})
	var cgs, types []int64
	for i := range 8 {
		cgs = append(cgs, e.Caregiver(t, fmt.Sprintf("CG %d", i)))
	}
	for i := range 4 {
		types = append(types, e.EventType(t, fmt.Sprintf("T%d", i), fmt.Sprintf("%d.50", 100+i)))
	}
	return e, cgs, types
}

// checkDatabase asserts that the database holds exactly the acknowledged
// events, each once, in the statuses the clients last saw, and that the
// rollups match the events.
func checkDatabase(t *testing.T, e *env, want map[int64]model.EventStatus) {
	t.Helper()
	got := map[int64]model.EventStatus{}
	p := model.PageArgs{First: model.MaxPageSize}
	for {
		evs, more, err := e.S.FindEvents(t.Context(), model.EventFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if _, dup := got[ev.ID]; dup {
				t.Fatalf("event %d listed twice", ev.ID)
			}
			got[ev.ID] = ev.Status
		}
		if !more {
			break
		}
		last := evs[len(evs)-1]
		p.After = &model.Cursor{Time: last.OccurredAt, ID: last.ID}
	}
	if len(got) != len(want) {
		t.Fatalf("%d events in the database, %d acknowledged", len(got), len(want))
	}
	for id, st := range want {
		if got[id] != st {
			t.Fatalf("event %d is %q in the database, acknowledged as %s", id, got[id], st)
		}
	}
	diffs, err := e.S.VerifyRollups(t.Context())
	if err != nil || len(diffs) > 0 {
		t.Fatalf("verify: %v, %v", diffs, err)
	}
	rep, err := e.S.Report(t.Context(), model.ReportQuery{})
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, st := range want {
		if st != model.StatusVoided {
			live++
		}
	}
	if int(rep.Totals.EventCount) != live {
		t.Fatalf("report counts %d events, %d are not voided", rep.Totals.EventCount, live)
	}
}

// TestConcurrentWriters runs 16 clients registering single events and 4
// reading reports over HTTP at once, for a bounded time: no error may
// reach a client (in particular no SQLITE_BUSY) but the ones its own bad
// inputs earn, every acknowledged event must be in the database exactly
// once, and the rollups must match.
func TestConcurrentWriters(t *testing.T) {
	e, cgs, types := concurrencyEnv(t)
	c := newHTTPClient(t, e)
	ctx, cancel := context.WithTimeout(t.Context(), loadFor)
	defer cancel()
	var errs errorLog
	var mu sync.Mutex
	acked := map[int64]model.EventStatus{}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for n := 0; n < maxOps && ctx.Err() == nil; n++ {
				in := map[string]any{
					"eventTypeId": testsupport.ID(types[(w+n)%len(types)]), "caregiverId": testsupport.ID(cgs[(w*3+n)%len(cgs)]),
					"occurredAt":     testsupport.Now.Add(-time.Duration(w*maxOps+n) * 17 * time.Minute).Format(time.RFC3339),
					"idempotencyKey": fmt.Sprintf("w%d-%d", w, n),
				}
				// Every fourth writer sends a bad event now and then: it
				// must fail alone, with its own code and field, and its
				// neighbours in the same commit must not notice.
				bad := w%4 == 3 && n%5 == 0
				if bad {
					in["eventTypeId"] = "999"
				}
				var out struct{ RegisterEvent struct{ ID string } }
				// The registration must not be cut off by the deadline:
				// an acknowledged event is what the test counts.
				err := c.do(context.WithoutCancel(ctx), registerOp, map[string]any{"in": in}, &out)
				switch {
				case bad && is(err, "BAD_USER_INPUT", "input.eventTypeId"):
					continue
				case bad:
					errs.add(fmt.Sprintf("writer %d", w), fmt.Errorf("bad event: got %v, want BAD_USER_INPUT on input.eventTypeId", err))
					return
				case err != nil:
					errs.add(fmt.Sprintf("writer %d", w), err)
					return
				}
				mu.Lock()
				var n64 int64
				fmt.Sscan(out.RegisterEvent.ID, &n64)
				if _, dup := acked[n64]; dup {
					errs.add(fmt.Sprintf("writer %d", w), fmt.Errorf("event %s acknowledged twice", out.RegisterEvent.ID))
				}
				acked[n64] = model.StatusPending
				mu.Unlock()
			}
		})
	}
	for r := range 4 {
		wg.Go(func() { readReports(ctx, c, &errs, fmt.Sprintf("reader %d", r)) })
	}
	wg.Wait()
	errs.check(t, e)
	if len(acked) < 16 {
		t.Fatalf("only %d registrations acknowledged", len(acked))
	}
	t.Logf("%d registrations acknowledged in %s", len(acked), loadFor)
	checkDatabase(t, e, acked)
}

// TestConcurrentWritersMixed is TestConcurrentWriters with reimbursements
// and voids mixed in: each writer voids or reimburses some of its own
// pending events, so no two clients contend for one event and every
// operation must succeed.
func TestConcurrentWritersMixed(t *testing.T) {
	e, cgs, types := concurrencyEnv(t)
	c := newHTTPClient(t, e)
	ctx, cancel := context.WithTimeout(t.Context(), loadFor)
	defer cancel()
	var errs errorLog
	var mu sync.Mutex
	acked := map[int64]model.EventStatus{}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			who := fmt.Sprintf("writer %d", w)
			wctx := context.WithoutCancel(ctx)
			var pending []string
			set := func(ids []string, st model.EventStatus) {
				mu.Lock()
				defer mu.Unlock()
				for _, s := range ids {
					var n int64
					fmt.Sscan(s, &n)
					acked[n] = st
				}
			}
			for n := 0; n < maxOps && ctx.Err() == nil; n++ {
				var err error
				switch {
				case n%5 == 4 && len(pending) > 0: // void the newest
					last := pending[len(pending)-1]
					var out struct{ VoidEvent struct{ Status string } }
					err = c.do(wctx, `mutation($id: ID!) { voidEvent(id: $id, reason: "entered twice") { status } }`, map[string]any{"id": last}, &out)
					if err == nil {
						pending = pending[:len(pending)-1]
						set([]string{last}, model.EventStatus(out.VoidEvent.Status))
					}
				case n%7 == 6 && len(pending) > 1: // pay out all but the newest
					ids := slices.Clone(pending[:len(pending)-1])
					var out struct{ ReimburseEvents struct{ EventCount int } }
					err = c.do(wctx, `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { eventCount } }`, map[string]any{"ids": ids}, &out)
					if err == nil {
						if out.ReimburseEvents.EventCount != len(ids) {
							err = fmt.Errorf("reimbursed %d events, sent %d", out.ReimburseEvents.EventCount, len(ids))
						}
						pending = pending[len(ids):]
						set(ids, model.StatusReimbursed)
					}
				default:
					in := map[string]any{
						"eventTypeId": testsupport.ID(types[(w+n)%len(types)]), "caregiverId": testsupport.ID(cgs[(w*5+n)%len(cgs)]),
						"occurredAt": testsupport.Now.Add(-time.Duration(w*maxOps+n) * 23 * time.Minute).Format(time.RFC3339),
					}
					var out struct{ RegisterEvent struct{ ID string } }
					err = c.do(wctx, registerOp, map[string]any{"in": in}, &out)
					if err == nil {
						pending = append(pending, out.RegisterEvent.ID)
						set([]string{out.RegisterEvent.ID}, model.StatusPending)
					}
				}
				if err != nil {
					errs.add(who, err)
					return
				}
			}
		})
	}
	for r := range 4 {
		wg.Go(func() { readReports(ctx, c, &errs, fmt.Sprintf("reader %d", r)) })
	}
	wg.Wait()
	errs.check(t, e)
	counts := map[model.EventStatus]int{}
	for _, st := range acked {
		counts[st]++
	}
	if counts[model.StatusVoided] == 0 || counts[model.StatusReimbursed] == 0 {
		t.Fatalf("statuses %v: the mix did not happen", counts)
	}
	t.Logf("events by status after %s: %v", loadFor, counts)
	checkDatabase(t, e, acked)
}
