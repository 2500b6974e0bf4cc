package graph_test

import (
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/testsupport"
)

func TestCreateCaregiver(t *testing.T) {
	e := newEnv(t)
	const create = `mutation($in: CreateCaregiverInput!) { createCaregiver(input: $in) { id name externalRef createdAt } }`
	t.Run("OK", func(t *testing.T) {
		var out struct {
			CreateCaregiver struct {
				ID, Name, CreatedAt string
				ExternalRef         *string
			}
		}
		e.MustQuery(t, create, &out, client.Var("in", map[string]any{"name": "  Dr. Ann  ", "externalRef": "SE123"}))
		c := out.CreateCaregiver
		if c.ID == "" || c.Name != "Dr. Ann" || c.ExternalRef == nil || *c.ExternalRef != "SE123" || c.CreatedAt != "2024-06-15T12:00:00Z" {
			t.Fatalf("createCaregiver = %+v", c)
		}
		var got struct{ Caregiver struct{ Name string } }
		e.MustQuery(t, `query($id: ID!) { caregiver(id: $id) { name } }`, &got, client.Var("id", c.ID))
		if got.Caregiver.Name != "Dr. Ann" {
			t.Fatalf("caregiver(%s).name = %q", c.ID, got.Caregiver.Name)
		}
	})
	t.Run("OK without externalRef", func(t *testing.T) {
		var out struct{ CreateCaregiver struct{ ExternalRef *string } }
		e.MustQuery(t, create, &out, client.Var("in", map[string]any{"name": "Bo"}))
		if out.CreateCaregiver.ExternalRef != nil {
			t.Fatalf("externalRef = %q, want null", *out.CreateCaregiver.ExternalRef)
		}
	})
	t.Run("ErrNameRequired", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "input.name", create, client.Var("in", map[string]any{"name": "   "}))
	})
	t.Run("ErrExternalRefTaken", func(t *testing.T) {
		e.MustFail(t, "CONFLICT", "input.externalRef", create, client.Var("in", map[string]any{"name": "Cy", "externalRef": "SE123"}))
	})
}

func TestCreateEventType(t *testing.T) {
	e := newEnv(t)
	const create = `mutation($in: CreateEventTypeInput!) { createEventType(input: $in) { id code name price { amount } prices { price { amount } effectiveFrom } createdAt } }`
	t.Run("OK", func(t *testing.T) {
		var out struct {
			CreateEventType struct {
				ID, Code, Name, CreatedAt string
				Price                     struct{ Amount string }
				Prices                    []struct {
					Price         struct{ Amount string }
					EffectiveFrom *string
				}
			}
		}
		e.MustQuery(t, create, &out, client.Var("in", map[string]any{"code": "XRAY", "name": "X-ray", "price": "1250.5"}))
		et := out.CreateEventType
		if et.Code != "XRAY" || et.Name != "X-ray" || et.Price.Amount != "1250.50" || et.CreatedAt != "2024-06-15T12:00:00Z" ||
			len(et.Prices) != 1 || et.Prices[0].Price.Amount != "1250.50" || et.Prices[0].EffectiveFrom != nil {
			t.Fatalf("createEventType = %+v", et)
		}
	})
	t.Run("ErrCodeTaken", func(t *testing.T) {
		e.MustFail(t, "CONFLICT", "input.code", create, client.Var("in", map[string]any{"code": "XRAY", "name": "Again", "price": "1.00"}))
	})
	t.Run("ErrCodeInvalid", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "input.code", create, client.Var("in", map[string]any{"code": "x-ray", "name": "X", "price": "1.00"}))
	})
	t.Run("ErrEveryBadField", func(t *testing.T) {
		r := e.Post(t, create, client.Var("in", map[string]any{"code": "bad code", "name": " ", "price": "-1.00"}))
		if len(r.Errors) != 3 {
			t.Fatalf("errors %+v, want 3", r.Errors)
		}
		for i, field := range []string{"input.code", "input.name", "input.price"} {
			testsupport.RequireCode(t, r.Errors[i], "BAD_USER_INPUT", field)
		}
	})
	if got := e.eventTypeCodes(t); len(got) != 1 {
		t.Fatalf("eventTypes = %v, want only XRAY", got)
	}
}

