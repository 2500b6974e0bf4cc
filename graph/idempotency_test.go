package graph_test

import (
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
)

// TestIdempotencyKeyBelongsToCaregiver: keys were global, so a caregiver
// who registered upload-2026-11-30-0001 blocked every other caregiver from
// that key (CONFLICT), which also told them the key was in use. Now each
// CAREGIVER token's key is its own: another caregiver's use of it neither
// conflicts nor returns the other's event, over registerEvent (group
// commit) and registerEvents alike; within one caregiver, replays and
// conflicts behave as before.
func TestIdempotencyKeyBelongsToCaregiver(t *testing.T) {
	e := newEnv(t)
	typ, ann, bo := e.EventType(t, "XRAY", "100.00"), e.Caregiver(t, "Ann"), e.Caregiver(t, "Bo")
	asAnn, asBo := e.as(t, model.RoleCaregiver, ann), e.as(t, model.RoleCaregiver, bo)
	const key = "upload-2026-11-30-0001"
	in := func(at string) map[string]any { // caregiverId omitted: the token's own
		return map[string]any{"eventTypeId": testsupport.ID(typ), "occurredAt": at, "idempotencyKey": key}
	}
	one := func(t *testing.T, c *env, v map[string]any) eventOut {
		t.Helper()
		var out struct{ RegisterEvent eventOut }
		c.MustQuery(t, `mutation($in: RegisterEventInput!) { registerEvent(input: $in) { id idempotencyKey caregiver { name } } }`, &out, client.Var("in", v))
		return out.RegisterEvent
	}
	many := func(t *testing.T, c *env, v map[string]any) eventOut {
		t.Helper()
		var out struct{ RegisterEvents []eventOut }
		c.MustQuery(t, `mutation($ins: [RegisterEventInput!]!) { registerEvents(inputs: $ins) { id idempotencyKey caregiver { name } } }`, &out, client.Var("ins", []any{v}))
		return out.RegisterEvents[0]
	}

	first := one(t, asAnn, in("2024-06-01T10:00:00Z"))
	// Bo uses Ann's key with another payload (his, at another time): his
	// own new event, nothing of Ann's.
	for name, register := range map[string]func(*testing.T, *env, map[string]any) eventOut{"registerEvent": one, "registerEvents": many} {
		t.Run(name, func(t *testing.T) {
			b := register(t, asBo, in("2024-06-02T10:00:00Z"))
			if b.ID == first.ID || b.Caregiver.Name != "Bo" || b.IdempotencyKey == nil || *b.IdempotencyKey != key {
				t.Fatalf("Bo's use of Ann's key gave %+v, want an event of his own", b)
			}
			if again := register(t, asBo, in("2024-06-02T10:00:00Z")); again.ID != b.ID {
				t.Fatalf("Bo's replay gave event %s, want his first, %s", again.ID, b.ID)
			}
			if again := register(t, asAnn, in("2024-06-01T10:00:00Z")); again.ID != first.ID {
				t.Fatalf("Ann's replay gave event %s, want her first, %s", again.ID, first.ID)
			}
		})
	}
	// The subtests share Bo's key, so the second gave the first's event.
	if n := e.CountEvents(t); n != 2 {
		t.Fatalf("%d events, want Ann's and Bo's", n)
	}
	asAnn.MustFail(t, "CONFLICT", "input.idempotencyKey", `mutation($in: RegisterEventInput!) { registerEvent(input: $in) { id } }`, client.Var("in", in("2024-06-03T10:00:00Z")))
	asBo.MustFail(t, "CONFLICT", "inputs[0].idempotencyKey", `mutation($ins: [RegisterEventInput!]!) { registerEvents(inputs: $ins) { id } }`, client.Var("ins", []any{in("2024-06-03T10:00:00Z")}))
}
