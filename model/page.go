package model

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Page sizes of connections.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// Cursor is a keyset position in a list ordered by (Time, ID). Lists that
// are ordered by id alone leave Time zero.
type Cursor struct {
	Time time.Time
	ID   int64
}

const cursorPrefix = "v1:"

// Encode returns the cursor as an opaque string.
func (c Cursor) Encode() string {
	raw := cursorPrefix + strconv.FormatInt(c.Time.UnixMicro(), 10) + ":" + strconv.FormatInt(c.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor parses a string made by Encode, and only those: any other
// spelling of the same position (a '+', leading zeros, other base64 tail
// bits) is refused like garbage.
func DecodeCursor(s string) (Cursor, error) {
	bad := Invalid("after", "invalid cursor: pass an endCursor or cursor returned by this API")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return Cursor{}, bad
	}
	ts, id, ok := strings.Cut(strings.TrimPrefix(string(raw), cursorPrefix), ":")
	if !ok {
		return Cursor{}, bad
	}
	us, err1 := strconv.ParseInt(ts, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 {
		return Cursor{}, bad
	}
	c := Cursor{Time: time.UnixMicro(us).UTC(), ID: n}
	if c.Encode() != s {
		return Cursor{}, bad
	}
	return c, nil
}

// PageArgs are the parsed first/after arguments of a connection.
type PageArgs struct {
	First int
	After *Cursor
}

// NewPageArgs validates first and after and applies the default size.
func NewPageArgs(first *int, after *string) (PageArgs, error) {
	p := PageArgs{First: DefaultPageSize}
	if first != nil {
		if *first < 0 || *first > MaxPageSize {
			return p, Invalid("first", "must be between 0 and %d", MaxPageSize)
		}
		p.First = *first
	}
	if after != nil {
		c, err := DecodeCursor(*after)
		if err != nil {
			return p, err
		}
		p.After = &c
	}
	return p, nil
}
