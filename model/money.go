package model

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in minor units (öre, cents). It is never a float.
type Money int64

// maxIntDigits bounds the integer part of a decimal so that any parsed amount,
// and sums of many of them, stay far from int64 overflow.
const maxIntDigits = 15

// ParseDecimal parses an exact decimal string with at most two fraction digits
// ("1250.50", "12", "-3.5") into minor units. Exponents, signs other than a
// leading '-', spaces and more than two fraction digits are rejected.
func ParseDecimal(s string) (Money, error) {
	bad := func(why string) (Money, error) {
		return 0, Errorf(EInvalid, "invalid Decimal %s: %s", Quote(s), why)
	}
	if s == "" {
		return bad("empty")
	}
	neg := false
	body := s
	if body[0] == '-' {
		neg, body = true, body[1:]
	}
	intPart, frac, hasDot := strings.Cut(body, ".")
	if intPart == "" || !digits(intPart) {
		return bad(`expected digits with an optional '.' and up to 2 fraction digits, e.g. "1250.50"`)
	}
	if hasDot && (frac == "" || !digits(frac)) {
		return bad(`expected digits after '.'`)
	}
	if len(frac) > 2 {
		return bad("at most 2 fraction digits")
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return bad("leading zeros")
	}
	if len(intPart) > maxIntDigits {
		return bad("too large")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return bad("too large")
	}
	if neg {
		n = -n
	}
	return Money(n), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Decimal formats m as an exact decimal string with two fraction digits.
func (m Money) Decimal() string { return string(m.AppendDecimal(nil)) }

// AppendDecimal appends m's Decimal form to dst. It is the one formatter of
// amounts: the GraphQL scalar and the report fast path write through it, so
// they cannot disagree, and it does not allocate when dst has room.
func (m Money) AppendDecimal(dst []byte) []byte {
	u := uint64(m)
	if m < 0 {
		dst = append(dst, '-')
		u = -u
	}
	var buf [20]byte
	d := strconv.AppendUint(buf[:0], u, 10)
	switch len(d) {
	case 1:
		return append(dst, '0', '.', '0', d[0])
	case 2:
		return append(dst, '0', '.', d[0], d[1])
	}
	dst = append(dst, d[:len(d)-2]...)
	dst = append(dst, '.')
	return append(dst, d[len(d)-2:]...)
}

// MaxPrice bounds a price at 1,000,000,000.00. Sums are int64 minor units:
// at this cap it takes over 92 million events at the highest price to
// overflow one, far past any deployment's volume, while any smaller cap
// could refuse a real price. Sums are checked all the same (Money.Add):
// events loaded in bulk carry amounts of their own, and databases made
// before the cap may hold higher prices.
const MaxPrice Money = 100_000_000_000

// ValidatePrice checks that a price is greater than zero and at most
// MaxPrice.
func ValidatePrice(field string, m Money) error {
	if m <= 0 {
		return Invalid(field, "price must be greater than 0, got %s", m.Decimal())
	}
	if m > MaxPrice {
		return Invalid(field, "price must be at most %s, got %s", MaxPrice.Decimal(), m.Decimal())
	}
	return nil
}

// MaxMoney is the largest amount Money holds: 92233720368547758.07 in a
// currency with two fraction digits. No sum of money may pass it.
const MaxMoney Money = math.MaxInt64

// Add returns m + n, or an overflow error (EInvalid, see IsOverflow) when
// the exact sum lies outside the range of Money: int64 arithmetic would
// wrap it around to an amount of the other sign.
func (m Money) Add(n Money) (Money, error) {
	s := m + n
	if (n > 0 && s < m) || (n < 0 && s > m) {
		return 0, Overflow("the sum passes the largest amount, %s", MaxMoney.Decimal())
	}
	return s, nil
}

// Overflow returns the EInvalid error of a sum of money that would pass
// the range of Money; its message should say what the client can do.
// IsOverflow recognizes it.
func Overflow(format string, args ...any) *Error {
	e := Errorf(EInvalid, format, args...)
	e.overflow = true
	return e
}

// IsOverflow reports whether err is or wraps an Overflow error, so that a
// caller can replace Add's generic message with one about its own sum.
func IsOverflow(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.overflow
}
