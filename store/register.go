package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// insertChunk bounds the rows of one multi-row INSERT.
const insertChunk = 500

// RegisterEvents registers events all or nothing. Each event's amount is its
// type's price at occurredAt, copied now so later price changes never
// rewrite it. An idempotency key its caregiver used before with the same payload returns
// the first event and registers nothing; with another payload it is
// EConflict. A CAREGIVER principal may backdate at most the store's
// MaxBackdate. Every bad item is reported (model.Errors), with fields such as
// "[3].occurredAt", and nothing is written.
func (s *Store) RegisterEvents(ctx context.Context, by model.Principal, ins []model.NewEvent) ([]model.Event, error) {
	if len(ins) == 0 {
		return nil, model.Invalid("", "at least one event is required")
	}
	if len(ins) > model.MaxBatch {
		return nil, model.Invalid("", "at most %d events per call, got %d", model.MaxBatch, len(ins))
	}
	now := s.Now()
	var errs model.Errors
	bad := make(map[int]bool)
	for i := range ins {
		if err := ins[i].Normalize(now); err != nil {
			errs = appendAt(errs, i, err)
			bad[i] = true
		}
	}
	var out []model.Event
	var inserted int
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, inserted, err = s.registerEvents(ctx, tx, by, now, ins, errs, bad)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.obs.EventsRegistered(inserted)
	return out, nil
}

// appendAt appends err (an *Error or Errors) to errs with its field prefixed
// by the item index.
func appendAt(errs model.Errors, i int, err error) model.Errors {
	prefix := fmt.Sprintf("[%d]", i)
	switch e := err.(type) {
	case model.Errors:
		for _, x := range e {
			errs = append(errs, x.WithField(prefix))
		}
	case *model.Error:
		errs = append(errs, e.WithField(prefix))
	default:
		errs = append(errs, &model.Error{Code: model.EInternal, Message: err.Error()})
	}
	return errs
}

// registerEvents checks the inputs against the database and inserts them.
// errs holds the errors already found in items marked bad, which are not
// checked again; all errors are reported together.
func (s *Store) registerEvents(ctx context.Context, tx bun.Tx, by model.Principal, now time.Time, ins []model.NewEvent, errs model.Errors, bad map[int]bool) ([]model.Event, int, error) {
	rf, err := loadRefs(ctx, tx, ins)
	if err != nil {
		return nil, 0, err
	}
	out := make([]model.Event, len(ins))
	var rows []eventRow
	var rowIdx []int               // out index of each row
	batchKey := map[ownedKey]int{} // key -> index in ins of its first use in this batch
	for i, in := range ins {
		if bad[i] {
			continue
		}
		at := fmt.Sprintf("[%d]", i)
		if in.IdempotencyKey != nil {
			key := keyOf(in)
			if e, ok := rf.prior[key]; ok {
				if !e.SamePayload(in) {
					errs = append(errs, conflictKey(at, key.key))
				} else {
					out[i] = e
				}
				continue
			}
			if j, ok := batchKey[key]; ok {
				if !samePayload(ins[j], in) {
					errs = append(errs, conflictKey(at, key.key))
				}
				continue // filled from item j after insert
			}
			batchKey[key] = i
		}
		row, bad := s.checkEvent(rf, by, now, in, at)
		if bad != nil {
			errs = append(errs, bad...)
			continue
		}
		rows = append(rows, row)
		rowIdx = append(rowIdx, i)
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(a, b int) bool { return itemIndex(errs[a].Field) < itemIndex(errs[b].Field) })
		return nil, 0, errs
	}
	if err := insertEvents(ctx, tx, rows); err != nil {
		if isUnique(err) {
			// A concurrent transaction (PostgreSQL) committed one of these
			// keys after we looked: run the whole transaction again, which
			// finds the winner's event and returns it (same payload) or
			// EConflict (another payload).
			return nil, 0, retryError{model.Errorf(model.EConflict, "an idempotency key was used concurrently; retry")}
		}
		return nil, 0, fmt.Errorf("store: insert events: %w", err)
	}
	d, err := registerDeltas(rows)
	if err != nil {
		return nil, 0, err
	}
	if err := applyRollups(ctx, tx, d); err != nil {
		return nil, 0, err
	}
	for k, i := range rowIdx {
		out[i] = rows[k].model()
	}
	for i, in := range ins {
		if in.IdempotencyKey != nil && out[i].ID == 0 {
			out[i] = out[batchKey[keyOf(in)]]
		}
	}
	return out, len(rows), nil
}

// refs is what checking a batch of inputs needs from the database, read
// with one query per kind however many inputs the batch holds.
type refs struct {
	types map[int64]*model.EventType
	noCG  map[int64]bool
	prior map[ownedKey]model.Event // events already registered with a key of the batch
}

// ownedKey is an idempotency key with the caregiver it belongs to: keys
// are unique per caregiver, and one caregiver's keys are no concern of
// another's.
type ownedKey struct {
	cg  int64
	key string
}

// keyOf returns the owned key of an input that has a key.
func keyOf(in model.NewEvent) ownedKey { return ownedKey{in.CaregiverID, *in.IdempotencyKey} }

