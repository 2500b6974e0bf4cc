package model_test

import (
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

func TestPriceAt(t *testing.T) {
	t1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	et := model.EventType{Prices: []model.Price{{Amount: 300, EffectiveFrom: &t2}, {Amount: 100}, {Amount: 200, EffectiveFrom: &t1}}}
	model.SortPrices(et.Prices)
	cases := []struct {
		at   time.Time
		want model.Money
	}{
		{t1.Add(-time.Hour), 100}, {t1, 200}, {t2.Add(-time.Microsecond), 200}, {t2, 300}, {t2.AddDate(5, 0, 0), 300},
	}
	for _, c := range cases {
		if got, ok := et.PriceAt(c.at); !ok || got != c.want {
			t.Errorf("PriceAt(%v) = %d, %v; want %d", c.at, got, ok, c.want)
		}
	}
	// A history that starts at t1 has no price before it.
	late := model.EventType{Prices: []model.Price{{Amount: 500, EffectiveFrom: &t1}}}
	if _, ok := late.PriceAt(t1.Add(-time.Second)); ok {
		t.Error("price before the first effectiveFrom")
	}
	if got := late.CurrentPrice(t1.Add(-time.Hour)); got != 500 {
		t.Errorf("CurrentPrice before start = %d; want the first scheduled price", got)
	}
}

func TestNewEventTypeNormalize(t *testing.T) {
	for _, c := range []struct {
		in    model.NewEventType
		field string
	}{
		{model.NewEventType{Code: "xray", Name: "X", Price: 1}, "code"},
		{model.NewEventType{Code: "", Name: "X", Price: 1}, "code"},
		{model.NewEventType{Code: "X RAY", Name: "X", Price: 1}, "code"},
		{model.NewEventType{Code: "XRAY", Name: "  ", Price: 1}, "name"},
		{model.NewEventType{Code: "XRAY", Name: "X", Price: 0}, "price"},
	} {
		err := c.in.Normalize()
		es, ok := err.(model.Errors)
		if !ok || len(es) != 1 || es[0].Field != c.field || es[0].Code != model.EInvalid {
			t.Errorf("%+v: got %v; want one EInvalid on %s", c.in, err, c.field)
		}
	}
	in := model.NewEventType{Code: " XRAY ", Name: " X-ray ", Price: 1}
	if err := in.Normalize(); err != nil || in.Code != "XRAY" || in.Name != "X-ray" {
		t.Fatalf("Normalize: %+v, %v", in, err)
	}
}
