package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"github.com/vektah/gqlparser/v2/ast"
)

// as returns a copy of e whose client sends a new token of role (bound to
// caregiver cg for CAREGIVER).
func (e *env) as(t testing.TB, role model.Role, cg int64) *env {
	t.Helper()
	in := model.NewToken{Role: role, Name: "test " + strings.ToLower(string(role))}
	if role == model.RoleCaregiver {
		in.CaregiverID = &cg
	}
	secret, _, err := e.S.CreateToken(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	c := *e
	c.Secret = secret
	c.C = client.New(e.H, client.AddHeader("Authorization", "Bearer "+secret))
	return &c
}

// authzFixture is the data of the role tests: caregivers A and B, type T,
// a PENDING event of each (EA, EB), and one payout R that reimbursed a
// second event of each, so that it spans both caregivers.
type authzFixture struct {
	A, B, T, EA, EB, EAR, EBR, R int64
	admin, accountant, caregiver *env // caregiver is bound to A
}

func newAuthzFixture(t testing.TB) *authzFixture {
	t.Helper()
	e := newEnv(t)
	f := &authzFixture{admin: e}
	f.A, f.B, f.T = e.Caregiver(t, "Anna"), e.Caregiver(t, "Bo"), e.EventType(t, "XRAY", "100.00")
	ids := e.Register(t, testsupport.Event(f.T, f.A, testsupport.UTC(2024, 6, 1, 9, 0)), testsupport.Event(f.T, f.B, testsupport.UTC(2024, 6, 2, 9, 0)),
		testsupport.Event(f.T, f.A, testsupport.UTC(2024, 5, 1, 9, 0)), testsupport.Event(f.T, f.B, testsupport.UTC(2024, 5, 2, 9, 0)))
	f.EA, f.EB, f.EAR, f.EBR = ids[0], ids[1], ids[2], ids[3]
	p, err := e.S.Authenticate(context.Background(), e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	re, err := e.S.ReimburseEvents(context.Background(), *p, []int64{f.EAR, f.EBR})
	if err != nil {
		t.Fatal(err)
	}
	f.R = re.ID
	f.accountant = e.as(t, model.RoleAccountant, 0)
	f.caregiver = e.as(t, model.RoleCaregiver, f.A)
	return f
}

// doc fills the fixture's ids into a document: {A} {B} {T} {EA} {EB} {R}.
func (f *authzFixture) doc(s string) string {
	return strings.NewReplacer("{A}", testsupport.ID(f.A), "{B}", testsupport.ID(f.B), "{T}", testsupport.ID(f.T), "{EA}", testsupport.ID(f.EA), "{EB}", testsupport.ID(f.EB),
		"{EAR}", testsupport.ID(f.EAR), "{R}", testsupport.ID(f.R)).Replace(s)
}

// role returns the fixture's env for a role.
func (f *authzFixture) role(r model.Role) *env {
	return map[model.Role]*env{model.RoleAdmin: f.admin, model.RoleAccountant: f.accountant, model.RoleCaregiver: f.caregiver}[r]
}

// snapshot describes every row the API can change, so that a refused
// mutation can be shown to have changed nothing.
func (f *authzFixture) snapshot(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	cgs, _, err := f.admin.S.FindCaregivers(ctx, model.CaregiverFilter{}, model.PageArgs{First: model.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	types, err := f.admin.S.FindEventTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := f.admin.S.FindEvents(ctx, model.EventFilter{}, model.PageArgs{First: model.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "caregivers %d\n", len(cgs))
	for _, et := range types {
		fmt.Fprintf(&b, "type %s prices %d\n", et.Code, len(et.Prices))
	}
	for _, e := range evs {
		fmt.Fprintf(&b, "event %d %s\n", e.ID, e.Status)
	}
	return b.String()
}

// outcome is what one role gets from one root field.
type outcome string

const (
	// allowed: no error and a non-null field.
	allowed outcome = "allowed"
	// forbidden: exactly one FORBIDDEN error at the field, which is null,
	// and nothing changed.
	forbidden outcome = "FORBIDDEN"
	// scoped: allowed on the token's own rows, which the rule's scope check
	// proves with further requests as that token.
	scoped outcome = "scoped"
	// hidden (object fields only): the role never reaches the field's
	// object, whose parent field is null without an error; the field's
	// @auth must not name the role either.
	hidden outcome = "hidden"
)

// rule is the expected access to one root field.
type rule struct {
	// doc is an operation that uses only this field, on the fixture's rows
	// of caregiver A (its ids as in authzFixture.doc).
	doc string
	// want is the outcome per role.
	want map[model.Role]outcome
	// scope runs further requests as a scoped role's env and checks that
	// they reach no other caregiver's rows.
	scope func(t *testing.T, f *authzFixture, e *env)
}

func roles(admin, accountant, caregiver outcome) map[model.Role]outcome {
	return map[model.Role]outcome{model.RoleAdmin: admin, model.RoleAccountant: accountant, model.RoleCaregiver: caregiver}
}

// accessMatrix is THE table of who may use which root field. A root field
// missing here fails TestAccessMatrix, so a field added later without a
// rule fails the build.
var accessMatrix = map[string]rule{
	"Query.caregiver": {
		doc:  `{ caregiver(id: "{A}") { id name } }`,
		want: roles(allowed, allowed, scoped),
		scope: func(t *testing.T, f *authzFixture, e *env) {
			requireData(t, e.Post(t, f.doc(`{ caregiver(id: "{B}") { id } }`)), `{"caregiver":null}`)
		},
	},
	"Query.caregivers": {
		doc:  `{ caregivers { nodes { id } } }`,
		want: roles(allowed, allowed, scoped),
		scope: func(t *testing.T, f *authzFixture, e *env) {
			requireData(t, e.Post(t, `{ caregivers(first: 1000) { nodes { id } pageInfo { hasNextPage } } }`),
				f.doc(`{"caregivers":{"nodes":[{"id":"{A}"}],"pageInfo":{"hasNextPage":false}}}`))
		},
	},
	"Query.eventType": {
		doc:  `{ eventType(id: "{T}") { code price { amount } } }`,
		want: roles(allowed, allowed, allowed),
	},
	"Query.eventTypes": {
		doc:  `{ eventTypes { code prices { effectiveFrom } } }`,
		want: roles(allowed, allowed, allowed),
	},
	"Query.event": {
		doc:  `{ event(id: "{EA}") { id caregiver { id } } }`,
		want: roles(allowed, allowed, scoped),
		scope: func(t *testing.T, f *authzFixture, e *env) {
			requireData(t, e.Post(t, f.doc(`{ event(id: "{EB}") { id } }`)), `{"event":null}`)
		},
	},
	"Query.events": {
		doc:  `{ events { nodes { id } } }`,
		want: roles(allowed, allowed, scoped),
		scope: func(t *testing.T, f *authzFixture, e *env) {
			requireData(t, e.Post(t, `{ events { nodes { id } } }`), f.doc(`{"events":{"nodes":[{"id":"{EAR}"},{"id":"{EA}"}]}}`))
			requireData(t, e.Post(t, f.doc(`{ events(filter: {caregiverIds: ["{B}"]}) { nodes { id } } }`)), `{"events":{"nodes":[]}}`)
		},
	},
	"Query.reimbursement": {
		doc:  `{ reimbursement(id: "{R}") { id eventCount } }`,
		want: roles(allowed, allowed, forbidden),
	},
	"Query.report": {
		doc:  `{ report { totals { eventCount } } }`,
		want: roles(allowed, allowed, scoped),
		scope: func(t *testing.T, f *authzFixture, e *env) {
			requireData(t, e.Post(t, `{ report { totals { eventCount } months { caregivers { caregiver { id } } } } }`),
				f.doc(`{"report":{"totals":{"eventCount":2},"months":[{"caregivers":[{"caregiver":{"id":"{A}"}}]},{"caregivers":[{"caregiver":{"id":"{A}"}}]}]}}`))
			e.MustFail(t, "FORBIDDEN", "caregiverIds", f.doc(`{ report(caregiverIds: ["{B}"]) { totals { eventCount } } }`))
		},
	},
	"Mutation.createCaregiver": {
		doc:  `mutation { createCaregiver(input: {name: "Cy"}) { id } }`,
		want: roles(allowed, forbidden, forbidden),
	},
	"Mutation.createEventType": {
		doc:  `mutation { createEventType(input: {code: "LAB", name: "Lab", price: "20.00"}) { id } }`,
		want: roles(allowed, forbidden, forbidden),
	},
	"Mutation.setEventTypePrice": {
		doc:  `mutation { setEventTypePrice(input: {eventTypeId: "{T}", price: "120.00", effectiveFrom: "2024-07-01T00:00:00Z"}) { id } }`,
		want: roles(allowed, forbidden, forbidden),
	},
	"Mutation.registerEvent": {
		doc:  `mutation { registerEvent(input: {eventTypeId: "{T}", caregiverId: "{A}", occurredAt: "2024-06-10T09:00:00Z"}) { id caregiver { id } } }`,
		want: roles(allowed, allowed, scoped),
		scope: func(t *testing.T, f *authzFixture, e *env) {
			e.MustFail(t, "FORBIDDEN", "input.caregiverId",
				f.doc(`mutation { registerEvent(input: {eventTypeId: "{T}", caregiverId: "{B}", occurredAt: "2024-06-10T09:00:00Z"}) { id } }`))
		},
	},
	"Mutation.registerEvents": {
		doc:  `mutation { registerEvents(inputs: [{eventTypeId: "{T}", caregiverId: "{A}", occurredAt: "2024-06-10T09:00:00Z"}]) { id } }`,
		want: roles(allowed, allowed, scoped),
		scope: func(t *testing.T, f *authzFixture, e *env) {
			e.MustFail(t, "FORBIDDEN", "inputs[1].caregiverId", f.doc(`mutation { registerEvents(inputs: [
				{eventTypeId: "{T}", occurredAt: "2024-06-10T09:00:00Z"},
				{eventTypeId: "{T}", caregiverId: "{B}", occurredAt: "2024-06-10T09:00:00Z"}]) { id } }`))
		},
	},
	"Mutation.reimburseEvents": {
		doc:  `mutation { reimburseEvents(ids: ["{EA}"]) { id } }`,
		want: roles(allowed, allowed, forbidden),
	},
	"Mutation.reimbursePending": {
		doc:  `mutation { reimbursePending(through: "2024-06") { id } }`,
		want: roles(allowed, allowed, forbidden),
	},
	"Mutation.voidEvent": {
		doc:  `mutation { voidEvent(id: "{EA}", reason: "registered twice") { id status } }`,
		want: roles(allowed, allowed, scoped),
		scope: func(t *testing.T, f *authzFixture, e *env) {
			e.MustFail(t, "NOT_FOUND", "id", f.doc(`mutation { voidEvent(id: "{EB}", reason: "not mine") { id } }`))
		},
	},
}

// rootFields returns every Query and Mutation field of the executable
// schema, as "Query.events", with its definition.
func rootFields(t *testing.T) map[string]*ast.FieldDefinition {
	t.Helper()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	out := map[string]*ast.FieldDefinition{}
	for _, obj := range []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription} {
		if obj == nil {
			continue
		}
		for _, f := range obj.Fields {
			if !strings.HasPrefix(f.Name, "__") { // __schema, __type: introspection
				out[obj.Name+"."+f.Name] = f
			}
		}
	}
	if len(out) < 16 {
		t.Fatalf("found only %d root fields: %v", len(out), out)
	}
	return out
}

// authRoles returns the roles of a field's @auth directive, or nil without
// one.
func authRoles(t *testing.T, f *ast.FieldDefinition) []model.Role {
	t.Helper()
	d := f.Directives.ForName("auth")
	if d == nil {
		return nil
	}
	arg := d.Arguments.ForName("roles")
	if arg == nil || arg.Value == nil {
		t.Fatalf("%s: @auth without roles", f.Name)
	}
	var out []model.Role
	for _, c := range arg.Value.Children {
		out = append(out, model.Role(c.Value.Raw))
	}
	return out
}

// TestAccessMatrix runs every root field of the schema as every role
// against accessMatrix: each field needs a rule and the @auth directive,
// the rule must agree with the directive's roles, and a real request per
// field and role must have the rule's outcome.
func TestAccessMatrix(t *testing.T) {
	fields := rootFields(t)
	for name := range accessMatrix {
		if fields[name] == nil {
			t.Errorf("accessMatrix has a rule for %s, which the schema does not have", name)
		}
	}
	allRoles := []model.Role{model.RoleAdmin, model.RoleAccountant, model.RoleCaregiver}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			rule, ok := accessMatrix[name]
			if !ok {
				t.Fatalf("no rule for %s: add it to accessMatrix (and @auth to the schema)", name)
			}
			directive := authRoles(t, fields[name])
			if directive == nil {
				t.Fatalf("%s has no @auth directive", name)
			}
			for _, role := range allRoles {
				want := rule.want[role]
				if want == "" {
					t.Fatalf("rule of %s names no outcome for %s", name, role)
				}
				if (want == forbidden) == slices.Contains(directive, role) {
					t.Fatalf("rule of %s says %s for %s, but @auth(roles: %v) disagrees", name, want, role, directive)
				}
				if want == scoped && rule.scope == nil {
					t.Fatalf("rule of %s is scoped for %s without a scope check", name, role)
				}
			}
			field := name[strings.Index(name, ".")+1:]
			for _, role := range allRoles {
				t.Run(string(role), func(t *testing.T) {
					t.Parallel()
					f := newAuthzFixture(t) // mutations change data: a fresh database per role
					e := f.role(role)
					before := f.snapshot(t)
					r := e.Post(t, f.doc(rule.doc))
					switch rule.want[role] {
					case allowed, scoped:
						if len(r.Errors) > 0 {
							t.Fatalf("%s as %s: errors %+v", name, role, r.Errors)
						}
						if got := fieldData(t, r.Data, field); got == "null" {
							t.Fatalf("%s as %s: null data", name, role)
						}
						if rule.want[role] == scoped {
							rule.scope(t, f, e)
						}
					case forbidden:
						testsupport.RequireOne(t, r.Errors, "FORBIDDEN", "")
						if p := r.Errors[0].Path; len(p) != 1 || p[0] != field {
							t.Fatalf("%s as %s: error path %v, want [%s]", name, role, p, field)
						}
						if got := fieldData(t, r.Data, field); got != "null" {
							t.Fatalf("%s as %s: data %s despite FORBIDDEN", name, role, got)
						}
						if after := f.snapshot(t); after != before {
							t.Fatalf("%s as %s was refused but changed data:\nbefore:\n%s\nafter:\n%s", name, role, before, after)
						}
					}
				})
			}
		})
	}
}

// fieldData returns the JSON of data.field ("null" when data or the field
// is null).
func fieldData(t testing.TB, data json.RawMessage, field string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	if v, ok := m[field]; ok {
		return string(v)
	}
	return "null"
}

// requireData asserts a response without errors whose data is want.
func requireData(t testing.TB, r testsupport.Result, want string) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors %+v, want data %s", r.Errors, want)
	}
	var got, exp any
	if err := json.Unmarshal(r.Data, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("data %s, want %s", r.Data, want)
	}
}
