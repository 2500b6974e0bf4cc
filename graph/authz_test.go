package graph_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
)

// Row scoping of CAREGIVER tokens, beyond the one request per field of
// TestAccessMatrix. The caregiver token of newAuthzFixture is bound to A.

func TestScopeEvents(t *testing.T) {
	f := newAuthzFixture(t)
	own := f.doc(`{"events":{"nodes":[{"id":"{EAR}"},{"id":"{EA}"}]}}`)
	for name, filter := range map[string]string{
		"NoFilter":        `{}`,
		"Own":             `{caregiverIds: ["{A}"]}`,
		"OwnAndOther":     `{caregiverIds: ["{A}", "{B}"]}`,
		"OtherAndUnknown": `{caregiverIds: ["{B}", "999"], statuses: [PENDING]}`,
		"Other":           `{caregiverIds: ["{B}"]}`,
		"Empty":           `{caregiverIds: []}`,
	} {
		t.Run(name, func(t *testing.T) {
			want := own
			if strings.Contains(filter, "{B}") && !strings.Contains(filter, "{A}") || strings.Contains(filter, "[]") {
				want = `{"events":{"nodes":[]}}`
			}
			requireData(t, f.caregiver.Post(t, f.doc(`{ events(filter: `+filter+`) { nodes { id } } }`)), want)
		})
	}
	t.Run("ScopedFilterKeepsOtherConditions", func(t *testing.T) {
		requireData(t, f.caregiver.Post(t, f.doc(`{ events(filter: {statuses: [PENDING]}) { nodes { id } } }`)),
			f.doc(`{"events":{"nodes":[{"id":"{EA}"}]}}`))
	})
	t.Run("Paging", func(t *testing.T) {
		var page struct {
			Events struct {
				Nodes    []struct{ ID string }
				PageInfo pageInfo
			}
		}
		f.caregiver.MustQuery(t, `{ events(first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } }`, &page)
		if len(page.Events.Nodes) != 1 || page.Events.Nodes[0].ID != testsupport.ID(f.EAR) || !page.Events.PageInfo.HasNextPage {
			t.Fatalf("first page %+v", page.Events)
		}
		requireData(t, f.caregiver.Post(t, `query($a: String) { events(first: 5, after: $a) { nodes { id } pageInfo { hasNextPage } } }`,
			client.Var("a", *page.Events.PageInfo.EndCursor)), f.doc(`{"events":{"nodes":[{"id":"{EA}"}],"pageInfo":{"hasNextPage":false}}}`))
	})
	t.Run("AccountantSeesAll", func(t *testing.T) {
		var out struct {
			Events struct{ Nodes []struct{ ID string } }
		}
		f.accountant.MustQuery(t, `{ events { nodes { id } } }`, &out)
		if len(out.Events.Nodes) != 4 {
			t.Fatalf("accountant sees %d events, want 4", len(out.Events.Nodes))
		}
	})
}

func TestScopeSingleReads(t *testing.T) {
	f := newAuthzFixture(t)
	// Another caregiver's rows read as null, exactly like unknown ids.
	requireData(t, f.caregiver.Post(t, f.doc(`{ own: event(id: "{EA}") { id } other: event(id: "{EB}") { id } unknown: event(id: "999") { id }
		me: caregiver(id: "{A}") { name } them: caregiver(id: "{B}") { name } }`)),
		f.doc(`{"own":{"id":"{EA}"},"other":null,"unknown":null,"me":{"name":"Anna"},"them":null}`))

	t.Run("PayoutsHidden", func(t *testing.T) {
		// A payout spans caregivers: reimbursedAt shows, the payout does not.
		requireData(t, f.caregiver.Post(t, f.doc(`{ event(id: "{EAR}") { status reimbursedAt reimbursement { id } } }`)),
			`{"event":{"status":"REIMBURSED","reimbursedAt":"2024-06-15T12:00:00Z","reimbursement":null}}`)
		requireData(t, f.caregiver.Post(t, `{ events { nodes { reimbursement { id } } } }`),
			`{"events":{"nodes":[{"reimbursement":null},{"reimbursement":null}]}}`)
		requireData(t, f.accountant.Post(t, f.doc(`{ event(id: "{EAR}") { reimbursement { id eventCount } } }`)),
			f.doc(`{"event":{"reimbursement":{"id":"{R}","eventCount":2}}}`))
		err := f.caregiver.MustFail(t, "FORBIDDEN", "", f.doc(`{ reimbursement(id: "{R}") { id } }`))
		if !strings.Contains(err.Message, "CAREGIVER") || !strings.Contains(err.Message, "Query.reimbursement") {
			t.Fatalf("message %q does not name the role and the field", err.Message)
		}
	})
}

