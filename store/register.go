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
	items := make([]regItem, len(ins))
	for i := range ins {
		it := &items[i]
		it.by, it.now, it.in, it.at = by, now, ins[i], fmt.Sprintf("[%d]", i)
		if err := it.in.Normalize(now); err != nil {
			it.bad = appendAt(nil, i, err)
		}
	}
	var inserted int
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		inserted, err = s.register(ctx, tx, items, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.obs.EventsRegistered(inserted)
	out := make([]model.Event, len(items))
	for i := range items {
		out[i] = items[i].ev
	}
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

// regItem is one registration on its way through register: an item of a
// RegisterEvents batch, or one RegisterEvent call of a group commit.
type regItem struct {
	by  model.Principal
	now time.Time      // the store clock at the call: registeredAt
	in  model.NewEvent // normalized, unless bad
	at  string         // the prefix of its error fields: "[3]" in a batch, "" alone
	bad model.Errors   // found before the transaction (Normalize): not checked again

	// Set by register, afresh at each attempt of the transaction.
	ev   model.Event
	errs model.Errors
	row  int // index of its row among the inserted ones, or -1
	same int // the earlier item with the same key and payload, whose event it gets, or -1
}

// register is the one registration path, run inside tx: it checks items
// against the database (one query per kind however many there are),
// resolves idempotency keys in item order (a key already used, in the
// database or by an earlier item, gives that event with the same payload
// and EConflict with another), inserts the good items with multi-row
// INSERTs and updates the rollups once. It returns how many events it
// inserted.
//
// alone chooses how a bad item fails. False (RegisterEvents): all or
// nothing, so every item's error is returned together and nothing is
// written. True (group commit): each item fails alone, with its own error
// in errs, and its neighbours are written.
func (s *Store) register(ctx context.Context, tx bun.Tx, items []regItem, alone bool) (int, error) {
	ins := make([]model.NewEvent, len(items))
	for i := range items {
		it := &items[i]
		ins[i] = it.in
		// A retried transaction (PostgreSQL: runTx) starts afresh.
		it.ev, it.errs, it.row, it.same = model.Event{}, nil, -1, -1
	}
	rf, err := loadRefs(ctx, tx, ins)
	if err != nil {
		return 0, err
	}
	rows, owners := s.plan(rf, items)
	if !alone {
		if errs := itemErrors(items); errs != nil {
			return 0, errs
		}
	}
	kept, err := s.insert(ctx, tx, items, rows, owners, alone)
	if err != nil {
		return 0, err
	}
	d, err := registerDeltas(kept)
	if err != nil {
		return 0, err
	}
	if err := applyRollups(ctx, tx, d); err != nil {
		return 0, err
	}
	for i := range items {
		it := &items[i]
		if it.row >= 0 {
			it.ev = rows[it.row].model()
		}
		if it.same >= 0 { // an earlier item, answered by now
			it.ev, it.errs = items[it.same].ev, items[it.same].errs
		}
	}
	return len(kept), nil
}

// plan checks every item not already bad and returns the rows to insert
// with the index of each row's item.
func (s *Store) plan(rf *refs, items []regItem) (rows []eventRow, owners []int) {
	first := map[ownedKey]int{} // key -> the item that inserts it
	for i := range items {
		it := &items[i]
		if it.bad != nil {
			continue
		}
		if it.in.IdempotencyKey != nil {
			key := keyOf(it.in)
			if e, ok := rf.prior[key]; ok {
				replay(it, e, true)
				continue
			}
			if j, ok := first[key]; ok {
				if replay(it, rows[items[j].row].model(), false) {
					it.same = j
				}
				continue
			}
		}
		row, errs := s.checkEvent(rf, it.by, it.now, it.in, it.at)
		if errs != nil {
			it.errs = errs
			continue
		}
		it.row = len(rows)
		rows, owners = append(rows, row), append(owners, i)
		if it.in.IdempotencyKey != nil {
			first[keyOf(it.in)] = i
		}
	}
	return rows, owners
}

// replay answers an item whose key already holds e: the same payload is a
// replay, which gets e when take is set, and another payload is EConflict.
// It reports whether the payloads matched.
func replay(it *regItem, e model.Event, take bool) bool {
	if !e.SamePayload(it.in) {
		it.errs = model.Errors{conflictKey(it.at, *it.in.IdempotencyKey)}
		return false
	}
	if take {
		it.ev = e
	}
	return true
}

// itemErrors returns every item's errors, by item index, or nil.
func itemErrors(items []regItem) error {
	var errs model.Errors
	for i := range items {
		errs = append(append(errs, items[i].bad...), items[i].errs...)
	}
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(a, b int) bool { return itemIndex(errs[a].Field) < itemIndex(errs[b].Field) })
	return errs
}

// insert inserts rows, filling their ids, and returns those inserted. The
// keys were checked in this transaction, so a unique violation means a
// concurrent transaction (PostgreSQL) committed one of them since. All or
// nothing, the whole transaction then runs again, which finds the
// winner's event and returns it (same payload) or EConflict (another
// payload). Alone, only the colliding items are answered so (insertRows)
// and their rows left out.
func (s *Store) insert(ctx context.Context, tx bun.Tx, items []regItem, rows []eventRow, owners []int, alone bool) ([]eventRow, error) {
	if !alone {
		if err := insertEvents(ctx, tx, rows); err != nil {
			if isUnique(err) {
				return nil, retryError{model.Errorf(model.EConflict, "an idempotency key was used concurrently; retry")}
			}
			return nil, fmt.Errorf("store: insert events: %w", err)
		}
		return rows, nil
	}
	collided, err := insertRows(ctx, tx, rows)
	if err != nil {
		return nil, err
	}
	// PostgreSQL makes the loser's insert wait for the winner's commit, so
	// this statement sees the winner's event.
	winners, err := collidedKeys(ctx, tx, rows, collided)
	if err != nil {
		return nil, err
	}
	if len(collided) == 0 {
		return rows, nil
	}
	kept := rows[:0:0]
	for i, row := range rows {
		if !collided[i] {
			kept = append(kept, row)
			continue
		}
		it := &items[owners[i]]
		it.row = -1
		if e, ok := winners[keyOf(it.in)]; ok {
			replay(it, e, true)
		} else {
			it.errs = model.Errors{conflictKey(it.at, *row.IdempotencyKey)}
		}
	}
	return kept, nil
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
