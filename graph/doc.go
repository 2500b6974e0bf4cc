// Package graph is the GraphQL layer of the API, and only that: gqlgen's
// generated executor (generated.go, gqlmodel/), the resolvers, the @auth
// directive and CAREGIVER row scoping (directives.go, authz.go), the
// per-request dataloaders, the document, complexity and validation limits,
// what runs around each mutation field, the error presenter (which maps
// codes through internal/apierr), the GraphQL-over-HTTP statuses around
// gqlgen's transports (transport.go), and the fast report path
// (fastreport*.go).
//
// New returns a handler that expects the shared HTTP chain of
// internal/httpapi around it (request id, authentication, body cap,
// deadline, rate limit); cmd/reimburse wires the two. docs/ARCHITECTURE.md
// follows a request through both.
package graph
