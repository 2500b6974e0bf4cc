package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/internal/testsupport"
)

// TestErrorMessagesQuoteShort: a 9 MB bad value, whatever rejects it (our
// scalars, gqlparser's validation and variable coercion, gqlgen's request
// decoding), comes back as a short message with the right code, not whole.
func TestErrorMessagesQuoteShort(t *testing.T) {
	e := newEnv(t)
	big := strings.Repeat("x", 9<<20)
	digits := strings.Repeat("9", 9<<20)
	body := func(query string, vars map[string]any) string { return testsupport.GQLBody(t, query, vars) }
	named := func(query, op string) string {
		b, _ := json.Marshal(map[string]any{"query": query, "operationName": op})
		return string(b)
	}
	for _, c := range []struct {
		name, body, code string
	}{
		{"IDVariable", body(`query($id: ID!) { event(id: $id) { id } }`, map[string]any{"id": big}), "BAD_USER_INPUT"},
		{"IDLiteral", body(`{ event(id: "`+big+`") { id } }`, nil), "BAD_USER_INPUT"},
		{"IDNumber", `{"query":"query($id: ID!) { event(id: $id) { id } }","variables":{"id":` + digits + `}}`, "BAD_USER_INPUT"},
		{"DateTime", body(`query($t: DateTime) { report(from: $t) { currency } }`, map[string]any{"t": big}), "BAD_USER_INPUT"},
		{"DateTimeNumber", `{"query":"query($t: DateTime) { report(from: $t) { currency } }","variables":{"t":` + digits + `}}`, "BAD_USER_INPUT"},
		{"Decimal", body(`mutation($p: Decimal!) { createEventType(input: {code: "X", name: "X", price: $p}) { id } }`, map[string]any{"p": big}), "BAD_USER_INPUT"},
		{"YearMonth", body(`mutation($m: YearMonth!) { reimbursePending(through: $m) { id } }`, map[string]any{"m": big}), "BAD_USER_INPUT"},
		{"Cursor", body(`query($c: String) { events(after: $c) { edges { cursor } } }`, map[string]any{"c": big}), "BAD_USER_INPUT"},
		{"Enum", body(`query($s: EventStatus!) { events(filter: {statuses: [$s]}) { edges { cursor } } }`, map[string]any{"s": big}), "GRAPHQL_VALIDATION_FAILED"},
		// 1 MB: gqlparser's suggestions compare the name with every field.
		{"FieldName", body(`{ `+big[:1<<20]+` }`, nil), "GRAPHQL_VALIDATION_FAILED"},
		{"StringLiteral", body(`{ events(first: "`+big+`") { edges { cursor } } }`, nil), "GRAPHQL_VALIDATION_FAILED"},
		{"UnknownInputKey", body(`mutation($in: CreateCaregiverInput!) { createCaregiver(input: $in) { id } }`, map[string]any{"in": map[string]any{"name": "a", big: 1}}), "GRAPHQL_VALIDATION_FAILED"},
		{"OperationName", named(`query Q { __typename }`, big), "GRAPHQL_VALIDATION_FAILED"},
		{"BadJSON", `{"query": "` + big, "BAD_USER_INPUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.Raw(t, c.body, e.Authed())
			if len(r.Errors) == 0 || r.Errors[0].Extensions.Code != c.code {
				t.Fatalf("status %d, body %.300s; want %s", r.Status, r.Body, c.code)
			}
			if len(r.Body) > 1000 {
				t.Fatalf("a %d-byte response: %.400s", len(r.Body), r.Body)
			}
			for _, err := range r.Errors {
				if len(err.Message) > 250 {
					t.Errorf("a %d-byte message: %.300s", len(err.Message), err.Message)
				}
			}
			t.Logf("%d %s", r.Status, r.Body)
		})
	}
	if n := e.CountEvents(t); n != 0 {
		t.Fatalf("%d events", n)
	}
}
