package graph_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/internal/testsupport"
)

// TestAuthSchemeMissing: a token sent without the Bearer scheme is told
// that the scheme is missing, not that the token is; other bad headers keep
// the general message.
func TestAuthSchemeMissing(t *testing.T) {
	e := newEnv(t)
	const scheme = `the Authorization scheme is missing: send "Authorization: Bearer rbt_...", not the token alone`
	const missing = `missing token: send "Authorization: Bearer <token>"`
	for _, c := range []struct{ header, want string }{
		{e.Secret, scheme},
		{" " + e.Secret + " ", scheme},
		{"", missing},
		{"Bearer", missing},
		{"Basic dXNlcjpwYXNz", missing},
		{"Token " + e.Secret, missing},
	} {
		r := e.Raw(t, `{"query":"{ eventTypes { id } }"}`, map[string]string{"Authorization": c.header})
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
		req.Header.Set("Authorization", "Bearer "+e.Secret)
		r := testsupport.ServeRaw(t, e.H, req)
		if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" || r.Errors[0].Message != want {
			t.Errorf("Content-Type %q: %d %+v; want 400 BAD_USER_INPUT %q", ct, r.Status, r.Errors, want)
		}
	}
}
