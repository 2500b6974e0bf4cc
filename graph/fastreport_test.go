package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// twin is one store behind two handlers: e.h with the fast report path,
// slow with gqlgen's executor for everything.
type twin struct {
	*env
	slow http.Handler
}

func newTwin(t testing.TB, opts ...func(*store.Options)) *twin {
	t.Helper()
	// Hundreds of requests from one token: no rate limit on either side.
	unlimited := httpapi.Options{RateLimiter: httpapi.NewRateLimiter(0, 0)}
	e := newEnvHTTP(t, graph.Options{}, unlimited, opts...)
	slow := testsupport.Handler(graph.Options{Store: e.S, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DisableFastReport: true},
		httpapi.Options{RateLimiter: httpapi.NewRateLimiter(0, 0)})
	return &twin{env: e, slow: slow}
}

// send posts body to h as the admin with the given request id.
func (tw *twin) send(h http.Handler, reqID, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tw.Secret)
	req.Header.Set("X-Request-Id", reqID)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// fastOutcome returns the fast_report attribute of the request's log line:
// "served", "fallback" or "" (not tried).
func (tw *twin) fastOutcome(t testing.TB, reqID string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^.*msg=request request_id=` + regexp.QuoteMeta(reqID) + ` .*$`)
	line := re.FindString(tw.Log.String())
	if line == "" {
		t.Fatalf("no log line for request %s", reqID)
	}
	_, after, ok := strings.Cut(line, " fast_report=")
	if !ok {
		return ""
	}
	outcome, _, _ := strings.Cut(after, " ")
	return outcome
}

// compare runs body through both handlers and fails unless the responses
// are the same. Bodies must be byte-identical; only when both carry errors
// are the errors compared as a set, because gqlgen resolves fields
// concurrently and lists their errors in the order they happened. It
// returns the fast handler's outcome and whether the response has errors.
func (tw *twin) compare(t testing.TB, reqID, body string) (outcome string, hasErrors bool) {
	t.Helper()
	fast, slow := tw.send(tw.H, reqID, body), tw.send(tw.slow, reqID, body)
	fb, sb := fast.Body.Bytes(), slow.Body.Bytes()
	if fast.Code != slow.Code {
		t.Fatalf("status %d (fast) != %d (gqlgen)\nrequest: %s\nfast: %s\ngqlgen: %s", fast.Code, slow.Code, body, fb, sb)
	}
	type resp struct {
		Errors []json.RawMessage `json:"errors"`
		Data   json.RawMessage   `json:"data"`
	}
	var fr, sr resp
	if err := json.Unmarshal(fb, &fr); err != nil {
		t.Fatalf("fast body %q: %v", fb, err)
	}
	if err := json.Unmarshal(sb, &sr); err != nil {
		t.Fatalf("gqlgen body %q: %v", sb, err)
	}
	same := bytes.Equal(fb, sb)
	if !same && len(fr.Errors) > 0 && len(sr.Errors) > 0 {
		sortRaw := func(xs []json.RawMessage) {
			slices.SortFunc(xs, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
		}
		sortRaw(fr.Errors)
		sortRaw(sr.Errors)
		same = bytes.Equal(fr.Data, sr.Data) && slices.EqualFunc(fr.Errors, sr.Errors, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) })
	}
	if !same {
		t.Fatalf("responses differ\nrequest: %s\nfast:   %s\ngqlgen: %s", body, fb, sb)
	}
	return tw.fastOutcome(t, reqID), len(sr.Errors) > 0
}

// seedOdd fills a store with caregivers whose names need escaping, event
// types with price histories, and events over 18 months (edges of months
// in Stockholm included) and around each of edges, some reimbursed and
// some voided. It returns the caregiver ids as GraphQL IDs.
func seedOdd(t testing.TB, tw *twin, edges ...time.Time) []string {
	t.Helper()
	ctx := context.Background()
	ref := func(s string) *string { return &s }
	cgs := []model.NewCaregiver{
		{Name: `Anna "Q" Berg`, ExternalRef: ref("SE2321000016-1234")},
		{Name: `Back\slash \u0041 \\ \n`},
		{Name: "Ünïcødé 名前 😀 Ω", ExternalRef: ref(`HSA "7" \ ✓`)},
		{Name: `</script><script>alert('x')</script>`},
		{Name: "Tom & Jerry <b>bold</b> \u2028sep\u2029 zero\u200bwidth"},
		{Name: "Emoji 👩‍⚕️ family 👨‍👩‍👧", ExternalRef: ref("&<>")},
		{Name: "Bo"},
		{Name: "Nobody (no events)"},
	}
	var ids []int64
	for _, c := range cgs {
		got, err := tw.S.CreateCaregiver(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got.ID)
	}
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	mustType := func(code, name string, price model.Money, from *time.Time) int64 {
		et, err := tw.S.CreateEventType(ctx, model.NewEventType{Code: code, Name: name, Price: price, EffectiveFrom: from})
		if err != nil {
			t.Fatal(err)
		}
		return et.ID
	}
	setPrice := func(id int64, price model.Money, from string) {
		if _, err := tw.S.SetEventTypePrice(ctx, model.NewPrice{EventTypeID: id, Price: price, EffectiveFrom: *at(from)}); err != nil {
			t.Fatal(err)
		}
	}
	lab := mustType("LAB", "Lab \"panel\" \\ </script>", 9999, nil)
	setPrice(lab, 12000, "2023-07-01T00:00:00+02:00")
	setPrice(lab, 13050, "2024-01-01T00:00:00+01:00")
	xray := mustType("XRAY", "Röntgen ✓", 125050, nil)
	later := mustType("LATER_1", "Starts in 2023", 50001, at("2023-03-01T00:00:00Z"))
	setPrice(later, 60000, "2030-01-01T00:00:00Z") // scheduled, not yet in force
	types := []int64{lab, xray, later}

	rng := rand.New(rand.NewPCG(3, 5))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	var ins []model.NewEvent
	for i := 0; i < 600; i++ {
		occurred := start.Add(time.Duration(rng.Int64N(int64(530 * 24 * time.Hour))))
		if i%25 == 0 { // around midnight of a month's first day in Stockholm
			m := time.Date(2023, time.Month(1+i%17), 1, 0, 0, 0, 0, time.UTC)
			occurred = m.Add(time.Duration(rng.IntN(180)-90) * time.Minute)
		}
		typ := types[rng.IntN(len(types))]
		if typ == later && occurred.Before(time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)) {
			typ = xray
		}
		ins = append(ins, model.NewEvent{EventTypeID: typ, CaregiverID: ids[rng.IntN(len(ids)-1)], OccurredAt: occurred.Truncate(time.Microsecond)})
	}
	for i, e := range edges {
		for j, d := range []time.Duration{-90 * time.Minute, -40 * time.Minute, -time.Microsecond, 0, time.Microsecond, 20 * time.Minute, 61 * time.Minute} {
			ins = append(ins, model.NewEvent{EventTypeID: types[(i+j)%2], CaregiverID: ids[(i+j)%3], OccurredAt: e.Add(d)})
		}
	}
	evIDs := tw.Register(t, ins...)
	admin := model.Principal{TokenID: 1, Role: model.RoleAdmin}
	if _, err := tw.S.ReimbursePending(ctx, admin, ids[:3], model.NewYearMonth(2023, time.June)); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.S.ReimburseEvents(ctx, admin, []int64{evIDs[500], evIDs[501], evIDs[550]}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{7, 300, 301, 420, 599} {
		if _, err := tw.S.VoidEvent(ctx, admin, evIDs[i], "wrong"); err != nil && model.ErrorCode(err) != model.EConflict {
			t.Fatal(err)
		}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprint(id)
	}
	return out
}

func stockholm(t testing.TB) func(*store.Options) { return zone(t, "Europe/Stockholm") }

// zone sets the store's report time zone.
func zone(t testing.TB, name string) func(*store.Options) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return func(o *store.Options) { o.TimeZone = loc }
}

// as returns a twin whose requests carry a new token of role (bound to
// caregiver cg for CAREGIVER).
func (tw *twin) as(t testing.TB, role model.Role, cg int64) *twin {
	return &twin{env: tw.env.as(t, role, cg), slow: tw.slow}
}

// oddZones are the zones of the fast path's property test, with the
// instants near their month starts where local midnight on the 1st is
// skipped or repeated (time.Date's midnight, the month's first instant,
// the change of offset).
var oddZones = []struct {
	name  string
	edges []string
}{
	{"Europe/Stockholm", nil},
	// 1 October 2023: 00:00 -04 became 01:00 -03 at 04:00Z.
	{"America/Asuncion", []string{"2023-10-01T03:00:00Z", "2023-10-01T04:00:00Z"}},
	// 1 November 2009: 00:01 NDT became 23:01 NST at 02:31Z; midnight NST at 03:30Z.
	{"America/St_Johns", []string{"2009-10-01T02:30:00Z", "2009-11-01T02:30:00Z", "2009-11-01T02:31:00Z", "2009-11-01T03:30:00Z"}},
	// 1 April 2012: 00:00 CST became 01:00 CDT at 05:00Z; 1 November 2015:
	// 01:00 CDT became 00:00 CST at 05:00Z, midnight twice.
	{"America/Havana", []string{"2012-04-01T04:00:00Z", "2012-04-01T05:00:00Z", "2015-11-01T04:00:00Z", "2015-11-01T05:00:00Z"}},
}

// TestFastReportMatchesGqlgen is the fast path's property test: random
// report operations and variables give the same HTTP response through the
// fast path as through gqlgen's executor, on the same store, for every
// role (CAREGIVER bound to one caregiver) and in zones whose midnight on
// the 1st is skipped or repeated, with period bounds near those instants.
func TestFastReportMatchesGqlgen(t *testing.T) {
	n := 70
	if testing.Short() {
		n = 15
	}
	for zi, z := range oddZones {
		t.Run(z.name, func(t *testing.T) {
			tw := newTwin(t, zone(t, z.name))
			loc, _ := time.LoadLocation(z.name)
			var edges []time.Time
			var values []any
			for _, s := range z.edges {
				e, err := model.ParseDateTime(s)
				if err != nil {
					t.Fatal(err)
				}
				edges = append(edges, e)
				values = append(values, s, e.In(loc).Format(time.RFC3339Nano), model.FormatDateTime(e.Add(-30*time.Minute)),
					model.FormatDateTime(e.Add(time.Microsecond)))
			}
			cgIDs := seedOdd(t, tw, edges...)
			own, err := strconv.ParseInt(cgIDs[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			// A CAREGIVER mostly asks for itself; another's id is FORBIDDEN.
			mine := []string{cgIDs[1], cgIDs[1], cgIDs[1], cgIDs[0]}
			for ri, r := range []struct {
				role model.Role
				tw   *twin
				ids  []string
			}{
				{model.RoleAdmin, tw, cgIDs},
				{model.RoleAccountant, tw.as(t, model.RoleAccountant, 0), cgIDs},
				{model.RoleCaregiver, tw.as(t, model.RoleCaregiver, own), mine},
			} {
				gen := newReportGen(uint64(42+10*zi+ri), r.ids)
				gen.edges = values
				counts := map[string]int{}
				for i := range n {
					query, vars := gen.operation()
					body := testsupport.GQLBody(t, query, vars)
					outcome, hasErrors := r.tw.compare(t, fmt.Sprintf("%s-q%d", r.role, i), body)
					if outcome == "fallback" && !hasErrors {
						t.Fatalf("%s: the fast path handed a query that gqlgen answers without errors to gqlgen:\n%s", r.role, body)
					}
					counts[outcome]++
					if hasErrors {
						counts["errors"]++
					}
				}
				t.Logf("%s: %d operations: %d served by the fast path, %d handed to gqlgen, %d not report-only; %d with errors",
					r.role, n, counts["served"], counts["fallback"], counts[""], counts["errors"])
				if counts["served"] < n/2 {
					t.Fatalf("%s: outcomes %v: want most operations served", r.role, counts)
				}
			}
		})
	}
}

func TestFastReport(t *testing.T) {
	tw := newTwin(t, stockholm(t))
	cgIDs := seedOdd(t, tw)
	const full = `query($cg: [ID!], $at: DateTime!) { __typename report(caregiverIds: $cg) { __typename from to timeZone currency
		totals { ...T } months { month totals { ...T } caregivers { caregiver { id name externalRef createdAt }
		totals { ...T } byEventType { eventType { id code name price { amount currency } priceAt(at: $at) { amount }
		prices { price { amount } effectiveFrom } createdAt } totals { ...T } } } } }
		other: report(from: "2023-05-15T00:00:00+02:00", to: "2024-02-01T00:00:00Z") { months { caregivers { caregiver { name } } } } }
	fragment T on Totals { eventCount amount { amount currency } reimbursed { amount } pending { amount } }`
	n := 0
	run := func(t *testing.T, vars map[string]any, query string) (string, bool) {
		n++
		return tw.compare(t, fmt.Sprintf("t%d", n), testsupport.GQLBody(t, query, vars))
	}

	t.Run("OK served", func(t *testing.T) {
		tw.Queries.Reset()
		if outcome, errs := run(t, map[string]any{"at": "2023-02-01T00:00:00Z"}, full); outcome != "served" || errs {
			t.Fatalf("outcome %q, errors %v; want served without errors", outcome, errs)
		}
	})
	t.Run("OK one query per kind of referenced row", func(t *testing.T) {
		tw.Queries.Reset()
		tw.send(tw.H, "stmts", testsupport.GQLBody(t, full, map[string]any{"at": "2023-02-01T00:00:00Z"}))
		// token, two reports (BEGIN, rollups or events, COMMIT, twice over at
		// most three reads), one caregiver query, one type query and its prices.
		var cg, types int
		for _, s := range tw.Queries.Statements() {
			cg += strings.Count(s, `FROM "caregivers"`)
			types += strings.Count(s, `FROM "event_types"`)
		}
		if cg != 1 || types != 1 {
			t.Fatalf("%d caregiver and %d event type queries for two reports, want 1 and 1:\n%s", cg, types, strings.Join(tw.Queries.Statements(), "\n"))
		}
	})
	t.Run("ErrUnknownCaregiver through gqlgen", func(t *testing.T) {
		body := testsupport.GQLBody(t, full, map[string]any{"cg": []string{cgIDs[0], "999"}, "at": "2023-02-01T00:00:00Z"})
		outcome, _ := tw.compare(t, "unknown", body)
		var r struct{ Errors []testsupport.GQLError }
		if err := json.Unmarshal(tw.send(tw.H, "unknown2", body).Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		testsupport.RequireOne(t, r.Errors, "BAD_USER_INPUT", "caregiverIds")
		if outcome != "fallback" || !strings.Contains(r.Errors[0].Message, "999") {
			t.Fatalf("outcome %q, error %q; want fallback naming 999", outcome, r.Errors[0].Message)
		}
	})
	t.Run("ErrBadPriceAt through gqlgen", func(t *testing.T) {
		q := `query($at: DateTime!) { report { months { caregivers { byEventType { eventType { code priceAt(at: $at) { amount } } } } } } }`
		if outcome, errs := run(t, map[string]any{"at": "yesterday"}, q); outcome != "fallback" || !errs {
			t.Fatalf("outcome %q, errors %v; want fallback with errors", outcome, errs)
		}
	})
	for name, q := range map[string]string{
		"mixed roots": `{ report { totals { eventCount } } eventTypes { code } }`,
		"mutation":    `mutation { createCaregiver(input: {name: "Cy"}) { id } }`,
		"other query": `{ caregivers(first: 3) { nodes { name } } }`,
		"typename":    `{ __typename }`,
		"skipped":     `query($no: Boolean! = false) { report @include(if: $no) { currency } __typename }`,
	} {
		t.Run("OK untouched "+name, func(t *testing.T) {
			if name == "mutation" { // the twin would create two caregivers
				resp := tw.send(tw.H, "mut", testsupport.GQLBody(t, q, nil))
				if resp.Code != http.StatusOK || tw.fastOutcome(t, "mut") != "" {
					t.Fatalf("mutation: %d %s, outcome %q", resp.Code, resp.Body, tw.fastOutcome(t, "mut"))
				}
				return
			}
			if outcome, _ := run(t, nil, q); outcome != "" {
				t.Fatalf("outcome %q, want the operation left to gqlgen", outcome)
			}
		})
	}
	t.Run("OK disabled", func(t *testing.T) {
		log := &testsupport.SyncBuffer{}
		h := testsupport.Handler(graph.Options{Store: tw.S, Logger: slog.New(slog.NewTextHandler(log, nil)), DisableFastReport: true}, httpapi.Options{})
		resp := tw.send(h, "off", testsupport.GQLBody(t, full, map[string]any{"at": "2023-02-01T00:00:00Z"}))
		if resp.Code != http.StatusOK || strings.Contains(log.String(), "fast_report") {
			t.Fatalf("disabled: status %d, log %s", resp.Code, log)
		}
	})
}
