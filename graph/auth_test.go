package graph_test

import (
	"context"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

const pingQ = `{"query":"{ eventTypes { id } }"}`

// requireUnauthenticated asserts a 401 with one UNAUTHENTICATED error.
func requireUnauthenticated(t *testing.T, r testsupport.RawResponse) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401: %s", r.Status, r.Body)
	}
	if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "UNAUTHENTICATED" {
		t.Fatalf("errors %+v, want one UNAUTHENTICATED", r.Errors)
	}
	if r.Header.Get("WWW-Authenticate") == "" || r.Header.Get("X-Request-Id") == "" {
		t.Fatalf("headers %v lack WWW-Authenticate or X-Request-Id", r.Header)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	t.Run("OK", func(t *testing.T) {
		r := e.Raw(t, pingQ, e.Authed())
		if r.Status != http.StatusOK || len(r.Errors) != 0 {
			t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
		}
	})
	t.Run("OK lower-case scheme", func(t *testing.T) {
		if r := e.Raw(t, pingQ, map[string]string{"Authorization": "bearer " + e.Secret}); r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	})
	for name, h := range map[string]map[string]string{
		"no header":       nil,
		"empty bearer":    {"Authorization": "Bearer "},
		"wrong secret":    {"Authorization": "Bearer wrong"},
		"unknown secret":  {"Authorization": "Bearer rbt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		"basic auth":      {"Authorization": "Basic " + e.Secret},
		"secret no label": {"Authorization": e.Secret},
	} {
		t.Run("Err "+name, func(t *testing.T) { requireUnauthenticated(t, e.Raw(t, pingQ, h)) })
	}
	t.Run("ErrRevoked", func(t *testing.T) {
		ctx := context.Background()
		secret, tok, err := e.S.CreateToken(ctx, model.NewToken{Name: "temp", Role: model.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		h := map[string]string{"Authorization": "Bearer " + secret}
		if r := e.Raw(t, pingQ, h); r.Status != http.StatusOK {
			t.Fatalf("live token: status %d: %s", r.Status, r.Body)
		}
		if err := e.S.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		requireUnauthenticated(t, e.Raw(t, pingQ, h))
		if r := e.Raw(t, pingQ, e.Authed()); r.Status != http.StatusOK {
			t.Fatalf("other token after a revoke: status %d", r.Status)
		}
	})
	t.Run("OK GET", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape("{ eventTypes { code } }"), nil)
		req.Header.Set("Authorization", "Bearer "+e.Secret)
		w := httptest.NewRecorder()
		e.H.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Body.String() != `{"data":{"eventTypes":[]}}` {
			t.Fatalf("GET: %d %s", w.Code, w.Body)
		}
	})
}

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	for name, tc := range map[string]struct {
		body   string
		header map[string]string
	}{
		"ok":             {pingQ, e.Authed()},
		"unauthorized":   {pingQ, nil},
		"parse error":    {`{"query":"{"}`, e.Authed()},
		"resolver error": {`{"query":"{ events(first: -1) { edges { cursor } } }"}`, e.Authed()},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.Raw(t, tc.body, tc.header)
			if id := r.Header.Get("X-Request-Id"); len(id) < 8 {
				t.Fatalf("X-Request-Id = %q (status %d)", id, r.Status)
			}
		})
	}
	t.Run("distinct", func(t *testing.T) {
		a, b := e.Raw(t, pingQ, e.Authed()), e.Raw(t, pingQ, e.Authed())
		if a.Header.Get("X-Request-Id") == b.Header.Get("X-Request-Id") {
			t.Fatal("two requests share a request id")
		}
	})
	t.Run("client id echoed", func(t *testing.T) {
		h := e.Authed()
		h["X-Request-Id"] = "abc-123_X"
		if got := e.Raw(t, pingQ, h).Header.Get("X-Request-Id"); got != "abc-123_X" {
			t.Fatalf("X-Request-Id = %q, want the client's abc-123_X", got)
		}
	})
	t.Run("unsafe client id replaced", func(t *testing.T) {
		h := e.Authed()
		h["X-Request-Id"] = "a b\"<script>"
		if got := e.Raw(t, pingQ, h).Header.Get("X-Request-Id"); got == h["X-Request-Id"] || got == "" {
			t.Fatalf("X-Request-Id = %q, want a fresh id", got)
		}
	})
}