func TestScopeReport(t *testing.T) {
	f := newAuthzFixture(t)
	const q = `query($ids: [ID!]) { report(caregiverIds: $ids) { totals { eventCount } months { month caregivers { caregiver { id } } } } }`
	own := f.doc(`{"report":{"totals":{"eventCount":2},"months":[
		{"month":"2024-05","caregivers":[{"caregiver":{"id":"{A}"}}]},
		{"month":"2024-06","caregivers":[{"caregiver":{"id":"{A}"}}]}]}}`)
	t.Run("OmittedIsItself", func(t *testing.T) {
		requireData(t, f.caregiver.Post(t, q), own)
	})
	t.Run("Own", func(t *testing.T) {
		requireData(t, f.caregiver.Post(t, q, client.Var("ids", []string{testsupport.ID(f.A), testsupport.ID(f.A)})), own)
	})
	t.Run("EmptyStaysEmpty", func(t *testing.T) {
		requireData(t, f.caregiver.Post(t, q, client.Var("ids", []string{})), `{"report":{"totals":{"eventCount":0},"months":[]}}`)
	})
	for name, ids := range map[string][]string{
		"ErrOther":        {testsupport.ID(f.B)},
		"ErrOwnAndOther":  {testsupport.ID(f.A), testsupport.ID(f.B)},
		"ErrUnknown":      {"999"}, // FORBIDDEN, not BAD_USER_INPUT: no hint whether it exists
		"ErrOwnAndUnkown": {testsupport.ID(f.A), "999"},
	} {
		t.Run(name, func(t *testing.T) {
			f.caregiver.MustFail(t, "FORBIDDEN", "caregiverIds", q, client.Var("ids", ids))
		})
	}
	t.Run("AccountantAny", func(t *testing.T) {
		var out struct {
			Report struct{ Totals struct{ EventCount int } }
		}
		f.accountant.MustQuery(t, q, &out, client.Var("ids", []string{testsupport.ID(f.B)}))
		if out.Report.Totals.EventCount != 2 {
			t.Fatalf("accountant report on B: %+v", out)
		}
	})
}

func TestScopeRegister(t *testing.T) {
	f := newAuthzFixture(t)
	const one = `mutation($in: RegisterEventInput!) { registerEvent(input: $in) { caregiver { id } registeredAt } }`
	const many = `mutation($ins: [RegisterEventInput!]!) { registerEvents(inputs: $ins) { caregiver { id } } }`
	in := func(cg any, at string) map[string]any {
		m := map[string]any{"eventTypeId": testsupport.ID(f.T), "occurredAt": at}
		if cg != nil {
			m["caregiverId"] = cg
		}
		return m
	}
	count := func() int { return f.admin.CountEvents(t) }
	start := count()

	t.Run("OmittedIsItself", func(t *testing.T) {
		requireData(t, f.caregiver.Post(t, one, client.Var("in", in(nil, "2024-06-10T09:00:00Z"))),
			f.doc(`{"registerEvent":{"caregiver":{"id":"{A}"},"registeredAt":"2024-06-15T12:00:00Z"}}`))
	})
	t.Run("OwnID", func(t *testing.T) {
		f.caregiver.MustQuery(t, one, nil, client.Var("in", in(testsupport.ID(f.A), "2024-06-10T09:00:00Z")))
	})
	t.Run("ErrOther", func(t *testing.T) {
		f.caregiver.MustFail(t, "FORBIDDEN", "input.caregiverId", one, client.Var("in", in(testsupport.ID(f.B), "2024-06-10T09:00:00Z")))
		f.caregiver.MustFail(t, "FORBIDDEN", "input.caregiverId", one, client.Var("in", in("999", "2024-06-10T09:00:00Z")))
	})
	t.Run("ErrOtherInBatch", func(t *testing.T) {
		r := f.caregiver.Post(t, many, client.Var("ins", []any{
			in(nil, "2024-06-10T09:00:00Z"), in(testsupport.ID(f.B), "2024-06-10T09:00:00Z"),
			in(testsupport.ID(f.A), "2024-06-10T09:00:00Z"), in("999", "2024-06-10T09:00:00Z"),
		}))
		if len(r.Errors) != 2 || string(r.Data) != `{"registerEvents":null}` {
			t.Fatalf("errors %+v data %s, want two FORBIDDEN and registerEvents null", r.Errors, r.Data)
		}
		testsupport.RequireCode(t, r.Errors[0], "FORBIDDEN", "inputs[1].caregiverId")
		testsupport.RequireCode(t, r.Errors[1], "FORBIDDEN", "inputs[3].caregiverId")
	})
	if got := count(); got != start+2 {
		t.Fatalf("events %d, want %d: refused registrations wrote", got, start+2)
	}

	// Backdating: the clock is 2024-06-15T12:00Z and the bound 720h, so
	// 2024-05-16T12:00Z is the oldest instant a CAREGIVER may register.
	t.Run("OKBackdateAtLimit", func(t *testing.T) {
		f.caregiver.MustQuery(t, one, nil, client.Var("in", in(nil, "2024-05-16T12:00:00Z")))
	})
	t.Run("ErrBackdateTooOld", func(t *testing.T) {
		err := f.caregiver.MustFail(t, "BAD_USER_INPUT", "input.occurredAt", one, client.Var("in", in(nil, "2024-05-16T11:59:59Z")))
		if !strings.Contains(err.Message, "720h") {
			t.Fatalf("message %q does not name the bound", err.Message)
		}
		r := f.caregiver.Post(t, many, client.Var("ins", []any{in(nil, "2024-06-10T09:00:00Z"), in(nil, "2023-01-01T00:00:00Z")}))
		testsupport.RequireOne(t, r.Errors, "BAD_USER_INPUT", "inputs[1].occurredAt")
	})
	t.Run("OKAccountantAndAdminAnyAge", func(t *testing.T) {
		for _, e := range []*env{f.accountant, f.admin} {
			e.MustQuery(t, one, nil, client.Var("in", in(testsupport.ID(f.B), "2019-01-01T00:00:00Z")))
		}
	})
	t.Run("ErrFutureForEveryRole", func(t *testing.T) {
		for _, e := range []*env{f.caregiver, f.accountant, f.admin} {
			e.MustFail(t, "BAD_USER_INPUT", "input.occurredAt", one, client.Var("in", in(testsupport.ID(f.A), "2024-06-15T12:05:01Z")))
		}
	})
}

