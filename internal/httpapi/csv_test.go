package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestMonthlyCSV(t *testing.T) {
	e := newObsEnv(t)
	seedObs(t, e)
	// Stockholm-offset inputs: 2024-02-29T23:30 UTC is March in Stockholm
	// but the deployment zone is UTC, so it is February here.
	reg := `{"query":"mutation { registerEvents(inputs:[` +
		`{eventTypeId:\"1\", caregiverId:\"1\", occurredAt:\"2024-02-29T23:30:00Z\"},` +
		`{eventTypeId:\"1\", caregiverId:\"1\", occurredAt:\"2024-03-01T09:30:00+01:00\"},` +
		`{eventTypeId:\"1\", caregiverId:\"2\", occurredAt:\"2024-03-05T09:30:00+01:00\"},` +
		`{eventTypeId:\"1\", caregiverId:\"2\", occurredAt:\"2024-03-06T09:30:00+01:00\"}]){id} }"}`
	mustContain(t, e.post(t, reg), `{"id":"4"}`)
	mustContain(t, e.post(t, `{"query":"mutation { reimburseEvents(ids:[\"3\"]){id} }"}`), `"reimburseEvents"`)
	mustContain(t, e.post(t, `{"query":"mutation { voidEvent(id:\"4\", reason:\"dup\"){id} }"}`), `"voidEvent"`)

	t.Run("OK", func(t *testing.T) {
		resp, body := e.get(t, "/reports/monthly.csv?from=2024-01-01T00:00:00%2B01:00&to=2024-04-01T00:00:00Z", e.secret)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="reimburse-monthly-20231231-20240401.csv"` {
			t.Fatalf("Content-Disposition = %q", cd)
		}
		want := "month,caregiver_id,caregiver_name,event_count,amount,reimbursed,pending,currency\n" +
			"2024-02,1,Anna,1,1250.50,0.00,1250.50,SEK\n" +
			"2024-03,1,Anna,1,1250.50,0.00,1250.50,SEK\n" +
			"2024-03,2,\"'=Bo, \"\"B\"\"\",1,1250.50,1250.50,0.00,SEK\n"
		if body != want {
			t.Fatalf("body:\n%s\nwant:\n%s", body, want)
		}
	})
	t.Run("SameAsReport", func(t *testing.T) {
		out := e.post(t, `{"query":"{ report(caregiverIds:[\"2\"]) { months { month caregivers { totals { eventCount amount { amount } reimbursed { amount } pending { amount } } } } } }"}`)
		mustContain(t, out, `{"month":"2024-03","caregivers":[{"totals":{"eventCount":1,"amount":{"amount":"1250.50"},"reimbursed":{"amount":"1250.50"},"pending":{"amount":"0.00"}}}]}`)
		_, body := e.get(t, "/reports/monthly.csv?caregiverIds=2", e.secret)
		mustContain(t, body, "2024-03,2,\"'=Bo, \"\"B\"\"\",1,1250.50,1250.50,0.00,SEK\n")
		if strings.Count(body, "\n") != 2 {
			t.Fatalf("want header and one row:\n%s", body)
		}
	})
	t.Run("RepeatedAndCommaIDs", func(t *testing.T) {
		_, a := e.get(t, "/reports/monthly.csv?caregiverIds=1,2", e.secret)
		_, b := e.get(t, "/reports/monthly.csv?caregiverIds=1&caregiverIds=2", e.secret)
		if a != b || strings.Count(a, "\n") != 4 {
			t.Fatalf("comma and repeated ids differ:\n%s\n%s", a, b)
		}
	})
	t.Run("EmptyList", func(t *testing.T) {
		_, body := e.get(t, "/reports/monthly.csv?caregiverIds=", e.secret)
		if body != "month,caregiver_id,caregiver_name,event_count,amount,reimbursed,pending,currency\n" {
			t.Fatalf("want only the header, got:\n%s", body)
		}
	})
	for _, c := range []struct{ name, query, field, code string }{
		{"ErrFromWithoutOffset", "from=2024-01-01T00:00:00", "from", "BAD_USER_INPUT"},
		{"ErrBadID", "caregiverIds=1,x", "caregiverIds", "BAD_USER_INPUT"},
		{"ErrUnknownID", "caregiverIds=1,99", "caregiverIds", "BAD_USER_INPUT"},
		{"ErrToBeforeFrom", "from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z", "to", "BAD_USER_INPUT"},
		// Parameters are read strictly: a typo or a foreign list syntax must
		// not widen the export to every caregiver.
		{"ErrUnknownParam", "caregiverId=1", "caregiverId", "BAD_USER_INPUT"},
		{"ErrUnknownParamForm", "form=2024-01-01T00:00:00Z", "form", "BAD_USER_INPUT"},
		{"ErrUnknownParamCase", "CaregiverIds=1", "CaregiverIds", "BAD_USER_INPUT"},
		{"ErrSemicolonList", "caregiverIds=1;2", "caregiverIds", "BAD_USER_INPUT"},
		{"ErrSemicolonAfterValid", "caregiverIds=1&x;y=2", "x;y", "BAD_USER_INPUT"},
		{"ErrEmptyItem", "caregiverIds=1,,2", "caregiverIds", "BAD_USER_INPUT"},
		{"ErrTrailingComma", "caregiverIds=1,", "caregiverIds", "BAD_USER_INPUT"},
		{"ErrSpaceList", "caregiverIds=1+2", "caregiverIds", "BAD_USER_INPUT"},
		{"ErrRepeatedFrom", "from=2024-01-01T00:00:00Z&from=2024-02-01T00:00:00Z", "from", "BAD_USER_INPUT"},
		{"ErrRepeatedTo", "to=2024-01-01T00:00:00Z&to=2024-01-01T00:00:00Z", "to", "BAD_USER_INPUT"},
		{"ErrBadEscape", "caregiverIds=%zz", "caregiverIds", "BAD_USER_INPUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.get(t, "/reports/monthly.csv?"+c.query, e.secret)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			mustContain(t, body, `"code":"`+c.code+`"`, `"field":"`+c.field+`"`)
		})
	}
	t.Run("ErrLongValueQuotedShort", func(t *testing.T) {
		for _, q := range []string{"caregiverIds=" + strings.Repeat("9", 200000) + "x", strings.Repeat("y", 200000) + "=1",
			"from=" + strings.Repeat("2", 200000)} {
			resp, body := e.get(t, "/reports/monthly.csv?"+q, e.secret)
			if resp.StatusCode != http.StatusBadRequest || len(body) > 600 || !strings.Contains(body, `"code":"BAD_USER_INPUT"`) {
				t.Fatalf("status %d, %d bytes: %.400s", resp.StatusCode, len(body), body)
			}
		}
	})
	t.Run("ErrWrongMethod", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/reports/monthly.csv", strings.NewReader("caregiverIds=1"))
		req.Header.Set("Authorization", "Bearer "+e.secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Fatalf("POST: %d Allow %q; want 405 Allow \"GET, HEAD\"", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
	t.Run("ErrUnauthenticated", func(t *testing.T) {
		resp, body := e.get(t, "/reports/monthly.csv", "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", resp.StatusCode)
		}
		mustContain(t, body, `"code":"UNAUTHENTICATED"`)
		resp, _ = e.get(t, "/reports/monthly.csv", "rbt_wrong")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}