func TestSetEventTypePrice(t *testing.T) {
	e := newEnv(t)
	typ := e.EventType(t, "XRAY", "100.00")
	const set = `mutation($in: SetEventTypePriceInput!) { setEventTypePrice(input: $in) { price { amount } prices { price { amount } effectiveFrom } } }`
	setPrice := func(price, from string) {
		t.Helper()
		e.MustQuery(t, set, nil, client.Var("in", map[string]any{"eventTypeId": testsupport.ID(typ), "price": price, "effectiveFrom": from}))
	}
	// Added out of order: the history must still list them oldest first.
	setPrice("300.00", "2024-09-01T00:00:00Z") // in the future of the pinned now
	setPrice("150.00", "2024-01-01T00:00:00+01:00")
	setPrice("200.00", "2024-05-01T00:00:00Z")

	var out struct {
		EventType struct {
			Price  struct{ Amount string }
			Before *struct{ Amount string }
			Jan    *struct{ Amount string }
			Sep    *struct{ Amount string }
			Prices []struct {
				Price         struct{ Amount string }
				EffectiveFrom *string
			}
		}
	}
	e.MustQuery(t, `query($id: ID!) { eventType(id: $id) {
		price { amount }
		before: priceAt(at: "2000-01-01T00:00:00Z") { amount }
		jan: priceAt(at: "2023-12-31T23:00:00Z") { amount }
		sep: priceAt(at: "2024-09-01T00:00:00Z") { amount }
		prices { price { amount } effectiveFrom } } }`, &out, client.Var("id", testsupport.ID(typ)))
	et := out.EventType
	if et.Price.Amount != "200.00" {
		t.Errorf("price (in force at the pinned now) = %q, want 200.00", et.Price.Amount)
	}
	if et.Before == nil || et.Before.Amount != "100.00" || et.Jan == nil || et.Jan.Amount != "150.00" || et.Sep == nil || et.Sep.Amount != "300.00" {
		t.Errorf("priceAt = before %v, jan %v, sep %v; want 100.00, 150.00, 300.00", et.Before, et.Jan, et.Sep)
	}
	want := []struct{ amount, from string }{{"100.00", ""}, {"150.00", "2023-12-31T23:00:00Z"}, {"200.00", "2024-05-01T00:00:00Z"}, {"300.00", "2024-09-01T00:00:00Z"}}
	if len(et.Prices) != len(want) {
		t.Fatalf("prices = %+v, want %d entries", et.Prices, len(want))
	}
	for i, w := range want {
		p := et.Prices[i]
		from := ""
		if p.EffectiveFrom != nil {
			from = *p.EffectiveFrom
		}
		if p.Price.Amount != w.amount || from != w.from {
			t.Errorf("prices[%d] = %s from %q, want %s from %q", i, p.Price.Amount, from, w.amount, w.from)
		}
	}

	t.Run("ErrSameEffectiveFrom", func(t *testing.T) {
		e.MustFail(t, "CONFLICT", "input.effectiveFrom", set,
			client.Var("in", map[string]any{"eventTypeId": testsupport.ID(typ), "price": "1.00", "effectiveFrom": "2024-05-01T02:00:00+02:00"}))
	})
	t.Run("ErrPriceNotPositive", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "input.price", set,
			client.Var("in", map[string]any{"eventTypeId": testsupport.ID(typ), "price": "0.00", "effectiveFrom": "2024-07-01T00:00:00Z"}))
	})
	t.Run("ErrUnknownType", func(t *testing.T) {
		e.MustFail(t, "NOT_FOUND", "input.eventTypeId", set,
			client.Var("in", map[string]any{"eventTypeId": "999", "price": "1.00", "effectiveFrom": "2024-07-01T00:00:00Z"}))
	})
}

// regIn is a RegisterEventInput variable.
func regIn(typ, cg int64, at string) map[string]any {
	return map[string]any{"eventTypeId": testsupport.ID(typ), "caregiverId": testsupport.ID(cg), "occurredAt": at}
}

const registerOne = `mutation($in: RegisterEventInput!) { registerEvent(input: $in) {
	id occurredAt amount { amount currency } status registeredAt reimbursedAt reimbursement { id }
	voidedAt voidReason idempotencyKey type { code } caregiver { name } } }`