func TestScopeVoid(t *testing.T) {
	f := newAuthzFixture(t)
	const q = `mutation($id: ID!) { voidEvent(id: $id, reason: "dup") { id status } }`
	t.Run("ErrOtherIsNotFound", func(t *testing.T) {
		other := f.caregiver.MustFail(t, "NOT_FOUND", "id", q, client.Var("id", testsupport.ID(f.EB)))
		unknown := f.caregiver.MustFail(t, "NOT_FOUND", "id", q, client.Var("id", "999"))
		// The same answer as for an unknown id, apart from the id itself.
		if strings.ReplaceAll(other.Message, testsupport.ID(f.EB), "N") != strings.ReplaceAll(unknown.Message, "999", "N") {
			t.Fatalf("messages differ: %q vs %q", other.Message, unknown.Message)
		}
		// Another caregiver's reimbursed event too: NOT_FOUND, not CONFLICT.
		f.caregiver.MustFail(t, "NOT_FOUND", "id", q, client.Var("id", testsupport.ID(f.EBR)))
		if got := f.admin.status(t, f.EB); got != "PENDING" {
			t.Fatalf("B's event is %s after a refused void", got)
		}
	})
	t.Run("ErrOwnReimbursed", func(t *testing.T) {
		f.caregiver.MustFail(t, "CONFLICT", "id", q, client.Var("id", testsupport.ID(f.EAR)))
	})
	t.Run("OKOwn", func(t *testing.T) {
		requireData(t, f.caregiver.Post(t, q, client.Var("id", testsupport.ID(f.EA))), f.doc(`{"voidEvent":{"id":"{EA}","status":"VOIDED"}}`))
	})
	t.Run("OKAccountantAny", func(t *testing.T) {
		f.accountant.MustQuery(t, q, nil, client.Var("id", testsupport.ID(f.EB)))
	})
}

