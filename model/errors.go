// Package model holds Reimburse's domain types and rules. It does no I/O and
// imports neither the storage nor the transport framework.
package model

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error by what a client can do about it. internal/apierr
// (WireCode) maps each code to the wire exactly once.
type Code string

// The error codes of the domain.
const (
	EInvalid         Code = "invalid"
	ENotFound        Code = "not_found"
	EConflict        Code = "conflict"
	EUnauthenticated Code = "unauthenticated"
	EForbidden       Code = "forbidden"
	ERateLimited     Code = "rate_limited"
	EInternal        Code = "internal"
)

// Error is a client-caused error with a code, a message that is safe to show,
// and optionally the input field it concerns (e.g. "occurredAt" or
// "[3].occurredAt" relative to the argument).
type Error struct {
	Code    Code
	Message string
	Field   string
	// overflow marks the errors of Overflow.
	overflow bool
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error about field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// WithField returns a copy of e whose field is prefixed by prefix: a prefix
// "[3]" and field "occurredAt" give "[3].occurredAt".
func (e *Error) WithField(prefix string) *Error {
	c := *e
	switch {
	case prefix == "":
	case c.Field == "":
		c.Field = prefix
	case strings.HasPrefix(c.Field, "["):
		c.Field = prefix + c.Field
	default:
		c.Field = prefix + "." + c.Field
	}
	return &c
}

// ErrorCode returns the code of err, EInternal when err carries none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Errors is a list of client errors reported together, such as every bad item
// of a batch. It is never empty when returned as an error.
type Errors []*Error

// Error implements the error interface.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap lets errors.As find the first error's code.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Err returns es as an error, or nil when es is empty.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
