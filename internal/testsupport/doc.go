// Package testsupport holds the helpers that the tests of several packages
// share: the test server of graph and internal/httpapi (a real store of the
// dialect under test behind the real gqlgen handler and HTTP chain), the
// raw request and response helpers, the GraphQL error type, a concurrency
// safe log buffer, a UTC clock helper and a CPU-time probe for benchmarks.
//
// It is only for tests: it imports graph, internal/httpapi and store, so
// non-test code must not import it (nothing under cmd/ pulls it in).
package testsupport
