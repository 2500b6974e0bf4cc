package graph_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"github.com/vektah/gqlparser/v2/ast"
)

// openFields are the fields of the schema's object types (the roots are
// accessMatrix's) that every role reaching the object may read: no @auth.
// Every field of every object type is here or in restrictedFields, so a
// field added later without a rule fails TestFieldMatrix.
var openFields = map[string]string{
	"Actor":               "tokenId name role",
	"Money":               "amount currency",
	"Caregiver":           "id name externalRef createdAt",
	"EventType":           "id code name price priceAt prices createdAt",
	"EventTypePrice":      "price effectiveFrom",
	"Event":               "id type caregiver occurredAt amount status registeredAt reimbursedAt reimbursement voidedAt voidReason idempotencyKey",
	"Reimbursement":       "id createdAt eventCount total events",
	"PageInfo":            "hasNextPage endCursor",
	"EventEdge":           "cursor node",
	"EventConnection":     "edges nodes pageInfo",
	"CaregiverEdge":       "cursor node",
	"CaregiverConnection": "edges nodes pageInfo",
	"Totals":              "eventCount amount reimbursed pending",
	"Report":              "from to timeZone currency totals months",
	"ReportMonth":         "month totals caregivers",
	"CaregiverTotals":     "caregiver totals byEventType",
	"EventTypeTotals":     "eventType totals",
}

// restrictedFields are the object fields with an @auth directive of their
// own: the audit trail, which only ADMIN and ACCOUNTANT tokens may read.
// Each rule's doc reaches the field through caregiver A's rows (its
// reimbursed event {EAR}), which every role may read, so that a refusal is
// the field's own.
var restrictedFields = map[string]rule{
	"Event.registeredBy": {
		doc:  `{ event(id: "{EAR}") { id registeredBy { name } } }`,
		want: roles(allowed, allowed, forbidden),
	},
	"Event.reimbursedBy": {
		doc:  `{ event(id: "{EAR}") { id reimbursedBy { name } } }`,
		want: roles(allowed, allowed, forbidden),
	},
	"Event.voidedBy": {
		doc:  `{ event(id: "{EAR}") { id voidedBy { name } } }`,
		want: roles(allowed, allowed, forbidden),
	},
	// A CAREGIVER token never reaches a payout (Event.reimbursement is
	// null for it), and the directive would refuse it if it did.
	"Reimbursement.createdBy": {
		doc:  `{ event(id: "{EAR}") { id reimbursement { id createdBy { name } } } }`,
		want: roles(allowed, allowed, hidden),
	},
}

// objectFields returns every field of the schema's object types other
// than the roots and introspection's, as "Event.registeredBy".
func objectFields(t *testing.T) map[string]*ast.FieldDefinition {
	t.Helper()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	out := map[string]*ast.FieldDefinition{}
	for name, def := range schema.Types {
		if def.Kind != ast.Object || strings.HasPrefix(name, "__") || def == schema.Query || def == schema.Mutation || def == schema.Subscription {
			continue
		}
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") { // __typename
				out[name+"."+f.Name] = f
			}
		}
	}
	if len(out) < 60 {
		t.Fatalf("found only %d object fields", len(out))
	}
	return out
}

// TestFieldMatrix checks every field of the schema's object types against
// openFields and restrictedFields: each field needs exactly one rule, an
// open field has no @auth, a restricted one's rule agrees with its @auth
// roles, and a real request per restricted field and role has the rule's
// outcome (FORBIDDEN at the field, the rest of the data intact).
func TestFieldMatrix(t *testing.T) {
	fields := objectFields(t)
	open := map[string]bool{}
	for typ, names := range openFields {
		for _, f := range strings.Fields(names) {
			open[typ+"."+f] = true
		}
	}
	for name := range open {
		if fields[name] == nil {
			t.Errorf("openFields names %s, which the schema does not have", name)
		}
	}
	for name := range restrictedFields {
		if fields[name] == nil {
			t.Errorf("restrictedFields names %s, which the schema does not have", name)
		}
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	allRoles := []model.Role{model.RoleAdmin, model.RoleAccountant, model.RoleCaregiver}
	f := newAuthzFixture(t) // one for all: the requests only read
	for _, name := range names {
		rule, restricted := restrictedFields[name]
		directive := authRoles(t, fields[name])
		switch {
		case open[name] && restricted:
			t.Errorf("%s is in both openFields and restrictedFields", name)
			continue
		case !open[name] && !restricted:
			t.Errorf("no rule for %s: add it to openFields, or to restrictedFields with @auth in the schema", name)
			continue
		case open[name]:
			if directive != nil {
				t.Errorf("%s is open, but the schema has @auth(roles: %v) on it: move it to restrictedFields", name, directive)
			}
			continue
		}
		t.Run(name, func(t *testing.T) {
			if directive == nil {
				t.Fatalf("%s is restricted, but has no @auth directive", name)
			}
			field := name[strings.Index(name, ".")+1:]
			for _, role := range allRoles {
				want := rule.want[role]
				if want != allowed && want != forbidden && want != hidden {
					t.Fatalf("rule of %s says %q for %s; want allowed, FORBIDDEN or hidden", name, want, role)
				}
				if (want == allowed) != slices.Contains(directive, role) {
					t.Fatalf("rule of %s says %s for %s, but @auth(roles: %v) disagrees", name, want, role, directive)
				}
				r := f.role(role).Post(t, f.doc(rule.doc))
				switch want {
				case allowed:
					if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"`+field+`":`) {
						t.Fatalf("%s as %s: data %s, errors %+v", name, role, r.Data, r.Errors)
					}
					continue
				case hidden:
					if len(r.Errors) > 0 || strings.Contains(string(r.Data), `"`+field+`"`) {
						t.Fatalf("%s as %s: data %s, errors %+v; want the object out of reach", name, role, r.Data, r.Errors)
					}
					continue
				}
				testsupport.RequireOne(t, r.Errors, "FORBIDDEN", "")
				if p := r.Errors[0].Path; len(p) == 0 || p[len(p)-1] != field {
					t.Fatalf("%s as %s: error path %v, want one ending in %s", name, role, p, field)
				}
				if !strings.Contains(string(r.Data), `"`+field+`":null`) || !strings.Contains(string(r.Data), `"id":`) {
					t.Fatalf("%s as %s: data %s, want the field null and the rest intact", name, role, r.Data)
				}
			}
		})
	}
}
