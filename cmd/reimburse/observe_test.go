package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/store/storetest"
)

func httpBody(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestOperatorEndpoints checks /readyz and /metrics on the real binary.
func TestOperatorEndpoints(t *testing.T) {
	srv := startServer(t, tempDB(t))
	if code, body := httpBody(t, srv.URL+"/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Fatalf("/readyz: %d %q", code, body)
	}
	r := post(t, srv.URL, srv.Token, `query Types { eventTypes { code } }`, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	code, body := httpBody(t, srv.URL+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	pools := []string{`go_sql_max_open_connections{db_name="writer"} 1`, `go_sql_open_connections{db_name="reader"}`}
	if storetest.Postgres() { // one pool
		pools = []string{`go_sql_open_connections{db_name="pool"}`}
	}
	for _, want := range append([]string{
		`reimburse_requests_total{code="OK",operation="Types"} 1`,
		`reimburse_events_total{action="registered"} 0`,
		"go_goroutines ",
		"process_resident_memory_bytes ",
	}, pools...) {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, srv.Token) {
		t.Fatal("/metrics shows a token")
	}
	// The request log line names the operation and never the token.
	if logs := srv.Stderr.String(); !strings.Contains(logs, "operation=Types") || strings.Contains(logs, srv.Token) {
		t.Fatalf("request log:\n%s", logs)
	}
}

// TestJSONLogs: --log-format json writes one JSON object per line.
func TestJSONLogs(t *testing.T) {
	srv := startServer(t, tempDB(t), "--log-format", "json")
	post(t, srv.URL, srv.Token, `query Q { eventTypes { code } }`, nil)
	if logs := srv.Stderr.String(); !strings.Contains(logs, `"msg":"request"`) || !strings.Contains(logs, `"operation":"Q"`) {
		t.Fatalf("json logs:\n%s", logs)
	}
}
