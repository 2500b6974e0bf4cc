package main

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServe boots the whole binary on port 0 and drives it over real HTTP.
func TestServe(t *testing.T) {
	srv := startServer(t, tempDB(t))
	if srv.Token == "" {
		t.Fatalf("first start printed no token; stdout:\n%s", srv.Stdout)
	}

	t.Run("Healthz", func(t *testing.T) {
		status, ctype, body := httpGet(t, srv.URL+"/healthz")
		if status != http.StatusOK || strings.TrimSpace(body) != "ok" {
			t.Fatalf("GET /healthz = %d %q, want 200 \"ok\"", status, body)
		}
		if !strings.HasPrefix(ctype, "text/plain") {
			t.Errorf("GET /healthz Content-Type = %q, want text/plain", ctype)
		}
	})

	t.Run("Playground", func(t *testing.T) {
		status, ctype, body := httpGet(t, srv.URL+"/")
		if status != http.StatusOK {
			t.Fatalf("GET / = %d, want 200", status)
		}
		if !strings.HasPrefix(ctype, "text/html") {
			t.Errorf("GET / Content-Type = %q, want text/html", ctype)
		}
		if !strings.Contains(body, "<title>Reimburse GraphQL playground</title>") || !strings.Contains(body, `src="assets/main-`) {
			t.Errorf("GET / is not the embedded playground:\n%.500s", body)
		}
	})

	t.Run("UnknownPath404", func(t *testing.T) {
		if status, _, _ := httpGet(t, srv.URL+"/nope"); status != http.StatusNotFound {
			t.Fatalf("GET /nope = %d, want 404", status)
		}
	})

	t.Run("ErrUnauthenticated", func(t *testing.T) {
		for name, tok := range map[string]string{"NoToken": "", "BadToken": "rbt_not-a-real-token", "NotOurs": "xyz"} {
			t.Run(name, func(t *testing.T) {
				r := post(t, srv.URL, tok, `{ eventTypes { code } }`, nil)
				if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
					t.Fatalf("POST /graphql = %d %+v, want 401 UNAUTHENTICATED", r.Status, r.Errors)
				}
				if len(r.Data) != 0 && string(r.Data) != "null" {
					t.Errorf("unauthenticated response carries data %s", r.Data)
				}
			})
		}
		r := get(t, srv.URL, "", `{ eventTypes { code } }`)
		if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
			t.Fatalf("GET /graphql without token = %d %+v, want 401 UNAUTHENTICATED", r.Status, r.Errors)
		}
	})

	t.Run("RegisterAndReport", func(t *testing.T) {
		var cg struct {
			CreateCaregiver struct{ ID string } `json:"createCaregiver"`
		}
		post(t, srv.URL, srv.Token, `mutation($in: CreateCaregiverInput!) { createCaregiver(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": "Anna Andersson", "externalRef": "SE2321000016-1234"}}).mustData(t, &cg)

		var et struct {
			CreateEventType struct {
				ID    string
				Price money
			} `json:"createEventType"`
		}
		post(t, srv.URL, srv.Token, `mutation($in: CreateEventTypeInput!) { createEventType(input: $in) { id price { amount currency } } }`,
			map[string]any{"in": map[string]any{"code": "XRAY", "name": "X-ray", "price": "100.00"}}).mustData(t, &et)
		if et.CreateEventType.Price != (money{"100.00", "SEK"}) {
			t.Errorf("createEventType price = %+v, want 100.00 SEK", et.CreateEventType.Price)
		}

		var ev struct {
			RegisterEvent struct {
				ID     string
				Status string
				Amount money
			} `json:"registerEvent"`
		}
		occurred := time.Now().Add(-time.Hour).Format(time.RFC3339)
		post(t, srv.URL, srv.Token, `mutation($in: RegisterEventInput!) { registerEvent(input: $in) { id status amount { amount currency } } }`,
			map[string]any{"in": map[string]any{"eventTypeId": et.CreateEventType.ID, "caregiverId": cg.CreateCaregiver.ID, "occurredAt": occurred}}).mustData(t, &ev)
		if ev.RegisterEvent.Status != "PENDING" || ev.RegisterEvent.Amount != (money{"100.00", "SEK"}) {
			t.Errorf("registerEvent = %+v, want PENDING 100.00 SEK", ev.RegisterEvent)
		}

		var rep struct {
			Report struct {
				Currency string
				TimeZone string
				Totals   totals
				Months   []struct {
					Month      string
					Caregivers []struct {
						Caregiver struct{ ID string }
						Totals    totals
					}
				}
			}
		}
		post(t, srv.URL, srv.Token, `{ report {
			currency timeZone
			totals { eventCount amount { amount currency } pending { amount currency } reimbursed { amount currency } }
			months { month caregivers { caregiver { id } totals { eventCount amount { amount currency } pending { amount currency } reimbursed { amount currency } } } }
		} }`, nil).mustData(t, &rep)
		r := rep.Report
		if r.Currency != "SEK" || r.TimeZone != "UTC" {
			t.Errorf("report currency, timeZone = %q, %q; want SEK, UTC", r.Currency, r.TimeZone)
		}
		want := totals{EventCount: 1, Amount: money{"100.00", "SEK"}, Pending: money{"100.00", "SEK"}, Reimbursed: money{"0.00", "SEK"}}
		if r.Totals != want {
			t.Errorf("report totals = %+v, want %+v", r.Totals, want)
		}
		if len(r.Months) != 1 || len(r.Months[0].Caregivers) != 1 {
			t.Fatalf("report months = %+v, want one month with one caregiver", r.Months)
		}
		if m := r.Months[0]; m.Caregivers[0].Caregiver.ID != cg.CreateCaregiver.ID || m.Caregivers[0].Totals != want {
			t.Errorf("report month = %+v, want caregiver %s with %+v", m, cg.CreateCaregiver.ID, want)
		}
		if m := r.Months[0].Month; m != time.Now().Add(-time.Hour).UTC().Format("2006-01") {
			t.Errorf("report month = %q, want the month of the event", m)
		}
	})

	t.Run("GetTransport", func(t *testing.T) {
		var out struct{ EventTypes []struct{ Code string } }
		get(t, srv.URL, srv.Token, `{eventTypes{code}}`).mustData(t, &out)
		if len(out.EventTypes) != 1 || out.EventTypes[0].Code != "XRAY" {
			t.Fatalf("GET eventTypes = %+v, want [XRAY]", out.EventTypes)
		}
	})
}

type money struct {
	Amount   string
	Currency string
}

type totals struct {
	EventCount int
	Amount     money
	Pending    money
	Reimbursed money
}

// httpGet returns the status, Content-Type and body of a plain GET.
func httpGet(t testing.TB, u string) (int, string, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

// TestFirstStartToken checks that the first ADMIN token is printed on the
// first start only, and keeps working afterwards.
func TestFirstStartToken(t *testing.T) {
	db := tempDB(t)
	first := startServer(t, db)
	if first.Token == "" {
		t.Fatalf("first start printed no token; stdout:\n%s", first.Stdout)
	}
	if strings.Count(first.Stdout.String(), "rbt_") != 1 {
		t.Errorf("first start printed the token more than once:\n%s", first.Stdout)
	}
	if err := first.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	second := startServer(t, db)
	if out := second.Stdout.String(); second.Token != "" || strings.Contains(out, "rbt_") || strings.Contains(out, "Created") {
		t.Fatalf("second start printed a token:\n%s", out)
	}
	var out struct{ EventTypes []struct{ Code string } }
	post(t, second.URL, first.Token, `{ eventTypes { code } }`, nil).mustData(t, &out)
}

// TestGracefulShutdown cancels the context of an idle server that has served
// a keep-alive connection: run returns nil promptly and the port is closed.
func TestGracefulShutdown(t *testing.T) {
	srv := startServer(t, tempDB(t))
	if status, _, _ := httpGet(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Fatalf("healthz = %d", status)
	}
	start := time.Now()
	if err := srv.Stop(); err != nil {
		t.Fatalf("run returned %v, want nil", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %s, want a few seconds at most", d)
	}
	if log := srv.Stderr.String(); !strings.Contains(log, "msg=stopped") {
		t.Errorf("no stopped log line:\n%s", log)
	}
	c := &http.Client{Timeout: 2 * time.Second}
	if res, err := c.Get(srv.URL + "/healthz"); err == nil {
		res.Body.Close()
		t.Fatalf("server still answers after shutdown: %d", res.StatusCode)
	}
}

// TestEnvTwins checks that REIMBURSE_* variables stand in for missing flags,
// and that a flag beats its twin.
func TestEnvTwins(t *testing.T) {
	t.Run("EnvOnly", func(t *testing.T) {
		db := sqliteDB(t) // a file, to see which one was used
		env := map[string]string{"REIMBURSE_DB": db, "REIMBURSE_ADDR": "127.0.0.1:0", "REIMBURSE_TIMEZONE": "Europe/Stockholm"}
		for _, args := range [][]string{{"serve"}, {}} {
			srv := startRun(t, args, env)
			if _, err := os.Stat(db); err != nil {
				t.Fatalf("REIMBURSE_DB not used: %v", err)
			}
			if log := srv.Stderr.String(); !strings.Contains(log, "timezone=Europe/Stockholm") {
				t.Errorf("REIMBURSE_TIMEZONE not used:\n%s", log)
			}
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("FlagWins", func(t *testing.T) {
		db := sqliteDB(t)
		other := filepath.Join(t.TempDir(), "other.db")
		// An address that cannot be listened on: the test fails if it is used.
		env := map[string]string{"REIMBURSE_DB": other, "REIMBURSE_ADDR": "not-an-address"}
		srv := startRun(t, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, env)
		if srv.Token == "" {
			t.Errorf("no first-start token printed for a fresh --db")
		}
		if _, err := os.Stat(db); err != nil {
			t.Errorf("--db not used: %v", err)
		}
		if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("REIMBURSE_DB used although --db was given (stat: %v)", err)
		}
	})

	t.Run("ErrBadEnvValue", func(t *testing.T) {
		env := map[string]string{"REIMBURSE_DB": tempDB(t), "REIMBURSE_TIMEZONE": "Nowhere/Bogus"}
		_, _, err := runCmd(t, env, "migrate")
		if err == nil || !strings.Contains(err.Error(), "Nowhere/Bogus") {
			t.Fatalf("migrate with REIMBURSE_TIMEZONE=Nowhere/Bogus: err = %v, want one naming the zone", err)
		}
	})
}

// TestMaxBackdate checks --max-backdate and its twin REIMBURSE_MAX_BACKDATE:
// a CAREGIVER token may not register older events, an ADMIN token may.
func TestMaxBackdate(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"Flag": {args: []string{"--max-backdate", "1h"}},
		"Env":  {env: map[string]string{"REIMBURSE_MAX_BACKDATE": "1h"}},
	} {
		t.Run(name, func(t *testing.T) {
			db := tempDB(t)
			srv := startRun(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, tc.args...), tc.env)
			post(t, srv.URL, srv.Token, `mutation { createCaregiver(input: {name: "Anna"}) { id } }`, nil).mustData(t, &struct{}{})
			post(t, srv.URL, srv.Token, `mutation { createEventType(input: {code: "XRAY", name: "X-ray", price: "10.00"}) { id } }`, nil).mustData(t, &struct{}{})
			own := createToken(t, db, "--role", "CAREGIVER", "--caregiver", "1")
			const reg = `mutation($at: DateTime!) { registerEvent(input: {eventTypeId: "1", caregiverId: "1", occurredAt: $at}) { id } }`
			recent := time.Now().Add(-50 * time.Minute).UTC().Format(time.RFC3339)
			old := time.Now().Add(-70 * time.Minute).UTC().Format(time.RFC3339)
			post(t, srv.URL, own, reg, map[string]any{"at": recent}).mustData(t, &struct{}{})
			r := post(t, srv.URL, own, reg, map[string]any{"at": old})
			if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "input.occurredAt" {
				t.Fatalf("CAREGIVER registering 70 minutes back with a 1h bound: %+v, want BAD_USER_INPUT on input.occurredAt", r.Errors)
			}
			post(t, srv.URL, srv.Token, reg, map[string]any{"at": old}).mustData(t, &struct{}{})
		})
	}
	for _, bad := range []string{"0", "-1h", "a week"} {
		if _, _, err := runCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", tempDB(t), "--max-backdate", bad); err == nil || !strings.Contains(err.Error(), "max-backdate") {
			t.Errorf("--max-backdate %q: err = %v, want one naming --max-backdate", bad, err)
		}
	}
}
