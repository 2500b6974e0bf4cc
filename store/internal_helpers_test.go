package store

import (
	"context"
	"testing"

	"github.com/reimburse/reimburse/model"
)

// internalFixture opens a store with opt (closed at cleanup) holding the
// first ADMIN token, whose secret it returns, caregiver Anna and event
// type XRAY priced 10.00.
func internalFixture(t *testing.T, opt Options) (s *Store, secret string, cg *model.Caregiver, et *model.EventType) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if secret, err = s.EnsureAdminToken(ctx); err != nil {
		t.Fatal(err)
	}
	if cg, err = s.CreateCaregiver(ctx, model.NewCaregiver{Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	if et, err = s.CreateEventType(ctx, model.NewEventType{Code: "XRAY", Name: "X-ray", Price: 1000}); err != nil {
		t.Fatal(err)
	}
	return s, secret, cg, et
}
