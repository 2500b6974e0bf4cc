package graph

//go:generate go run github.com/99designs/gqlgen generate

// Resolver holds the dependencies of the resolvers. It is never regenerated.
type Resolver struct{}
