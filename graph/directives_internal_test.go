package graph

import (
	"context"
	"testing"

	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestAuthAllowed: the fast report path reads @auth from the schema with
// the same rule the directive applies (roleAllowed).
func TestAuthAllowed(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		enum Role { ADMIN ACCOUNTANT CAREGIVER }
		directive @auth(roles: [Role!]!) on FIELD_DEFINITION
		type Query { open: Int, admins: Int @auth(roles: [ADMIN]), staff: Int @auth(roles: [ADMIN, ACCOUNTANT]) }`})
	q := schema.Query
	as := func(r model.Role) context.Context {
		return reqctx.WithPrincipal(context.Background(), model.Principal{TokenID: 1, Role: r})
	}
	for _, c := range []struct {
		ctx   context.Context
		field string
		want  bool
	}{
		{as(model.RoleAdmin), "admins", true},
		{as(model.RoleAccountant), "admins", false},
		{as(model.RoleAccountant), "staff", true},
		{as(model.RoleCaregiver), "staff", false},
		{as(model.RoleCaregiver), "open", true},
		{context.Background(), "staff", false},
	} {
		if got := authAllowed(c.ctx, q.Fields.ForName(c.field)); got != c.want {
			p, _ := reqctx.Principal(c.ctx)
			t.Errorf("%s on %s: got %v, want %v", p.Role, c.field, got, c.want)
		}
	}
}
