package store_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// TestIdempotencyKeyPerCaregiver: a key belongs to its caregiver. Two
// caregivers using one key register two events, neither a CONFLICT nor the
// other's event (which would tell one caregiver the other's keys); within a
// caregiver a replay returns the first event and another payload is a
// CONFLICT, as before. Both registration paths: registerEvents' batch and
// registerEvent's group commit, which may hold both caregivers' uses in one
// transaction.
func TestIdempotencyKeyPerCaregiver(t *testing.T) {
	at := utc(2024, 6, 1, 9, 0)
	const key = "upload-2026-11-30-0001"
	in := func(cg *model.Caregiver, et *model.EventType) model.NewEvent {
		return model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: at, IdempotencyKey: ptr(key)}
	}
	paths := map[string]func(f fixture, ins ...model.NewEvent) ([]*model.Event, []error){
		"RegisterEvents": func(f fixture, ins ...model.NewEvent) ([]*model.Event, []error) {
			evs, errs := make([]*model.Event, len(ins)), make([]error, len(ins))
			for i, in := range ins {
				got, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{in})
				if errs[i] = err; err == nil {
					evs[i] = &got[0]
				}
			}
			return evs, errs
		},
		"GroupCommit": func(f fixture, ins ...model.NewEvent) ([]*model.Event, []error) {
			reqs := make([]store.GroupRequest, len(ins))
			for i, in := range ins {
				reqs[i] = store.GroupRequest{By: admin, In: in}
			}
			return store.CommitGroup(t.Context(), f.s, reqs)
		},
	}
	for name, register := range paths {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			evs, errs := register(f,
				in(f.cg1, f.et1), // 0: cg1's key
				in(f.cg2, f.et2), // 1: the same key for cg2, another type: cg2's own event
				in(f.cg1, f.et1), // 2: cg1's replay: event 0
				in(f.cg2, f.et2), // 3: cg2's replay: event 1
				in(f.cg1, f.et2), // 4: cg1's key with another payload: CONFLICT
			)
			for i := range 4 {
				if errs[i] != nil {
					t.Fatalf("[%d]: %v", i, errs[i])
				}
			}
			var e *model.Error
			if !errors.As(errs[4], &e) || e.Code != model.EConflict || !strings.HasSuffix(e.Field, "idempotencyKey") {
				t.Fatalf("[4]: %v, want a CONFLICT on the idempotency key", errs[4])
			}
			a, b := evs[0], evs[1]
			if a.ID == b.ID || a.CaregiverID != f.cg1.ID || b.CaregiverID != f.cg2.ID || b.EventTypeID != f.et2.ID || b.Amount != 25050 {
				t.Fatalf("the caregivers' uses of one key gave %+v and %+v, want an event of each", a, b)
			}
			if !reflect.DeepEqual(evs[2], a) || !reflect.DeepEqual(evs[3], b) {
				t.Fatalf("replays gave %+v and %+v, want the caregiver's own first event", evs[2], evs[3])
			}
			stored := allEvents(t, f.s, model.EventFilter{})
			if len(stored) != 2 || !reflect.DeepEqual(stored, []model.Event{*a, *b}) {
				t.Fatalf("stored %+v, want the two first events", stored)
			}
		})
	}
}
