package model

import (
	"strconv"
	"unicode/utf8"
)

// QuoteMax is how many bytes of a client's value, once quoted, an error
// message shows at most.
const QuoteMax = 100

// Quote returns s Go-quoted for an error message that echoes a client's
// value: whole when its quoted form fits in QuoteMax bytes, otherwise as
// much of it as fits (cut between runes), an ellipsis and its length in
// bytes, e.g. `"99999"… (9437184 bytes)`. Every message that echoes a
// client's value quotes it with Quote, so a megabyte of bad input never
// comes back whole.
func Quote(s string) string {
	if len(s) <= QuoteMax {
		if q := strconv.Quote(s); len(q) <= QuoteMax+2 {
			return q
		}
	}
	b := make([]byte, 0, QuoteMax+24)
	b = append(b, '"')
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		q := strconv.Quote(s[i : i+size])
		if len(b)+len(q)-2 > QuoteMax+1 {
			break
		}
		b = append(b, q[1:len(q)-1]...)
		i += size
	}
	b = append(b, `"… (`...)
	b = strconv.AppendInt(b, int64(len(s)), 10)
	return string(append(b, " bytes)"...))
}
