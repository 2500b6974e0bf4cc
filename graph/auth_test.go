package graph_test

import (
	"context"
	"github.com/reimburse/reimburse/model"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

const pingQ = `{"query":"{ eventTypes { id } }"}`

// requireUnauthenticated asserts a 401 with one UNAUTHENTICATED error.
func requireUnauthenticated(t *testing.T, r rawResponse) {
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
		r := e.raw(t, pingQ, e.authed())
		if r.Status != http.StatusOK || len(r.Errors) != 0 {
			t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
		}
	})
	t.Run("OK lower-case scheme", func(t *testing.T) {
		if r := e.raw(t, pingQ, map[string]string{"Authorization": "bearer " + e.secret}); r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	})
	for name, h := range map[string]map[string]string{
		"no header":       nil,
		"empty bearer":    {"Authorization": "Bearer "},
		"wrong secret":    {"Authorization": "Bearer wrong"},
		"unknown secret":  {"Authorization": "Bearer rbt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		"basic auth":      {"Authorization": "Basic " + e.secret},
		"secret no label": {"Authorization": e.secret},
	} {
		t.Run("Err "+name, func(t *testing.T) { requireUnauthenticated(t, e.raw(t, pingQ, h)) })
	}
	t.Run("ErrRevoked", func(t *testing.T) {
		ctx := context.Background()
		secret, tok, err := e.s.CreateToken(ctx, model.NewToken{Name: "temp", Role: model.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		h := map[string]string{"Authorization": "Bearer " + secret}
		if r := e.raw(t, pingQ, h); r.Status != http.StatusOK {
			t.Fatalf("live token: status %d: %s", r.Status, r.Body)
		}
		if err := e.s.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		requireUnauthenticated(t, e.raw(t, pingQ, h))
		if r := e.raw(t, pingQ, e.authed()); r.Status != http.StatusOK {
			t.Fatalf("other token after a revoke: status %d", r.Status)
		}
	})
	t.Run("OK GET", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape("{ eventTypes { code } }"), nil)
		req.Header.Set("Authorization", "Bearer "+e.secret)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
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
		"ok":             {pingQ, e.authed()},
		"unauthorized":   {pingQ, nil},
		"parse error":    {`{"query":"{"}`, e.authed()},
		"resolver error": {`{"query":"{ events(first: -1) { edges { cursor } } }"}`, e.authed()},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.raw(t, tc.body, tc.header)
			if id := r.Header.Get("X-Request-Id"); len(id) < 8 {
				t.Fatalf("X-Request-Id = %q (status %d)", id, r.Status)
			}
		})
	}
	t.Run("distinct", func(t *testing.T) {
		a, b := e.raw(t, pingQ, e.authed()), e.raw(t, pingQ, e.authed())
		if a.Header.Get("X-Request-Id") == b.Header.Get("X-Request-Id") {
			t.Fatal("two requests share a request id")
		}
	})
	t.Run("client id echoed", func(t *testing.T) {
		h := e.authed()
		h["X-Request-Id"] = "abc-123_X"
		if got := e.raw(t, pingQ, h).Header.Get("X-Request-Id"); got != "abc-123_X" {
			t.Fatalf("X-Request-Id = %q, want the client's abc-123_X", got)
		}
	})
	t.Run("unsafe client id replaced", func(t *testing.T) {
		h := e.authed()
		h["X-Request-Id"] = "a b\"<script>"
		if got := e.raw(t, pingQ, h).Header.Get("X-Request-Id"); got == h["X-Request-Id"] || got == "" {
			t.Fatalf("X-Request-Id = %q, want a fresh id", got)
		}
	})
}
