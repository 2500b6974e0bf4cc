package model

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on free-text input.
const (
	MaxNameLen   = 200
	MaxRefLen    = 100
	MaxReasonLen = 500
	MaxKeyLen    = 255
)

// Caregiver is a person or unit that performs healthcare events and is paid
// back for them.
type Caregiver struct {
	ID          int64
	Name        string
	ExternalRef *string
	CreatedAt   time.Time
}

// CaregiverFilter selects caregivers. Nil IDs mean any; empty IDs match
// nothing.
type CaregiverFilter struct {
	IDs []int64
}

// NewCaregiver is the input of CreateCaregiver.
type NewCaregiver struct {
	Name        string
	ExternalRef *string
}

// Normalize trims the input and checks it.
func (n *NewCaregiver) Normalize() error {
	var errs Errors
	if err := normalizeText("name", &n.Name, MaxNameLen); err != nil {
		errs = append(errs, err)
	}
	if n.ExternalRef != nil {
		ref := *n.ExternalRef // a copy: never trim the caller's string
		if err := normalizeText("externalRef", &ref, MaxRefLen); err != nil {
			errs = append(errs, err)
		}
		n.ExternalRef = &ref
	}
	return errs.Err()
}

// normalizeText trims *s and requires it to be non-empty and at most max
// characters long.
func normalizeText(field string, s *string, max int) *Error {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		return Invalid(field, "must not be empty")
	}
	if utf8.RuneCountInString(*s) > max {
		return Invalid(field, "must be at most %d characters", max)
	}
	if !utf8.ValidString(*s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if strings.IndexFunc(*s, unicode.IsControl) >= 0 {
		return Invalid(field, "must not contain control characters such as tabs or newlines")
	}
	return nil
}
