package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
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
	p, ok := ctx.Value(principalKey{}).(model.Principal)
	if !ok {
		return false
	}
	arg := d.Arguments.ForName("roles")
	if arg == nil || arg.Value == nil {
		return false
	}
	for _, c := range arg.Value.Children {
		if c.Value != nil && model.Role(c.Value.Raw) == p.Role {
			return true
		}
	}
	return false
}

// authDirective implements @auth(roles: [...]): the field runs only for a
// token whose role is listed; any other token gets FORBIDDEN. Every Query
// and Mutation field carries the directive (graph/authz_matrix_test.go
// checks it), so no resolver runs for a role the schema does not name. Which
// rows a CAREGIVER token reaches is decided in authz.go.
func authDirective(ctx context.Context, _ any, next graphql.Resolver, roles []model.Role) (any, error) {
	p, ok := ctx.Value(principalKey{}).(model.Principal)
	if !ok {
		// The auth middleware puts a principal on every request that reaches
		// the executor; this guards a handler assembled without it.
		return nil, model.Errorf(model.EUnauthenticated, "missing token")
	}
	if slices.Contains(roles, p.Role) {
		return next(ctx)
	}
	field := "this field"
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		field = fc.Object + "." + fc.Field.Name
	}
	return nil, model.Errorf(model.EForbidden, "%s tokens may not use %s", p.Role, field)
}
