package model_test

import (
	"strings"
	"testing"

	"github.com/reimburse/reimburse/model"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"2024-13", `"2024-13"`},
		{`say "hi"`, `"say \"hi\""`},
		{strings.Repeat("x", 100), `"` + strings.Repeat("x", 100) + `"`},
		{strings.Repeat("x", 101), `"` + strings.Repeat("x", 100) + `"… (101 bytes)`},
		// Cut at a rune boundary: 33 three-byte runes fit in 100 bytes.
		{strings.Repeat("€", 40), `"` + strings.Repeat("€", 33) + `"… (120 bytes)`},
		// Escapes count: the quoted part stays within 100 bytes.
		{strings.Repeat("\x00", 30), `"` + strings.Repeat(`\x00`, 25) + `"… (30 bytes)`},
		{"\xff", `"\xff"`},
	} {
		if got := model.Quote(c.in); got != c.want {
			t.Errorf("Quote(%.20q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestErrorsQuoteShort: a parse error that echoes a 9 MB value quotes at
// most model.QuoteMax bytes of it.
func TestErrorsQuoteShort(t *testing.T) {
	big := strings.Repeat("9", 9<<20) + "x"
	for name, parse := range map[string]func(string) error{
		"DateTime":  func(s string) error { _, err := model.ParseDateTime(s); return err },
		"Decimal":   func(s string) error { _, err := model.ParseDecimal(s); return err },
		"YearMonth": func(s string) error { _, err := model.ParseYearMonth(s); return err },
		"Cursor":    func(s string) error { _, err := model.DecodeCursor(s); return err },
	} {
		err := parse(big)
		if model.ErrorCode(err) != model.EInvalid || len(err.Error()) > 250 {
			t.Errorf("%s: %d-byte message %.300q (code %s); want EInvalid under 250 bytes", name, len(err.Error()), err, model.ErrorCode(err))
		}
	}
}
