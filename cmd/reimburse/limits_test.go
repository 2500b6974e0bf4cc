package main

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestServePlaygroundOff(t *testing.T) {
	srv := startServer(t, tempDB(t), "--playground=false")
	if status, _, _ := httpGet(t, srv.URL+"/"); status != http.StatusNotFound {
		t.Fatalf("GET / = %d with --playground=false, want 404", status)
	}
	// The API is unaffected.
	var out struct{ EventTypes []struct{ ID string } }
	post(t, srv.URL, srv.Token, `{ eventTypes { id } }`, nil).mustData(t, &out)
}

func TestServeIntrospectionOff(t *testing.T) {
	// Through the environment twin.
	srv := startRun(t, []string{"serve", "--addr", "127.0.0.1:0", "--db", tempDB(t)}, map[string]string{"REIMBURSE_INTROSPECTION": "false"})
	r := post(t, srv.URL, srv.Token, `{ __schema { types { name } } }`, nil)
	if r.Status != http.StatusOK || r.code() != "GRAPHQL_VALIDATION_FAILED" || r.Errors[0].Message != "introspection is disabled on this server" {
		t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
	}
	r = post(t, srv.URL, srv.Token, `{ eventTypes { cod } }`, nil)
	if r.code() != "GRAPHQL_VALIDATION_FAILED" || strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Fatalf("errors %+v, want no suggestion", r.Errors)
	}
}

func TestServeLimitFlags(t *testing.T) {
	// One request per 1000 s: a slow machine cannot refill the burst of 2
	// between the subtests, so the third request is refused by count.
	srv := startServer(t, tempDB(t), "--max-depth", "2", "--max-body-bytes", "2000", "--rate-limit", "0.001", "--rate-burst", "2",
		"--max-complexity", "10", "--request-timeout", "5s")

	t.Run("body", func(t *testing.T) {
		body := `{"query":"{ eventTypes { id } }"}` + strings.Repeat(" ", 2000)
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if r := do(t, req, srv.Token); r.Status != http.StatusRequestEntityTooLarge || r.code() != "BAD_USER_INPUT" {
			t.Fatalf("status %d, errors %+v; want 413", r.Status, r.Errors)
		}
	})
	// The body was refused before authentication: the token's burst of 2
	// is whole.
	t.Run("depth", func(t *testing.T) {
		r := post(t, srv.URL, srv.Token, `{ events { edges { cursor } } }`, nil)
		if r.Status != http.StatusOK || r.code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "depth 3") {
			t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
		}
	})
	t.Run("complexity", func(t *testing.T) {
		q := "{" // 11 lists at 1 each
		for i := range 11 {
			q += " t" + strconv.Itoa(i) + ": eventTypes { id }"
		}
		if r := post(t, srv.URL, srv.Token, q+" }", nil); r.code() != "COMPLEXITY_LIMIT_EXCEEDED" || !strings.Contains(r.Errors[0].Message, "complexity 11") {
			t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
		}
	})
	t.Run("rate", func(t *testing.T) {
		body := `{"query":"{ eventTypes { id } }"}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != http.StatusTooManyRequests || err != nil || s < 1 {
			t.Fatalf("third request: status %d, Retry-After %q; want 429 with whole seconds", res.StatusCode, res.Header.Get("Retry-After"))
		}
	})
}

func TestServeBadLimitFlags(t *testing.T) {
	for _, tc := range []struct{ flag, value, want string }{
		{"--max-depth", "0", "--max-depth must be positive"},
		{"--max-body-bytes", "-1", "--max-body-bytes must be positive"},
		{"--max-report-cells", "0", "--max-report-cells must be positive"},
		{"--rate-limit", "-1", "--rate-limit must be 0 (off) or positive"},
		{"--request-timeout", "0s", "--request-timeout must be positive"},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			out, _, err := runCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", tempDB(t), tc.flag, tc.value)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if out != "" {
				t.Fatalf("a refused start printed %q", out)
			}
		})
	}
}