func loadRefs(ctx context.Context, db bun.IDB, ins []model.NewEvent) (*refs, error) {
	typeIDs := make([]int64, len(ins))
	cgIDs := make([]int64, len(ins))
	var keys []ownedKey
	for i, in := range ins {
		typeIDs[i], cgIDs[i] = in.EventTypeID, in.CaregiverID
		if in.IdempotencyKey != nil {
			keys = append(keys, keyOf(in))
		}
	}
	types, err := findEventTypes(ctx, db, typeIDs)
	if err != nil {
		return nil, err
	}
	rf := &refs{types: make(map[int64]*model.EventType, len(types)), noCG: map[int64]bool{}}
	for i := range types {
		rf.types[types[i].ID] = &types[i]
	}
	missingCG, err := missingIDs(ctx, db, "caregivers", cgIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range missingCG {
		rf.noCG[id] = true
	}
	if rf.prior, err = findEventsByKeys(ctx, db, keys); err != nil {
		return nil, err
	}
	return rf, nil
}

// checkEvent checks a normalized input against the database state in rf,
// idempotency aside, and returns the row to insert or the input's errors
// with fields under at ("[3]", or "" for a lone input).
func (s *Store) checkEvent(rf *refs, by model.Principal, now time.Time, in model.NewEvent, at string) (eventRow, model.Errors) {
	var errs model.Errors
	et := rf.types[in.EventTypeID]
	if et == nil {
		errs = append(errs, &model.Error{Code: model.EInvalid, Field: fieldAt(at, "eventTypeId"), Message: fmt.Sprintf("event type %d does not exist", in.EventTypeID)})
	}
	if rf.noCG[in.CaregiverID] {
		errs = append(errs, &model.Error{Code: model.EInvalid, Field: fieldAt(at, "caregiverId"), Message: fmt.Sprintf("caregiver %d does not exist", in.CaregiverID)})
	}
	// Checked only for events about to be written: an idempotent replay
	// returns its event however old it has become since.
	if tooOld := model.CheckBackdate(by.Role, in.OccurredAt, now, s.maxBackdate); tooOld != nil {
		errs = append(errs, tooOld.WithField(at))
	}
	if errs != nil {
		return eventRow{}, errs
	}
	price, ok := et.PriceAt(in.OccurredAt)
	if !ok {
		return eventRow{}, model.Errors{{Code: model.EInvalid, Field: fieldAt(at, "occurredAt"), Message: fmt.Sprintf("event type %s has no price in force at %s", et.Code, model.FormatDateTime(in.OccurredAt))}}
	}
	return eventRow{
		EventTypeID: in.EventTypeID, CaregiverID: in.CaregiverID,
		OccurredAt: micros(in.OccurredAt), Month: int32(model.MonthOf(in.OccurredAt, s.loc)),
		Amount: int64(price), Status: string(model.StatusPending),
		RegisteredAt: micros(now), RegisteredBy: by.TokenID, IdempotencyKey: in.IdempotencyKey,
	}, nil
}

// registerDeltas returns the rollup changes of inserting rows.
func registerDeltas(rows []eventRow) (rollupDeltas, error) {
	d := rollupDeltas{}
	for _, r := range rows {
		if err := d.add(r.Month, r.CaregiverID, r.EventTypeID, model.StatusPending, 1, r.Amount); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// samePayload reports whether two inputs would register the same event.
func samePayload(a, b model.NewEvent) bool {
	return a.EventTypeID == b.EventTypeID && a.CaregiverID == b.CaregiverID && a.OccurredAt.Equal(b.OccurredAt)
}

// fieldAt joins an item prefix and a field name: "[3]" and "occurredAt"
// give "[3].occurredAt"; "" gives the name alone.
func fieldAt(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// itemIndex returns N of a field "[N]...".
func itemIndex(field string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(field, "]", 2)[0], "["))
	return n
}

func conflictKey(at, key string) *model.Error {
	return &model.Error{Code: model.EConflict, Field: fieldAt(at, "idempotencyKey"),
		Message: fmt.Sprintf("idempotency key %q was already used with a different payload", key)}
}

// findEventsByKeys returns the events that hold the given keys of their
// caregivers, through the unique (caregiver_id, idempotency_key) index.
func findEventsByKeys(ctx context.Context, db bun.IDB, keys []ownedKey) (map[ownedKey]model.Event, error) {
	out := make(map[ownedKey]model.Event, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	pairs := make([][]any, len(keys))
	for i, k := range keys {
		pairs[i] = []any{k.cg, k.key}
	}
	var rows []eventRow
	// A row value IN a VALUES list runs on SQLite and PostgreSQL alike,
	// one index probe per pair.
	if err := db.NewSelect().Model(&rows).Where("idempotency_key IS NOT NULL AND (caregiver_id, idempotency_key) IN (VALUES ?)", bun.In(pairs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: find idempotency keys: %w", err)
	}
	for i := range rows {
		out[ownedKey{rows[i].CaregiverID, *rows[i].IdempotencyKey}] = rows[i].model()
	}
	return out, nil
}
