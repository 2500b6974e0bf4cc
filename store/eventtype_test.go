package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

// priceStrings renders a history as "amount@from" with "-" for no
// effectiveFrom, for compact comparisons.
func priceStrings(ps []model.Price) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		from := "-"
		if p.EffectiveFrom != nil {
			from = model.FormatDateTime(*p.EffectiveFrom)
		}
		out[i] = p.Amount.Decimal() + "@" + from
	}
	return out
}

func TestCreateEventType(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s := MustOpen(t)
		et, err := s.CreateEventType(t.Context(), model.NewEventType{Code: " XRAY ", Name: " X-ray ", Price: 125050})
		if err != nil {
			t.Fatal(err)
		}
		if et.ID == 0 || et.Code != "XRAY" || et.Name != "X-ray" || !et.CreatedAt.Equal(testNow) {
			t.Fatalf("got %+v", et)
		}
		if got := priceStrings(et.Prices); !slices.Equal(got, []string{"1250.50@-"}) {
			t.Fatalf("got prices %v", got)
		}
		got, err := s.FindEventTypeByID(t.Context(), et.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != "XRAY" || !slices.Equal(priceStrings(got.Prices), priceStrings(et.Prices)) {
			t.Fatalf("read back %+v", got)
		}
	})

	t.Run("OKWithEffectiveFrom", func(t *testing.T) {
		s := MustOpen(t)
		from := utc(2024, 1, 1, 0, 0)
		et := mustEventType(t, s, "MRI", 500000, &from)
		if got := priceStrings(et.Prices); !slices.Equal(got, []string{"5000.00@2024-01-01T00:00:00Z"}) {
			t.Fatalf("got prices %v", got)
		}
	})

	for _, code := range []string{"X", "XRAY", "XRAY_2", "A1_B2", strings.Repeat("Z", 32)} {
		t.Run("OKCode"+code[:min(len(code), 8)], func(t *testing.T) {
			s := MustOpen(t)
			if et := mustEventType(t, s, code, 100, nil); et.Code != code {
				t.Fatalf("got code %q", et.Code)
			}
		})
	}

	for _, tc := range []struct {
		name  string
		in    model.NewEventType
		field string
	}{
		{"ErrCodeLowercase", model.NewEventType{Code: "xray", Name: "X", Price: 100}, "code"},
		{"ErrCodeEmpty", model.NewEventType{Code: "", Name: "X", Price: 100}, "code"},
		{"ErrCodeSpace", model.NewEventType{Code: "X RAY", Name: "X", Price: 100}, "code"},
		{"ErrCodeTooLong", model.NewEventType{Code: strings.Repeat("X", 33), Name: "X", Price: 100}, "code"},
		{"ErrCodeLeadingDigit", model.NewEventType{Code: "1XRAY", Name: "X", Price: 100}, "code"},
		{"ErrCodeLeadingUnderscore", model.NewEventType{Code: "_XRAY", Name: "X", Price: 100}, "code"},
		{"ErrCodeDash", model.NewEventType{Code: "X-RAY", Name: "X", Price: 100}, "code"},
		{"ErrCodeNonASCII", model.NewEventType{Code: "ÅRAY", Name: "X", Price: 100}, "code"},
		{"ErrNameRequired", model.NewEventType{Code: "XRAY", Name: "  ", Price: 100}, "name"},
		{"ErrNameTooLong", model.NewEventType{Code: "XRAY", Name: strings.Repeat("n", model.MaxNameLen+1), Price: 100}, "name"},
		{"ErrPriceZero", model.NewEventType{Code: "XRAY", Name: "X", Price: 0}, "price"},
		{"ErrPriceNegative", model.NewEventType{Code: "XRAY", Name: "X", Price: -100}, "price"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := MustOpen(t)
			_, err := s.CreateEventType(t.Context(), tc.in)
			wantErr(t, err, model.EInvalid, tc.field)
			if ets, err := s.FindEventTypes(t.Context()); err != nil || len(ets) != 0 {
				t.Fatalf("got %v, %v; want no event types", ets, err)
			}
		})
	}

	t.Run("ErrAllFieldsReported", func(t *testing.T) {
		s := MustOpen(t)
		_, err := s.CreateEventType(t.Context(), model.NewEventType{Code: "x", Name: "", Price: 0})
		wantErrs(t, err, [2]string{"invalid", "code"}, [2]string{"invalid", "name"}, [2]string{"invalid", "price"})
	})

	t.Run("ErrDuplicateCode", func(t *testing.T) {
		s := MustOpen(t)
		mustEventType(t, s, "XRAY", 100, nil)
		_, err := s.CreateEventType(t.Context(), model.NewEventType{Code: " XRAY", Name: "Other", Price: 200})
		e := wantErr(t, err, model.EConflict, "code")
		if !strings.Contains(e.Message, "XRAY") {
			t.Fatalf("message %q does not name the code", e.Message)
		}
		if ets, err := s.FindEventTypes(t.Context()); err != nil || len(ets) != 1 {
			t.Fatalf("got %v, %v; want one event type", ets, err)
		}
	})
}

