package graph_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/testsupport"
)

func TestDecimalOutput(t *testing.T) {
	e := newEnv(t)
	for i, tc := range []struct{ in, want string }{
		{"1250.5", "1250.50"},
		{"1250.50", "1250.50"},
		{"100", "100.00"},
		{"0.05", "0.05"},
		{"7.1", "7.10"},
	} {
		var out struct {
			CreateEventType struct {
				Price struct{ Amount, Currency string }
			}
		}
		e.MustQuery(t, `mutation($p: Decimal!, $c: String!) { createEventType(input: {code: $c, name: "X", price: $p}) { price { amount currency } } }`,
			&out, client.Var("p", tc.in), client.Var("c", "T"+strconv.Itoa(i)))
		if got := out.CreateEventType.Price; got.Amount != tc.want || got.Currency != "SEK" {
			t.Errorf("price %q: got %+v, want amount %q in SEK", tc.in, got, tc.want)
		}
	}
}

// eventTypeCodes lists the codes of every event type.
func (e *env) eventTypeCodes(t testing.TB) []string {
	t.Helper()
	var out struct{ EventTypes []struct{ Code string } }
	e.MustQuery(t, `{ eventTypes { code } }`, &out)
	codes := make([]string, len(out.EventTypes))
	for i, et := range out.EventTypes {
		codes[i] = et.Code
	}
	return codes
}

func TestDecimalInputRejected(t *testing.T) {
	e := newEnv(t)
	e.EventType(t, "KEEP", "10.00")
	for _, bad := range []string{"12.345", "-5", "0", "abc", "1e3", "", "1.", ".5", " 1", "01", "1,5"} {
		t.Run("literal "+strconv.Quote(bad), func(t *testing.T) {
			e.MustFail(t, "BAD_USER_INPUT", "input.price",
				`mutation { createEventType(input: {code: "NEW", name: "New", price: `+strconv.Quote(bad)+`}) { id } }`)
		})
		t.Run("variable "+strconv.Quote(bad), func(t *testing.T) {
			e.MustFail(t, "BAD_USER_INPUT", "input.price",
				`mutation($in: CreateEventTypeInput!) { createEventType(input: $in) { id } }`,
				client.Var("in", map[string]any{"code": "NEW", "name": "New", "price": bad}))
		})
	}
	t.Run("number variable", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "input.price",
			`mutation($in: CreateEventTypeInput!) { createEventType(input: $in) { id } }`,
			client.Var("in", map[string]any{"code": "NEW", "name": "New", "price": 12.5}))
		e.MustFail(t, "BAD_USER_INPUT", "input.price",
			`mutation($p: Decimal!) { createEventType(input: {code: "NEW", name: "New", price: $p}) { id } }`,
			client.Var("p", json.Number("12")))
	})
	if got := e.eventTypeCodes(t); len(got) != 1 || got[0] != "KEEP" {
		t.Fatalf("eventTypes after rejected inputs = %v, want [KEEP]", got)
	}
}

func TestDateTime(t *testing.T) {
	e := newEnv(t)
	typ, cg := e.EventType(t, "XRAY", "100.00"), e.Caregiver(t, "Ann")
	register := `mutation($in: RegisterEventInput!) { registerEvent(input: $in) { id occurredAt } }`
	in := func(at any) map[string]any {
		return map[string]any{"eventTypeId": testsupport.ID(typ), "caregiverId": testsupport.ID(cg), "occurredAt": at}
	}

	t.Run("OK offset comes back in UTC", func(t *testing.T) {
		var out struct{ RegisterEvent struct{ OccurredAt string } }
		e.MustQuery(t, register, &out, client.Var("in", in("2024-03-01T09:30:00+01:00")))
		if got := out.RegisterEvent.OccurredAt; got != "2024-03-01T08:30:00Z" {
			t.Fatalf("occurredAt = %q, want 2024-03-01T08:30:00Z", got)
		}
	})
	t.Run("OK fraction kept to the microsecond", func(t *testing.T) {
		var out struct{ RegisterEvent struct{ OccurredAt string } }
		e.MustQuery(t, register, &out, client.Var("in", in("2024-03-01T09:30:00.1234567Z")))
		if got := out.RegisterEvent.OccurredAt; got != "2024-03-01T09:30:00.123456Z" {
			t.Fatalf("occurredAt = %q, want 2024-03-01T09:30:00.123456Z", got)
		}
	})

	bad := []any{"2024-03-01T09:30:00", "2024-02-30T10:00:00Z", "garbage", "", "2024-03-01", "2024-03-01 09:30:00Z", 1709285400}
	for _, b := range bad {
		name := func() string { s, _ := json.Marshal(b); return string(s) }()
		t.Run("registerEvent "+name, func(t *testing.T) {
			e.MustFail(t, "BAD_USER_INPUT", "input.occurredAt", register, client.Var("in", in(b)))
		})
		t.Run("registerEvents "+name, func(t *testing.T) {
			r := e.Post(t, `mutation($ins: [RegisterEventInput!]!) { registerEvents(inputs: $ins) { id } }`,
				client.Var("ins", []any{in("2024-03-01T09:30:00Z"), in(b)}))
			testsupport.RequireOne(t, r.Errors, "BAD_USER_INPUT", "inputs[1].occurredAt")
			if string(r.Data) != `{"registerEvents":null}` {
				t.Fatalf("data = %s, want registerEvents null", r.Data)
			}
		})
	}
	t.Run("literal without offset", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "input.occurredAt",
			`mutation { registerEvent(input: {eventTypeId: "`+testsupport.ID(typ)+`", caregiverId: "`+testsupport.ID(cg)+`", occurredAt: "2024-03-01T09:30:00"}) { id } }`)
	})
	if n := e.CountEvents(t); n != 2 {
		t.Fatalf("events = %d, want the 2 good registrations only", n)
	}
}

func TestYearMonth(t *testing.T) {
	e := newEnv(t)
	typ, cg := e.EventType(t, "XRAY", "100.00"), e.Caregiver(t, "Ann")
	e.Register(t, testsupport.Event(typ, cg, testsupport.UTC(2024, 3, 10, 9, 0)))
	for _, bad := range []string{"2024-13", "2024-3", "24-03", "2024-00", "2024/03", "", "2024-03-01"} {
		t.Run(strconv.Quote(bad), func(t *testing.T) {
			e.MustFail(t, "BAD_USER_INPUT", "through",
				`mutation($m: YearMonth!) { reimbursePending(through: $m) { id } }`, client.Var("m", bad))
		})
	}
	t.Run("OK", func(t *testing.T) {
		var out struct {
			Report struct{ Months []struct{ Month string } }
		}
		e.MustQuery(t, `{ report { months { month } } }`, &out)
		if len(out.Report.Months) != 1 || out.Report.Months[0].Month != "2024-03" {
			t.Fatalf("months = %+v, want [2024-03]", out.Report.Months)
		}
	})
}
