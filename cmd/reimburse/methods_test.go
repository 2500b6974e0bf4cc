package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServeWrongMethod: every endpoint answers a method it does not serve
// with 405 and an Allow header listing those it does, with and without the
// playground (whose catch-all "/" must not turn them into 404s).
func TestServeWrongMethod(t *testing.T) {
	for _, playground := range []string{"true", "false"} {
		srv := startServer(t, tempDB(t), "--playground="+playground)
		for path, allow := range map[string]string{
			"/graphql":             "GET, POST, OPTIONS",
			"/reports/monthly.csv": "GET, HEAD",
			"/healthz":             "GET, HEAD",
			"/readyz":              "GET, HEAD",
			"/metrics":             "GET, HEAD",
		} {
			for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
				if path == "/graphql" && m == http.MethodPost {
					continue
				}
				req, err := http.NewRequest(m, srv.URL+path, strings.NewReader("{}"))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+srv.Token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != allow ||
					!strings.Contains(string(body), `"code":"BAD_USER_INPUT"`) {
					t.Errorf("playground=%s %s %s: %d Allow %q %s; want 405 Allow %q and a coded error",
						playground, m, path, resp.StatusCode, resp.Header.Get("Allow"), body, allow)
				}
			}
		}
		if code, _, _ := httpGet(t, srv.URL+"/healthz"); code != http.StatusOK {
			t.Errorf("GET /healthz = %d", code)
		}
	}
}