func TestFindEventTypes(t *testing.T) {
	s := MustOpen(t)
	b := mustEventType(t, s, "BB", 200, nil)
	a := mustEventType(t, s, "AA", 100, nil)
	c := mustEventType(t, s, "CC", 300, nil)

	t.Run("OKOrderedByCode", func(t *testing.T) {
		ets, err := s.FindEventTypes(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, et := range ets {
			codes = append(codes, et.Code)
			if len(et.Prices) != 1 {
				t.Fatalf("%s has prices %v", et.Code, et.Prices)
			}
		}
		if !slices.Equal(codes, []string{"AA", "BB", "CC"}) {
			t.Fatalf("got %v", codes)
		}
	})
	t.Run("OKByIDs", func(t *testing.T) {
		ets, err := s.FindEventTypesByIDs(t.Context(), []int64{c.ID, a.ID, 999, a.ID})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, et := range ets {
			ids = append(ids, et.ID)
		}
		slices.Sort(ids)
		if want := []int64{a.ID, c.ID}; !slices.Equal(ids, want) {
			t.Fatalf("got %v, want %v", ids, want)
		}
		if ets, err := s.FindEventTypesByIDs(t.Context(), nil); err != nil || len(ets) != 0 {
			t.Fatalf("nil ids: got %v, %v", ets, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.FindEventTypeByID(t.Context(), b.ID+100)
		wantErr(t, err, model.ENotFound, "")
	})
}

func TestSetEventTypePrice(t *testing.T) {
	t.Run("OKHistoryOldestFirst", func(t *testing.T) {
		s := MustOpen(t)
		et := mustEventType(t, s, "XRAY", 10000, nil)
		mustPrice(t, s, et.ID, 30000, utc(2024, 3, 1, 0, 0))
		got, err := s.SetEventTypePrice(t.Context(), model.NewPrice{EventTypeID: et.ID, Price: 20000, EffectiveFrom: utc(2024, 2, 1, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"100.00@-", "200.00@2024-02-01T00:00:00Z", "300.00@2024-03-01T00:00:00Z"}
		if p := priceStrings(got.Prices); !slices.Equal(p, want) {
			t.Fatalf("returned history %v, want %v", p, want)
		}
		read, err := s.FindEventTypeByID(t.Context(), et.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p := priceStrings(read.Prices); !slices.Equal(p, want) {
			t.Fatalf("stored history %v, want %v", p, want)
		}
		if cur := read.CurrentPrice(testNow); cur != 30000 {
			t.Fatalf("current price %d, want 30000", cur)
		}
	})

	t.Run("ErrDuplicateEffectiveFrom", func(t *testing.T) {
		s := MustOpen(t)
		from := utc(2024, 1, 1, 0, 0)
		et := mustEventType(t, s, "XRAY", 10000, &from)
		_, err := s.SetEventTypePrice(t.Context(), model.NewPrice{EventTypeID: et.ID, Price: 20000, EffectiveFrom: from})
		wantErr(t, err, model.EConflict, "effectiveFrom")
		mustPrice(t, s, et.ID, 30000, utc(2024, 2, 1, 0, 0))
		_, err = s.SetEventTypePrice(t.Context(), model.NewPrice{EventTypeID: et.ID, Price: 40000, EffectiveFrom: utc(2024, 2, 1, 0, 0).In(mustZone(t, "Europe/Stockholm"))})
		wantErr(t, err, model.EConflict, "effectiveFrom") // same instant, other zone
		read, _ := s.FindEventTypeByID(t.Context(), et.ID)
		if p := priceStrings(read.Prices); !slices.Equal(p, []string{"100.00@2024-01-01T00:00:00Z", "300.00@2024-02-01T00:00:00Z"}) {
			t.Fatalf("history %v was changed by a refused price", p)
		}
	})

	t.Run("OKSameInstantOtherType", func(t *testing.T) {
		s := MustOpen(t)
		a, b := mustEventType(t, s, "AA", 100, nil), mustEventType(t, s, "BB", 100, nil)
		mustPrice(t, s, a.ID, 200, utc(2024, 2, 1, 0, 0))
		mustPrice(t, s, b.ID, 300, utc(2024, 2, 1, 0, 0))
	})

	t.Run("ErrUnknownType", func(t *testing.T) {
		s := MustOpen(t)
		_, err := s.SetEventTypePrice(t.Context(), model.NewPrice{EventTypeID: 42, Price: 100, EffectiveFrom: testNow})
		wantErr(t, err, model.ENotFound, "eventTypeId")
	})

	for _, price := range []model.Money{0, -1} {
		t.Run("ErrPrice"+price.Decimal(), func(t *testing.T) {
			s := MustOpen(t)
			et := mustEventType(t, s, "XRAY", 100, nil)
			_, err := s.SetEventTypePrice(t.Context(), model.NewPrice{EventTypeID: et.ID, Price: price, EffectiveFrom: testNow})
			wantErr(t, err, model.EInvalid, "price")
			read, _ := s.FindEventTypeByID(t.Context(), et.ID)
			if len(read.Prices) != 1 {
				t.Fatalf("history %v grew", read.Prices)
			}
		})
	}
}

// TestPriceAt checks through registered events which price of a history an
// event gets.
func TestPriceAt(t *testing.T) {
	t.Run("OKBeforeAtAfterChange", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		cg := mustCaregiver(t, s, "A")
		et := mustEventType(t, s, "XRAY", 10000, nil)
		change := utc(2024, 3, 1, 0, 0)
		mustPrice(t, s, et.ID, 20000, change)
		mustPrice(t, s, et.ID, 30000, utc(2024, 5, 1, 0, 0))
		for _, tc := range []struct {
			at   time.Time
			want model.Money
		}{
			{utc(2000, 1, 1, 0, 0), 10000}, // the first price applies since always
			{change.Add(-time.Microsecond), 10000},
			{change, 20000},
			{change.Add(time.Microsecond), 20000},
			{utc(2024, 4, 30, 23, 59), 20000},
			{utc(2024, 5, 1, 0, 0), 30000},
			{testNow, 30000},
		} {
			if e := mustEvent(t, s, et.ID, cg.ID, tc.at); e.Amount != tc.want {
				t.Errorf("event at %s: amount %d, want %d", model.FormatDateTime(tc.at), e.Amount, tc.want)
			}
		}
	})

	t.Run("ErrBeforeFirstPrice", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		cg := mustCaregiver(t, s, "A")
		from := utc(2024, 1, 1, 0, 0)
		et := mustEventType(t, s, "XRAY", 10000, &from)
		_, err := s.RegisterEvents(t.Context(), admin, []model.NewEvent{{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: from.Add(-time.Microsecond)}})
		wantErr(t, err, model.EInvalid, "[0].occurredAt")
		if evs := allEvents(t, s, model.EventFilter{}); len(evs) != 0 {
			t.Fatalf("registered %v", evs)
		}
		if e := mustEvent(t, s, et.ID, cg.ID, from); e.Amount != 10000 {
			t.Fatalf("event at effectiveFrom: amount %d, want 10000", e.Amount)
		}
	})

	t.Run("OKLaterChangeKeepsAmounts", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		cg := mustCaregiver(t, s, "A")
		et := mustEventType(t, s, "XRAY", 10000, nil)
		old := mustEvent(t, s, et.ID, cg.ID, utc(2024, 5, 10, 0, 0))
		mustPrice(t, s, et.ID, 99900, utc(2024, 5, 1, 0, 0)) // now in force at old's time
		if got := mustFindEvent(t, s, old.ID); got.Amount != 10000 {
			t.Fatalf("registered event's amount became %d, want 10000", got.Amount)
		}
		if e := mustEvent(t, s, et.ID, cg.ID, utc(2024, 5, 10, 0, 0)); e.Amount != 99900 {
			t.Fatalf("new event amount %d, want 99900", e.Amount)
		}
		rep, err := s.Report(t.Context(), model.ReportQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Totals.Pending != 109900 || rep.Totals.EventCount != 2 {
			t.Fatalf("report totals %+v, want 2 events, pending 109900", rep.Totals)
		}
	})
}
