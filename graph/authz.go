package graph

import (
	"context"
	"fmt"
	"slices"

	"github.com/reimburse/reimburse/graph/gqlmodel"
	"github.com/reimburse/reimburse/model"
)

// Row scoping. The @auth directive (directives.go) decides which fields a
// role may use at all; the functions here decide which rows a CAREGIVER
// token reaches, and are the only place that does. Resolvers and the CSV
// export call them and stay free of role checks. ADMIN and ACCOUNTANT
// tokens are not scoped: every function returns its input unchanged for
// them.
//
// Decisions, chosen so that a caregiver's token cannot learn whether another
// caregiver's rows exist:
//   - Single reads of another caregiver's rows (caregiver(id), event(id))
//     are null, exactly like unknown ids; voidEvent on another caregiver's
//     event is NOT_FOUND, exactly like an unknown event.
//   - Lists (events, caregivers) are narrowed to the caregiver's own rows; a
//     filter naming other caregivers matches nothing of theirs, as unknown
//     ids in a filter match nothing.
//   - Inputs that would act for another caregiver (a report's caregiverIds,
//     registerEvent's caregiverId) are FORBIDDEN naming the input, known or
//     unknown id alike.
//   - Payouts span caregivers, so Event.reimbursement is null for a
//     caregiver's token (reimbursedAt stays visible) and
//     reimbursement(id) is not in its role (directive).

// mayRead reports whether p may read caregiver caregiverID's rows: the
// caregiver itself and its events.
func mayRead(p model.Principal, caregiverID int64) bool {
	own, scoped := p.Own()
	return !scoped || own == caregiverID
}

// seesPayouts reports whether p may see Reimbursement objects, which hold
// other caregivers' events and totals.
func seesPayouts(p model.Principal) bool {
	_, scoped := p.Own()
	return !scoped
}

// scopeEvents narrows an events filter to the rows p may read.
func scopeEvents(p model.Principal, f model.EventFilter) model.EventFilter {
	own, scoped := p.Own()
	if !scoped {
		return f
	}
	if f.CaregiverIDs == nil || slices.Contains(f.CaregiverIDs, own) {
		f.CaregiverIDs = []int64{own}
	} else {
		f.CaregiverIDs = []int64{} // matches nothing
	}
	return f
}

// scopeCaregivers returns the filter of the caregivers p may list.
func scopeCaregivers(p model.Principal) model.CaregiverFilter {
	if own, scoped := p.Own(); scoped {
		return model.CaregiverFilter{IDs: []int64{own}}
	}
	return model.CaregiverFilter{}
}

// A report's caregiverIds are scoped by internal/reports.Scope, the entry
// point that the report resolver, the fast report path and the CSV export
// share.

// newEvent converts one register input for p. caregiverId is required for
// ADMIN and ACCOUNTANT tokens; a CAREGIVER token may omit it (itself) or
// give its own id, and another id is FORBIDDEN.
func newEvent(p model.Principal, in gqlmodel.RegisterEventInput) (model.NewEvent, *model.Error) {
	out := model.NewEvent{EventTypeID: in.EventTypeID, OccurredAt: in.OccurredAt, IdempotencyKey: in.IdempotencyKey}
	own, scoped := p.Own()
	switch {
	case scoped && in.CaregiverID != nil && *in.CaregiverID != own:
		return out, &model.Error{Code: model.EForbidden, Field: "caregiverId",
			Message: fmt.Sprintf("a CAREGIVER token may only register events of its own caregiver (%d)", own)}
	case scoped:
		out.CaregiverID = own
	case in.CaregiverID == nil:
		return out, model.Invalid("caregiverId", "is required for a token that is not bound to a caregiver")
	default:
		out.CaregiverID = *in.CaregiverID
	}
	return out, nil
}

// newEvents converts a batch of register inputs for p, reporting every bad
// item with its index ("[2].caregiverId").
func newEvents(p model.Principal, ins []gqlmodel.RegisterEventInput) ([]model.NewEvent, error) {
	out := make([]model.NewEvent, len(ins))
	var errs model.Errors
	for i, in := range ins {
		var err *model.Error
		if out[i], err = newEvent(p, in); err != nil {
			errs = append(errs, err.WithField(fmt.Sprintf("[%d]", i)))
		}
	}
	return out, errs.Err()
}

// readableEvent returns the event id if p may read it, and ENotFound on
// "id" both when it does not exist and when it is another caregiver's.
func (r *Resolver) readableEvent(ctx context.Context, p model.Principal, id int64) (*model.Event, error) {
	e, err := r.Store.FindEventByID(ctx, id)
	if err == nil && !mayRead(p, e.CaregiverID) {
		err = model.Errorf(model.ENotFound, "event %d not found", id)
	}
	if model.ErrorCode(err) == model.ENotFound {
		return nil, &model.Error{Code: model.ENotFound, Field: "id", Message: fmt.Sprintf("event %d not found", id)}
	}
	return e, err
}

// checkVoid checks that p may void event id. For a CAREGIVER token another
// caregiver's event is ENotFound, like an unknown one; the store checks the
// status in its transaction (a caregiver's event never changes caregiver).
func (r *Resolver) checkVoid(ctx context.Context, p model.Principal, id int64) error {
	if _, scoped := p.Own(); !scoped {
		return nil
	}
	_, err := r.readableEvent(ctx, p, id)
	return err
}