const registerMany = `mutation($ins: [RegisterEventInput!]!) { registerEvents(inputs: $ins) { id amount { amount } type { code } caregiver { name } } }`

type eventOut struct {
	ID, OccurredAt, Status, RegisteredAt string
	Amount                               struct{ Amount, Currency string }
	ReimbursedAt, VoidedAt, VoidReason   *string
	IdempotencyKey                       *string
	Reimbursement                        *struct{ ID string }
	Type                                 struct{ Code string }
	Caregiver                            struct{ Name string }
}

func TestRegisterEvent(t *testing.T) {
	e := newEnv(t)
	typ, cg := e.EventType(t, "XRAY", "100.00"), e.Caregiver(t, "Ann")
	e.MustQuery(t, `mutation($id: ID!) { setEventTypePrice(input: {eventTypeId: $id, price: "125.50", effectiveFrom: "2024-04-01T00:00:00Z"}) { id } }`,
		nil, client.Var("id", testsupport.ID(typ)))

	var march, april struct{ RegisterEvent eventOut }
	e.MustQuery(t, registerOne, &march, client.Var("in", regIn(typ, cg, "2024-03-31T23:59:59Z")))
	e.MustQuery(t, registerOne, &april, client.Var("in", regIn(typ, cg, "2024-04-01T00:00:00Z")))
	if m := march.RegisterEvent; m.Amount.Amount != "100.00" || m.Amount.Currency != "SEK" || m.Status != "PENDING" ||
		m.RegisteredAt != "2024-06-15T12:00:00Z" || m.ReimbursedAt != nil || m.Reimbursement != nil || m.VoidedAt != nil ||
		m.VoidReason != nil || m.IdempotencyKey != nil || m.Type.Code != "XRAY" || m.Caregiver.Name != "Ann" {
		t.Fatalf("march event = %+v", m)
	}
	if a := april.RegisterEvent.Amount.Amount; a != "125.50" {
		t.Fatalf("april amount = %q, want 125.50 (the price in force at occurredAt)", a)
	}

	// A later price change rewrites no registered amount.
	e.MustQuery(t, `mutation($id: ID!) { setEventTypePrice(input: {eventTypeId: $id, price: "999.00", effectiveFrom: "2024-01-01T00:00:00Z"}) { id } }`,
		nil, client.Var("id", testsupport.ID(typ)))
	for _, w := range []struct{ id, amount string }{{march.RegisterEvent.ID, "100.00"}, {april.RegisterEvent.ID, "125.50"}} {
		var got struct {
			Event struct{ Amount struct{ Amount string } }
		}
		e.MustQuery(t, `query($id: ID!) { event(id: $id) { amount { amount } } }`, &got, client.Var("id", w.id))
		if got.Event.Amount.Amount != w.amount {
			t.Errorf("event %s amount after a price change = %q, want %q", w.id, got.Event.Amount.Amount, w.amount)
		}
	}

	t.Run("OK five minutes ahead", func(t *testing.T) {
		e.MustQuery(t, registerOne, nil, client.Var("in", regIn(typ, cg, "2024-06-15T12:05:00Z")))
	})
	t.Run("ErrTooFarInFuture", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "input.occurredAt", registerOne, client.Var("in", regIn(typ, cg, "2024-06-15T12:05:00.000001Z")))
	})
	t.Run("ErrUnknownEventType", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "input.eventTypeId", registerOne, client.Var("in", regIn(999, cg, "2024-03-01T00:00:00Z")))
	})
	t.Run("ErrUnknownCaregiver", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "input.caregiverId", registerOne, client.Var("in", regIn(typ, 999, "2024-03-01T00:00:00Z")))
	})
	t.Run("ErrMalformedID", func(t *testing.T) {
		in := regIn(typ, cg, "2024-03-01T00:00:00Z")
		in["eventTypeId"] = "abc"
		e.MustFail(t, "BAD_USER_INPUT", "input.eventTypeId", registerOne, client.Var("in", in))
	})
	t.Run("ErrCaregiverRequiredForAdmin", func(t *testing.T) {
		in := regIn(typ, cg, "2024-03-01T00:00:00Z")
		delete(in, "caregiverId")
		e.MustFail(t, "BAD_USER_INPUT", "input.caregiverId", registerOne, client.Var("in", in))
	})
	if n := e.CountEvents(t); n != 3 {
		t.Fatalf("events = %d, want 3", n)
	}
}

