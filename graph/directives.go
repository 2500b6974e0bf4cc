package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
	"github.com/vektah/gqlparser/v2/ast"
)

// directives returns the implementations of the schema's directives.
func directives() DirectiveRoot {
	return DirectiveRoot{Auth: authDirective}
}

// authAllowed applies fd's @auth directive, if any, to the request's token:
// the same rule as authDirective, for paths that do not run directives (the
// fast report path).
func authAllowed(ctx context.Context, fd *ast.FieldDefinition) bool {
	d := fd.Directives.ForName("auth")
	if d == nil {
		return true
	}
	var roles []model.Role
	if arg := d.Arguments.ForName("roles"); arg != nil && arg.Value != nil {
		for _, c := range arg.Value.Children {
			if c.Value != nil {
				roles = append(roles, model.Role(c.Value.Raw))
			}
		}
	}
	_, ok := roleAllowed(ctx, roles)
	return ok
}

// roleAllowed is the rule of @auth: the request has a principal whose role
// is among roles.
func roleAllowed(ctx context.Context, roles []model.Role) (p model.Principal, ok bool) {
	p, ok = reqctx.Principal(ctx)
	return p, ok && slices.Contains(roles, p.Role)
}

// authDirective implements @auth(roles: [...]): the field runs only for a
// token whose role is listed; any other token gets FORBIDDEN. Every Query
// and Mutation field carries the directive (graph/authz_matrix_test.go
// checks it), so no resolver runs for a role the schema does not name. Which
// rows a CAREGIVER token reaches is decided in authz.go.
func authDirective(ctx context.Context, _ any, next graphql.Resolver, roles []model.Role) (any, error) {
	p, allowed := roleAllowed(ctx, roles)
	if allowed {
		return next(ctx)
	}
	if p.TokenID == 0 {
		// The auth middleware puts a principal on every request that reaches
		// the executor; this guards a handler assembled without it.
		return nil, model.Errorf(model.EUnauthenticated, "missing token")
	}
	field := "this field"
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		field = fc.Object + "." + fc.Field.Name
	}
	return nil, model.Errorf(model.EForbidden, "%s tokens may not use %s", p.Role, field)
}
