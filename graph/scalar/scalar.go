// Package scalar marshals Reimburse's custom GraphQL scalars. Parse errors
// are *model.Error with code EInvalid, so the error presenter reports them as
// BAD_USER_INPUT on the input path gqlgen records.
package scalar

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/model"
)

func quoted(w io.Writer, s string) {
	_, _ = io.WriteString(w, strconv.Quote(s))
}

func str(v any, kind, example string) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case json.Number:
		return "", model.Errorf(model.EInvalid, "%s must be a string, e.g. %q, not a number", kind, example)
	default:
		return "", model.Errorf(model.EInvalid, "%s must be a string, e.g. %q", kind, example)
	}
}

// MarshalID writes an id as a GraphQL ID string.
func MarshalID(id int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { quoted(w, strconv.FormatInt(id, 10)) })
}

// UnmarshalID parses an id given as a string or integer.
func UnmarshalID(v any) (int64, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	default:
		return 0, model.Errorf(model.EInvalid, "invalid ID: expected a string")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, model.Errorf(model.EInvalid, "invalid ID %s", model.Quote(s))
	}
	return n, nil
}

// MarshalDateTime writes t in RFC 3339, UTC.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { quoted(w, model.FormatDateTime(t)) })
}

// UnmarshalDateTime parses an RFC 3339 string with an explicit offset.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, err := str(v, "DateTime", "2024-03-01T09:30:00+01:00")
	if err != nil {
		return time.Time{}, err
	}
	return model.ParseDateTime(s)
}

// MarshalDecimal writes minor units as an exact decimal string.
func MarshalDecimal(m model.Money) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [32]byte
		_, _ = w.Write(AppendDecimal(buf[:0], m))
	})
}

// AppendDecimal appends to dst exactly what MarshalDecimal writes, for
// writers that build JSON in a byte slice (the report fast path).
func AppendDecimal(dst []byte, m model.Money) []byte {
	dst = append(dst, '"')
	dst = m.AppendDecimal(dst)
	return append(dst, '"')
}

// UnmarshalDecimal parses an exact decimal string into minor units.
func UnmarshalDecimal(v any) (model.Money, error) {
	s, err := str(v, "Decimal", "1250.50")
	if err != nil {
		return 0, err
	}
	return model.ParseDecimal(s)
}

// MarshalYearMonth writes "YYYY-MM".
func MarshalYearMonth(ym model.YearMonth) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { quoted(w, ym.String()) })
}

// UnmarshalYearMonth parses "YYYY-MM".
func UnmarshalYearMonth(v any) (model.YearMonth, error) {
	s, err := str(v, "YearMonth", "2024-03")
	if err != nil {
		return 0, err
	}
	return model.ParseYearMonth(s)
}
