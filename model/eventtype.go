package model

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// EventType is a kind of healthcare event with a price history.
type EventType struct {
	ID        int64
	Code      string
	Name      string
	CreatedAt time.Time
	// Prices is the price history, oldest first; a nil EffectiveFrom (only
	// possible on the first price) sorts first and means "since always".
	Prices []Price
}

// Price is one entry of an event type's price history.
type Price struct {
	Amount        Money
	EffectiveFrom *time.Time
}

// PriceAt returns the price in force at t: the newest price whose
// EffectiveFrom is at or before t. ok is false when no price is in force yet.
func (et *EventType) PriceAt(t time.Time) (m Money, ok bool) {
	for _, p := range et.Prices {
		if p.EffectiveFrom == nil || !p.EffectiveFrom.After(t) {
			m, ok = p.Amount, true
			continue
		}
		break
	}
	return m, ok
}

// CurrentPrice returns the price in force at now, or the first scheduled
// price when the type's history only starts later.
func (et *EventType) CurrentPrice(now time.Time) Money {
	if m, ok := et.PriceAt(now); ok {
		return m
	}
	if len(et.Prices) > 0 {
		return et.Prices[0].Amount
	}
	return 0
}

// SortPrices orders a price history oldest first, nil first.
func SortPrices(ps []Price) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].EffectiveFrom, ps[j].EffectiveFrom
		if a == nil {
			return b != nil
		}
		return b != nil && a.Before(*b)
	})
}

var codeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,31}$`)

// NewEventType is the input of CreateEventType.
type NewEventType struct {
	Code          string
	Name          string
	Price         Money
	EffectiveFrom *time.Time
}

// Normalize trims the input and checks it.
func (n *NewEventType) Normalize() error {
	var errs Errors
	n.Code = strings.TrimSpace(n.Code)
	if !codeRE.MatchString(n.Code) {
		errs = append(errs, Invalid("code", "must be 1-32 characters of A-Z, 0-9 and _, starting with a letter, e.g. \"XRAY\""))
	}
	if err := normalizeText("name", &n.Name, MaxNameLen); err != nil {
		errs = append(errs, err)
	}
	if err := ValidatePrice("price", n.Price); err != nil {
		errs = append(errs, err.(*Error))
	}
	n.EffectiveFrom = ceilPtr(n.EffectiveFrom)
	return errs.Err()
}

// NewPrice is the input of SetEventTypePrice.
type NewPrice struct {
	EventTypeID   int64
	Price         Money
	EffectiveFrom time.Time
}

// Normalize rounds effectiveFrom up to the stored precision (a price takes
// effect at the first stored instant at or after it) and checks the price.
func (n *NewPrice) Normalize() error {
	n.EffectiveFrom = CeilTime(n.EffectiveFrom)
	return ValidatePrice("price", n.Price)
}