func TestAuditTrail(t *testing.T) {
	f := newAuthzFixture(t)
	// A's event registered by the caregiver, voided by the accountant; a B
	// event registered by the accountant and reimbursed by the admin.
	var reg struct{ RegisterEvent struct{ ID string } }
	f.caregiver.MustQuery(t, `mutation { registerEvent(input: {eventTypeId: "`+testsupport.ID(f.T)+`", occurredAt: "2024-06-10T09:00:00Z"}) { id } }`, &reg)
	f.accountant.MustQuery(t, `mutation($id: ID!) { voidEvent(id: $id, reason: "dup") { id } }`, nil, client.Var("id", reg.RegisterEvent.ID))
	var reg2 struct{ RegisterEvent struct{ ID string } }
	f.accountant.MustQuery(t, `mutation { registerEvent(input: {eventTypeId: "`+testsupport.ID(f.T)+`", caregiverId: "`+testsupport.ID(f.B)+`", occurredAt: "2024-06-11T09:00:00Z"}) { id } }`, &reg2)
	var re struct{ ReimburseEvents struct{ ID string } }
	f.admin.MustQuery(t, `mutation($ids: [ID!]!) { reimburseEvents(ids: $ids) { id } }`, &re, client.Var("ids", []string{reg2.RegisterEvent.ID}))

	const q = `query($a: ID!, $b: ID!) {
		a: event(id: $a) { registeredAt registeredBy { tokenId name role } voidedAt voidedBy { name role } reimbursedBy { name } }
		b: event(id: $b) { registeredBy { role } voidedBy { name } reimbursedAt reimbursedBy { tokenId name role } reimbursement { createdBy { name role } } } }`
	vars := []client.Option{client.Var("a", reg.RegisterEvent.ID), client.Var("b", reg2.RegisterEvent.ID)}
	cgTok := tokenIDOf(t, f.caregiver)
	want := `{"a":{"registeredAt":"2024-06-15T12:00:00Z","registeredBy":{"tokenId":"` + cgTok + `","name":"test caregiver","role":"CAREGIVER"},
			"voidedAt":"2024-06-15T12:00:00Z","voidedBy":{"name":"test accountant","role":"ACCOUNTANT"},"reimbursedBy":null},
		"b":{"registeredBy":{"role":"ACCOUNTANT"},"voidedBy":null,"reimbursedAt":"2024-06-15T12:00:00Z",
			"reimbursedBy":{"tokenId":"1","name":"initial admin","role":"ADMIN"},"reimbursement":{"createdBy":{"name":"initial admin","role":"ADMIN"}}}}`
	for _, e := range []*env{f.admin, f.accountant} {
		requireData(t, e.Post(t, q, vars...), want)
	}

	t.Run("RevokedTokenStillNamed", func(t *testing.T) {
		n, _ := strconv.ParseInt(cgTok, 10, 64)
		if err := f.admin.S.RevokeToken(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		requireData(t, f.admin.Post(t, `query($a: ID!) { event(id: $a) { registeredBy { name } } }`, vars[0]),
			`{"event":{"registeredBy":{"name":"test caregiver"}}}`)
	})

	t.Run("ErrCaregiverForbidden", func(t *testing.T) {
		own := f.admin.as(t, model.RoleCaregiver, f.A)
		for _, field := range []string{"registeredBy", "voidedBy", "reimbursedBy"} {
			r := own.Post(t, `query($a: ID!) { event(id: $a) { id `+field+` { name } } }`, vars[0])
			testsupport.RequireOne(t, r.Errors, "FORBIDDEN", "")
			if p := r.Errors[0].Path; len(p) != 2 || p[1] != field {
				t.Fatalf("%s: path %v", field, p)
			}
			// Only the field is lost, not the event (nor, after a mutation,
			// its result).
			if want := `{"event":{"id":"` + reg.RegisterEvent.ID + `","` + field + `":null}}`; string(r.Data) != want {
				t.Fatalf("%s: data %s, want %s", field, r.Data, want)
			}
		}
		r := own.Post(t, `mutation { registerEvent(input: {eventTypeId: "`+testsupport.ID(f.T)+`", occurredAt: "2024-06-12T09:00:00Z"}) { id registeredBy { name } } }`)
		testsupport.RequireOne(t, r.Errors, "FORBIDDEN", "")
		if !strings.Contains(string(r.Data), `"registerEvent":{"id":"`) {
			t.Fatalf("a registration that selected registeredBy lost its result: %s", r.Data)
		}
		// The rest of the event stays readable.
		requireData(t, own.Post(t, `query($a: ID!) { event(id: $a) { status voidReason } }`, vars[0]),
			`{"event":{"status":"VOIDED","voidReason":"dup"}}`)
	})
}

// tokenIDOf returns the token id of an env's secret.
func tokenIDOf(t testing.TB, e *env) string {
	t.Helper()
	p, err := e.S.Authenticate(context.Background(), e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return testsupport.ID(p.TokenID)
}

// TestTokensOnRunningServer revokes a CAREGIVER token while a real HTTP
// server runs, and sends malformed Authorization headers.
func TestTokensOnRunningServer(t *testing.T) {
	f := newAuthzFixture(t)
	srv := httptest.NewServer(f.admin.H)
	t.Cleanup(srv.Close)
	send := func(header string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"query":"{ events { nodes { id } } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	requireUnauth := func(t *testing.T, header string) {
		t.Helper()
		status, body := send(header)
		if status != http.StatusUnauthorized || !strings.Contains(body, `"code":"UNAUTHENTICATED"`) || strings.Contains(body, `"data"`) {
			t.Fatalf("Authorization %q: %d %s, want 401 UNAUTHENTICATED without data", header, status, body)
		}
	}

	t.Run("RevokedAtOnce", func(t *testing.T) {
		secret, tok, err := f.admin.S.CreateToken(context.Background(), model.NewToken{Role: model.RoleCaregiver, CaregiverID: &f.A})
		if err != nil {
			t.Fatal(err)
		}
		if status, body := send("Bearer " + secret); status != http.StatusOK || !strings.Contains(body, `"events"`) {
			t.Fatalf("live token: %d %s", status, body)
		}
		if err := f.admin.S.RevokeToken(context.Background(), tok.ID); err != nil {
			t.Fatal(err)
		}
		requireUnauth(t, "Bearer "+secret)
	})
	for name, header := range map[string]string{
		"NoHeader":      "",
		"EmptyBearer":   "Bearer ",
		"OnlyScheme":    "Bearer",
		"NoPrefix":      "Bearer " + strings.TrimPrefix(f.caregiver.Secret, "rbt_"),
		"PrefixOnly":    "Bearer rbt_",
		"WrongScheme":   "Token " + f.caregiver.Secret,
		"BasicScheme":   "Basic " + f.caregiver.Secret,
		"NoScheme":      f.caregiver.Secret,
		"Truncated":     "Bearer " + f.caregiver.Secret[:len(f.caregiver.Secret)-1],
		"TrailingJunk":  "Bearer " + f.caregiver.Secret + "x",
		"TwoSecrets":    "Bearer " + f.caregiver.Secret + " " + f.caregiver.Secret,
		"UpperCaseCopy": "Bearer " + strings.ToUpper(f.caregiver.Secret),
	} {
		t.Run("Err"+name, func(t *testing.T) { requireUnauth(t, header) })
	}
}

// TestScopeMonthlyCSV checks that the CSV export scopes like report.
func TestScopeMonthlyCSV(t *testing.T) {
	f := newAuthzFixture(t)
	mux := http.NewServeMux()
	mux.Handle("GET /reports/monthly.csv", testsupport.CSVHandler(f.admin.S, slog.New(slog.NewTextHandler(io.Discard, nil)), httpapi.Options{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	get := func(t *testing.T, e *env, query string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/reports/monthly.csv?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+e.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const header = "month,caregiver_id,caregiver_name,event_count,amount,reimbursed,pending,currency\n"
	own := header + f.doc("2024-05,{A},Anna,1,100.00,100.00,0.00,SEK\n2024-06,{A},Anna,1,100.00,0.00,100.00,SEK\n")
	for name, query := range map[string]string{"Omitted": "", "Own": "caregiverIds=" + testsupport.ID(f.A)} {
		t.Run(name, func(t *testing.T) {
			if status, body := get(t, f.caregiver, query); status != http.StatusOK || body != own {
				t.Fatalf("status %d body:\n%s\nwant:\n%s", status, body, own)
			}
		})
	}
	t.Run("EmptyStaysEmpty", func(t *testing.T) {
		if status, body := get(t, f.caregiver, "caregiverIds="); status != http.StatusOK || body != header {
			t.Fatalf("status %d body:\n%s", status, body)
		}
	})
	for name, query := range map[string]string{"ErrOther": "caregiverIds=" + testsupport.ID(f.B), "ErrOwnAndOther": "caregiverIds=" + testsupport.ID(f.A) + "," + testsupport.ID(f.B), "ErrUnknown": "caregiverIds=999"} {
		t.Run(name, func(t *testing.T) {
			status, body := get(t, f.caregiver, query)
			if status != http.StatusForbidden || !strings.Contains(body, `"code":"FORBIDDEN"`) || !strings.Contains(body, `"field":"caregiverIds"`) {
				t.Fatalf("status %d body %s, want 403 FORBIDDEN on caregiverIds", status, body)
			}
		})
	}
	t.Run("AccountantAll", func(t *testing.T) {
		status, body := get(t, f.accountant, "")
		if status != http.StatusOK || strings.Count(body, "\n") != 5 {
			t.Fatalf("status %d body:\n%s\nwant a header and four rows", status, body)
		}
	})
}