func TestRegisterEventIdempotency(t *testing.T) {
	e := newEnv(t)
	typ, cg, other := e.EventType(t, "XRAY", "100.00"), e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo")
	in := regIn(typ, cg, "2024-03-01T10:00:00Z")
	in["idempotencyKey"] = "upload-1/row-7"

	var first, again struct{ RegisterEvent eventOut }
	e.MustQuery(t, registerOne, &first, client.Var("in", in))
	if k := first.RegisterEvent.IdempotencyKey; k == nil || *k != "upload-1/row-7" {
		t.Fatalf("idempotencyKey = %v", k)
	}
	same := regIn(typ, cg, "2024-03-01T11:00:00+01:00") // the same instant
	same["idempotencyKey"] = "upload-1/row-7"
	e.MustQuery(t, registerOne, &again, client.Var("in", same))
	if again.RegisterEvent.ID != first.RegisterEvent.ID {
		t.Fatalf("retry registered event %s, want the first, %s", again.RegisterEvent.ID, first.RegisterEvent.ID)
	}
	if n := e.CountEvents(t); n != 1 {
		t.Fatalf("events after a retry = %d, want 1", n)
	}

	t.Run("ErrConflict other time", func(t *testing.T) {
		v := regIn(typ, cg, "2024-03-01T10:00:01Z")
		v["idempotencyKey"] = "upload-1/row-7"
		e.MustFail(t, "CONFLICT", "input.idempotencyKey", registerOne, client.Var("in", v))
	})
	t.Run("OK other caregiver's key", func(t *testing.T) {
		// Keys belong to their caregiver: Bo's is another key.
		v := regIn(typ, other, "2024-03-01T10:00:00Z")
		v["idempotencyKey"] = "upload-1/row-7"
		var out struct{ RegisterEvent eventOut }
		e.MustQuery(t, registerOne, &out, client.Var("in", v))
		if out.RegisterEvent.ID == first.RegisterEvent.ID || out.RegisterEvent.Caregiver.Name != "Bo" {
			t.Fatalf("Bo's use of the key gave %+v, want an event of Bo's", out.RegisterEvent)
		}
	})
	t.Run("ErrConflict within a batch", func(t *testing.T) {
		a, b := regIn(typ, cg, "2024-03-02T10:00:00Z"), regIn(typ, cg, "2024-03-02T10:30:00Z")
		a["idempotencyKey"], b["idempotencyKey"] = "k2", "k2"
		r := e.Post(t, registerMany, client.Var("ins", []any{a, b}))
		testsupport.RequireOne(t, r.Errors, "CONFLICT", "inputs[1].idempotencyKey")
	})
	t.Run("OK repeated within a batch", func(t *testing.T) {
		a, b := regIn(typ, cg, "2024-03-03T10:00:00Z"), regIn(typ, cg, "2024-03-03T10:00:00Z")
		a["idempotencyKey"], b["idempotencyKey"] = "k3", "k3"
		var out struct{ RegisterEvents []eventOut }
		e.MustQuery(t, registerMany, &out, client.Var("ins", []any{a, b}))
		if len(out.RegisterEvents) != 2 || out.RegisterEvents[0].ID != out.RegisterEvents[1].ID {
			t.Fatalf("registerEvents = %+v, want the same event twice", out.RegisterEvents)
		}
	})
	if n := e.CountEvents(t); n != 3 {
		t.Fatalf("events = %d, want 3", n)
	}
}

