package graph_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAuthSchemeMissing: a token sent without the Bearer scheme is told
// that the scheme is missing, not that the token is; other bad headers keep
// the general message.
func TestAuthSchemeMissing(t *testing.T) {
	e := newEnv(t)
	const scheme = `the Authorization scheme is missing: send "Authorization: Bearer rbt_...", not the token alone`
	const missing = `missing token: send "Authorization: Bearer <token>"`
	for _, c := range []struct{ header, want string }{
		{e.secret, scheme},
		{" " + e.secret + " ", scheme},
		{"", missing},
		{"Bearer", missing},
		{"Basic dXNlcjpwYXNz", missing},
		{"Token " + e.secret, missing},
	} {
		r := e.raw(t, `{"query":"{ eventTypes { id } }"}`, map[string]string{"Authorization": c.header})
		if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "UNAUTHENTICATED" || r.Errors[0].Message != c.want {
			t.Errorf("Authorization %q: %d %+v; want 401 UNAUTHENTICATED %q", c.header[:min(len(c.header), 12)], r.Status, r.Errors, c.want)
		}
	}
}

// TestContentTypeNamed: a POST whose body is not sent as application/json
// (none, curl -d's form type, text/plain) keeps its 400 BAD_USER_INPUT and
// is told the Content-Type to send.
func TestContentTypeNamed(t *testing.T) {
	e := newEnv(t)
	const send = `send the JSON body with "Content-Type: application/json"`
	for ct, want := range map[string]string{
		"":                                  "the request has no Content-Type: " + send,
		"text/plain":                        `Content-Type "text/plain" is not supported: ` + send,
		"text/plain;charset=UTF-8":          `Content-Type "text/plain;charset=UTF-8" is not supported: ` + send,
		"application/x-www-form-urlencoded": `Content-Type "application/x-www-form-urlencoded" is not supported: ` + send,
	} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ eventTypes { id } }"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+e.secret)
		r := serveRaw(t, e.h, req)
		if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" || r.Errors[0].Message != want {
			t.Errorf("Content-Type %q: %d %+v; want 400 BAD_USER_INPUT %q", ct, r.Status, r.Errors, want)
		}
	}
}

// TestCSVPlusAsSpace: a from or to whose offset's + arrived as a space (an
// unencoded + in a query string) gets a hint to send %2B; other bad times
// do not.
func TestCSVPlusAsSpace(t *testing.T) {
	e := newObsEnv(t)
	for _, c := range []struct{ query, field, hint string }{
		{"from=2024-01-01T00:00:00+01:00", "from", "e.g. from=2024-01-01T00:00:00%2B01:00"},
		{"to=2024-03-01T00:00:00.5+05:30&from=2024-01-01T00:00:00Z", "to", "e.g. to=2024-03-01T00:00:00.5%2B05:30"},
		{"from=2024-01-01T00:00:00%2001:00", "from", "e.g. from=2024-01-01T00:00:00%2B01:00"},
		{"from=2024-01-01+00:00:00Z", "from", ""},
		{"from=2024-01-01T00:00:00", "from", ""},
	} {
		resp, body := e.get(t, "/reports/monthly.csv?"+c.query, e.secret)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: status %d: %s", c.query, resp.StatusCode, body)
		}
		mustContain(t, body, `"code":"BAD_USER_INPUT"`, `"field":"`+c.field+`"`)
		const lead = "; a + in a query string is read as a space: encode the offset's + as %2B, "
		if c.hint != "" {
			mustContain(t, body, lead+c.hint+`"`)
		} else if strings.Contains(body, "%2B") {
			t.Errorf("%s: an unrelated error got the %%2B hint: %s", c.query, body)
		}
	}
}
