package graph_test

import (
	"testing"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/store"
)

// env is the shared test server (internal/testsupport) with the methods that
// only graph's tests use.
type env struct{ testsupport.Env }

// newEnv is testsupport.NewEnv as an env.
func newEnv(t testing.TB, opts ...func(*store.Options)) *env {
	t.Helper()
	return &env{*testsupport.NewEnv(t, opts...)}
}

// newEnvWith is testsupport.NewEnvWith as an env.
func newEnvWith(t testing.TB, o graph.Options, opts ...func(*store.Options)) *env {
	t.Helper()
	return &env{*testsupport.NewEnvWith(t, o, opts...)}
}

// newEnvHTTP is testsupport.NewEnvHTTP as an env.
func newEnvHTTP(t testing.TB, o graph.Options, h httpapi.Options, opts ...func(*store.Options)) *env {
	t.Helper()
	return &env{*testsupport.NewEnvHTTP(t, o, h, opts...)}
}
