package model_test

import (
	"math/big"
	"regexp"
	"testing"

	"github.com/reimburse/reimburse/model"
)

func TestParseDecimal(t *testing.T) {
	ok := []struct {
		in   string
		want model.Money
	}{
		{"0", 0}, {"1", 100}, {"12.5", 1250}, {"12.50", 1250}, {"1250.05", 125005},
		{"-5", -500}, {"-0.01", -1}, {"999999999999999.99", 99999999999999999},
	}
	for _, c := range ok {
		got, err := model.ParseDecimal(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDecimal(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	bad := []string{"", "12.345", "abc", "1e3", "1E3", "12.", ".5", "+5", " 5", "5 ", "1,5", "012", "--5", "1.2.3",
		"0x10", "1000000000000000", "NaN", "Inf", "١٢"}
	for _, in := range bad {
		if _, err := model.ParseDecimal(in); model.ErrorCode(err) != model.EInvalid {
			t.Errorf("ParseDecimal(%q) err = %v; want EInvalid", in, err)
		}
	}
}

func TestMoneyDecimal(t *testing.T) {
	for m, want := range map[model.Money]string{
		0: "0.00", 1: "0.01", 10: "0.10", 100: "1.00", 125050: "1250.50", -1: "-0.01", -125050: "-1250.50",
		9000000000: "90000000.00",
	} {
		if got := m.Decimal(); got != want {
			t.Errorf("Money(%d).Decimal() = %q; want %q", int64(m), got, want)
		}
	}
}

func TestValidatePrice(t *testing.T) {
	for _, m := range []model.Money{0, -1, -500, model.MaxPrice + 1} {
		if err := model.ValidatePrice("price", m); model.ErrorCode(err) != model.EInvalid {
			t.Errorf("ValidatePrice(%d) = %v; want EInvalid", m, err)
		}
	}
	for _, m := range []model.Money{1, model.MaxPrice} {
		if err := model.ValidatePrice("price", m); err != nil {
			t.Errorf("ValidatePrice(%d) = %v", m, err)
		}
	}
}

// decimalShape is the fuzzer's reference grammar of Decimal: an optional
// '-', an integer part of at most 15 digits without leading zeros, and at
// most two fraction digits.
var decimalShape = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$`)

// FuzzParseDecimal compares ParseDecimal with a reference: decimalShape for
// what is accepted, math/big for the amount and for its Decimal form.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "12.50", "-5", "1e3", "12.345", "", "999999999999999.99", "-0", "+5", "0x10", "1_000", "01", ".5", "5.", "1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := model.ParseDecimal(s)
		if !decimalShape.MatchString(s) {
			if model.ErrorCode(err) != model.EInvalid {
				t.Fatalf("ParseDecimal(%q) = %d, %v; want EInvalid", s, m, err)
			}
			return
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("math/big rejects %q", s)
		}
		minor := new(big.Rat).Mul(r, big.NewRat(100, 1))
		if !minor.IsInt() || !minor.Num().IsInt64() {
			t.Fatalf("%q is %s minor units", s, minor)
		}
		if err != nil || int64(m) != minor.Num().Int64() {
			t.Fatalf("ParseDecimal(%q) = %d, %v; want %s", s, m, err, minor.Num())
		}
		if got, want := m.Decimal(), new(big.Rat).SetFrac64(int64(m), 100).FloatString(2); got != want {
			t.Fatalf("Decimal(%d) = %q, want %q", m, got, want)
		}
	})
}

func TestMoneyAppendDecimal(t *testing.T) {
	for _, m := range []model.Money{0, 1, 9, 10, 99, 100, 101, 125050, -1, -10, -100, -125050, 1<<63 - 1, -1 << 63} {
		prefix := []byte("x")
		got := string(m.AppendDecimal(prefix))
		if want := "x" + m.Decimal(); got != want {
			t.Errorf("Money(%d).AppendDecimal = %q; want %q", int64(m), got, want)
		}
	}
	if got := model.Money(-1 << 63).Decimal(); got != "-92233720368547758.08" {
		t.Errorf("Decimal of the smallest int64 = %q", got)
	}
}

func TestMoneyAdd(t *testing.T) {
	const max, min = model.MaxMoney, -model.MaxMoney - 1
	ok := []struct{ a, b, want model.Money }{
		{1, 2, 3}, {max - 1, 1, max}, {max, 0, max}, {min + 1, -1, min}, {max, min, -1}, {-5, 3, -2},
	}
	for _, c := range ok {
		if got, err := c.a.Add(c.b); err != nil || got != c.want {
			t.Errorf("%d + %d = %d, %v; want %d", c.a, c.b, got, err, c.want)
		}
	}
	for _, c := range [][2]model.Money{{max, 1}, {1, max}, {max, max}, {min, -1}, {-1, min}, {min, min}, {model.MaxPrice, max - model.MaxPrice + 1}} {
		got, err := c[0].Add(c[1])
		if model.ErrorCode(err) != model.EInvalid || !model.IsOverflow(err) || got != 0 {
			t.Errorf("%d + %d = %d, %v; want an overflow error", c[0], c[1], got, err)
		}
	}
	if model.IsOverflow(model.Invalid("x", "not an overflow")) || model.IsOverflow(nil) {
		t.Error("IsOverflow of other errors is true")
	}
}

// TestBuildReportOverflow: the sums of a report past the range of Money
// are an overflow error, never an amount wrapped around to a negative one;
// the amount of a total (reimbursed + pending) counts as a sum too.
func TestBuildReportOverflow(t *testing.T) {
	half := model.MaxMoney/2 + 1
	fits := []model.ReportRow{
		{Month: 202403, CaregiverID: 1, Status: model.StatusPending, Count: 1, Amount: half},
		{Month: 202403, CaregiverID: 2, Status: model.StatusPending, Count: 1, Amount: half - 2},
	}
	var r model.Report
	if err := model.BuildReport(&r, fits); err != nil {
		t.Fatalf("sums that fit: %v", err)
	}
	if got := r.Totals.Amount(); got != model.MaxMoney-1 {
		t.Fatalf("total %s, want %s", got.Decimal(), (model.MaxMoney - 1).Decimal())
	}
	for name, rows := range map[string][]model.ReportRow{
		"AcrossCaregivers":     {fits[0], {Month: 202403, CaregiverID: 2, Status: model.StatusPending, Count: 1, Amount: half}},
		"AcrossMonths":         {fits[0], {Month: 202404, CaregiverID: 1, Status: model.StatusPending, Count: 1, Amount: half}},
		"ReimbursedAndPending": {fits[0], {Month: 202403, CaregiverID: 1, Status: model.StatusReimbursed, Count: 1, Amount: half}},
	} {
		t.Run(name, func(t *testing.T) {
			var r model.Report
			err := model.BuildReport(&r, rows)
			if !model.IsOverflow(err) || model.ErrorCode(err) != model.EInvalid {
				t.Fatalf("err = %v, want an overflow error; totals %+v", err, r.Totals)
			}
		})
	}
}
