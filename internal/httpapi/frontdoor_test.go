package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

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
