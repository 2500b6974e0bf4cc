package model

import (
	"fmt"
	"strings"
	"time"
)

// EventStatus is the life-cycle state of an event.
type EventStatus string

// The event statuses. Only PENDING events can be reimbursed or voided.
const (
	StatusPending    EventStatus = "PENDING"
	StatusReimbursed EventStatus = "REIMBURSED"
	StatusVoided     EventStatus = "VOIDED"
)

// Valid reports whether s is a known status.
func (s EventStatus) Valid() bool {
	return s == StatusPending || s == StatusReimbursed || s == StatusVoided
}

// MaxFuture is how far into the future an event may lie, for clock skew.
const MaxFuture = 5 * time.Minute

// DefaultMaxBackdate is how old an event a CAREGIVER token may register
// unless the deployment configures another bound (serve --max-backdate).
const DefaultMaxBackdate = 720 * time.Hour

// CheckBackdate returns EInvalid on occurredAt when role may not register an
// event that occurred at at, now being now: a CAREGIVER may backdate at most
// max (an event exactly max old is allowed); ADMIN and ACCOUNTANT may
// backdate freely. The future bound (MaxFuture) applies to every role and is
// checked by NewEvent.Normalize.
func CheckBackdate(role Role, at, now time.Time, max time.Duration) *Error {
	if role != RoleCaregiver || !at.Before(now.Add(-max)) {
		return nil
	}
	return Invalid("occurredAt", "must not lie more than %s in the past for a CAREGIVER token; ask an accountant to register older events", formatDuration(max))
}

// formatDuration prints whole hours as "720h" rather than "720h0m0s".
func formatDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}

// MaxBatch bounds registerEvents, reimburseEvents and id lists.
const MaxBatch = 10000

// Event is one registered healthcare event.
type Event struct {
	ID              int64
	EventTypeID     int64
	CaregiverID     int64
	OccurredAt      time.Time
	Month           YearMonth // month of OccurredAt in the report time zone
	Amount          Money     // the type's price at OccurredAt, fixed at registration
	Status          EventStatus
	RegisteredAt    time.Time
	RegisteredBy    int64 // token id
	ReimbursedAt    *time.Time
	ReimbursementID *int64
	VoidedAt        *time.Time
	VoidedBy        *int64
	VoidReason      *string
	IdempotencyKey  *string
}

// NewEvent is one input of RegisterEvents.
type NewEvent struct {
	EventTypeID    int64
	CaregiverID    int64
	OccurredAt     time.Time
	IdempotencyKey *string
}

// MinOccurredAt is the earliest occurredAt. ADMIN and ACCOUNTANT tokens
// may backdate freely, but RFC 3339's year 0000, with an offset, reaches
// year -1 in UTC, where a month key (YYYYMM) turns negative.
var MinOccurredAt = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)

// Normalize truncates occurredAt to the stored precision and checks the
// parts of the input that need no lookups.
func (n *NewEvent) Normalize(now time.Time) error {
	var errs Errors
	n.OccurredAt = n.OccurredAt.UTC().Truncate(Precision)
	if n.OccurredAt.Before(MinOccurredAt) {
		errs = append(errs, Invalid("occurredAt", "must not lie before 0001-01-01T00:00:00Z"))
	}
	if n.OccurredAt.After(now.Add(MaxFuture)) {
		errs = append(errs, Invalid("occurredAt", "must not lie more than %d minutes in the future", int(MaxFuture/time.Minute)))
	}
	if n.IdempotencyKey != nil {
		key := *n.IdempotencyKey // a copy: never trim the caller's string
		if err := normalizeText("idempotencyKey", &key, MaxKeyLen); err != nil {
			errs = append(errs, err)
		}
		n.IdempotencyKey = &key
	}
	return errs.Err()
}

// SamePayload reports whether an existing event was registered from the same
// input, for idempotent retries.
func (e *Event) SamePayload(n NewEvent) bool {
	return e.EventTypeID == n.EventTypeID && e.CaregiverID == n.CaregiverID && e.OccurredAt.Equal(n.OccurredAt)
}

// NormalizeReason trims and checks a void reason.
func NormalizeReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if err := normalizeText("reason", &reason, MaxReasonLen); err != nil {
		return "", err
	}
	return reason, nil
}

// EventFilter selects events. Nil slices mean "any"; empty slices match
// nothing.
type EventFilter struct {
	CaregiverIDs    []int64
	EventTypeIDs    []int64
	From, To        *time.Time // [From, To) on OccurredAt
	Statuses        []EventStatus
	ReimbursementID *int64
}

// Normalize rounds the period bounds to the stored precision.
func (f *EventFilter) Normalize() { f.From, f.To = ceilPtr(f.From), ceilPtr(f.To) }

// Reimbursement is one payout batch.
type Reimbursement struct {
	ID         int64
	CreatedAt  time.Time
	CreatedBy  int64 // token id
	EventCount int64
	Total      Money
}