func TestRegisterEvents(t *testing.T) {
	e := newEnv(t)
	xray, lab := e.EventType(t, "XRAY", "1250.50"), e.EventType(t, "LAB", "80.00")
	ann, bo := e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo")

	t.Run("OK", func(t *testing.T) {
		var out struct{ RegisterEvents []eventOut }
		e.MustQuery(t, registerMany, &out, client.Var("ins", []any{
			regIn(xray, ann, "2024-03-01T10:00:00Z"), regIn(lab, bo, "2024-03-02T10:00:00Z"), regIn(lab, ann, "2024-03-03T10:00:00Z"),
		}))
		want := []struct{ code, name, amount string }{{"XRAY", "Ann", "1250.50"}, {"LAB", "Bo", "80.00"}, {"LAB", "Ann", "80.00"}}
		if len(out.RegisterEvents) != len(want) {
			t.Fatalf("registerEvents returned %d events, want 3", len(out.RegisterEvents))
		}
		for i, w := range want {
			g := out.RegisterEvents[i]
			if g.ID == "" || g.Type.Code != w.code || g.Caregiver.Name != w.name || g.Amount.Amount != w.amount {
				t.Errorf("event %d = %+v, want %+v", i, g, w)
			}
		}
	})

	t.Run("ErrOneBadItem", func(t *testing.T) {
		r := e.Post(t, registerMany, client.Var("ins", []any{
			regIn(xray, ann, "2024-04-01T10:00:00Z"), regIn(xray, ann, "2024-04-02T10:00:00Z"),
			regIn(xray, ann, "2030-01-01T00:00:00Z"), regIn(xray, ann, "2024-04-04T10:00:00Z"),
		}))
		testsupport.RequireOne(t, r.Errors, "BAD_USER_INPUT", "inputs[2].occurredAt")
		if string(r.Data) != `{"registerEvents":null}` {
			t.Fatalf("data = %s, want registerEvents null", r.Data)
		}
	})
	t.Run("ErrTwoBadItems", func(t *testing.T) {
		r := e.Post(t, registerMany, client.Var("ins", []any{
			regIn(xray, ann, "2024-04-01T10:00:00Z"), regIn(999, ann, "2024-04-02T10:00:00Z"),
			regIn(xray, ann, "2024-04-03T10:00:00Z"), regIn(xray, 999, "2024-04-04T10:00:00Z"),
		}))
		if len(r.Errors) != 2 {
			t.Fatalf("got %d errors, want 2: %+v", len(r.Errors), r.Errors)
		}
		testsupport.RequireCode(t, r.Errors[0], "BAD_USER_INPUT", "inputs[1].eventTypeId")
		testsupport.RequireCode(t, r.Errors[1], "BAD_USER_INPUT", "inputs[3].caregiverId")
	})
	t.Run("ErrCaregiverRequired", func(t *testing.T) {
		in := regIn(xray, ann, "2024-04-01T10:00:00Z")
		delete(in, "caregiverId")
		r := e.Post(t, registerMany, client.Var("ins", []any{regIn(xray, ann, "2024-04-01T10:00:00Z"), in}))
		testsupport.RequireOne(t, r.Errors, "BAD_USER_INPUT", "inputs[1].caregiverId")
	})
	t.Run("ErrManyBadItemsBounded", func(t *testing.T) {
		ins := make([]any, 150)
		for i := range ins {
			ins[i] = regIn(999, ann, "2024-04-01T10:00:00Z")
		}
		r := e.Post(t, registerMany, client.Var("ins", ins))
		// 100 items are listed, plus one error counting the other 50.
		if len(r.Errors) != 101 {
			t.Fatalf("got %d errors for 150 bad items, want 101", len(r.Errors))
		}
		summary := 0
		for _, err := range r.Errors {
			if err.Extensions.Code != "BAD_USER_INPUT" {
				t.Fatalf("error %+v, want BAD_USER_INPUT", err)
			}
			if err.Message == "50 more errors not listed" && err.Extensions.Field == "inputs" {
				summary++
			}
		}
		if summary != 1 {
			t.Fatalf("errors %+v lack one \"50 more errors not listed\"", r.Errors)
		}
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		e.MustFail(t, "BAD_USER_INPUT", "inputs", registerMany, client.Var("ins", []any{}))
	})
	t.Run("ErrTooMany", func(t *testing.T) {
		ins := make([]any, 10001)
		for i := range ins {
			ins[i] = regIn(xray, ann, "2024-05-01T10:00:"+strconv.Itoa(10+i%50)+"Z")
		}
		e.MustFail(t, "BAD_USER_INPUT", "inputs", registerMany, client.Var("ins", ins))
	})
	if n := e.CountEvents(t); n != 3 {
		t.Fatalf("events = %d, want only the 3 of the OK batch", n)
	}
}
