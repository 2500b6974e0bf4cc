package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zones for the tests even on hosts without a zoneinfo database

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// withZone sets the report time zone of a store.
func withZone(loc *time.Location) func(*store.Options) {
	return func(o *store.Options) { o.TimeZone = loc }
}

// withCurrency sets the currency of a store.
func withCurrency(c string) func(*store.Options) {
	return func(o *store.Options) { o.Currency = c }
}

// withPath sets the database file of a store.
func withPath(p string) func(*store.Options) {
	return func(o *store.Options) { o.Path = p }
}

// openAt opens the store at path without failing the test, so that tests can
// check why an open is refused. A store that opens is closed at cleanup.
func openAt(tb testing.TB, path string, opts ...func(*store.Options)) (*store.Store, error) {
	tb.Helper()
	opt := store.Options{Path: path, Now: func() time.Time { return testNow }}
	for _, o := range opts {
		o(&opt)
	}
	s, err := store.Open(context.Background(), opt)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() { s.Close() })
	return s, nil
}

// tempPath returns a new database of the dialect under test; opening it
// again reaches the same data.
func tempPath(tb testing.TB) string { return storetest.DB(tb) }

// mustZone loads a time zone.
func mustZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// utc returns a UTC time.
func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func ptr[T any](v T) *T { return &v }

// mustCaregiver creates a caregiver.
func mustCaregiver(tb testing.TB, s *store.Store, name string) *model.Caregiver {
	tb.Helper()
	c, err := s.CreateCaregiver(context.Background(), model.NewCaregiver{Name: name})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// mustEventType creates an event type whose first price applies since
// always when from is nil.
func mustEventType(tb testing.TB, s *store.Store, code string, price model.Money, from *time.Time) *model.EventType {
	tb.Helper()
	et, err := s.CreateEventType(context.Background(), model.NewEventType{Code: code, Name: code + " name", Price: price, EffectiveFrom: from})
	if err != nil {
		tb.Fatal(err)
	}
	return et
}

// mustPrice adds a price to a type's history.
func mustPrice(tb testing.TB, s *store.Store, typeID int64, price model.Money, from time.Time) {
	tb.Helper()
	if _, err := s.SetEventTypePrice(context.Background(), model.NewPrice{EventTypeID: typeID, Price: price, EffectiveFrom: from}); err != nil {
		tb.Fatal(err)
	}
}

// mustRegister registers events as admin.
func mustRegister(tb testing.TB, s *store.Store, ins ...model.NewEvent) []model.Event {
	tb.Helper()
	evs, err := s.RegisterEvents(context.Background(), admin, ins)
	if err != nil {
		tb.Fatal(err)
	}
	if len(evs) != len(ins) {
		tb.Fatalf("registered %d events for %d inputs", len(evs), len(ins))
	}
	return evs
}

// mustEvent registers one event as admin.
func mustEvent(tb testing.TB, s *store.Store, typeID, caregiverID int64, at time.Time) model.Event {
	tb.Helper()
	return mustRegister(tb, s, model.NewEvent{EventTypeID: typeID, CaregiverID: caregiverID, OccurredAt: at})[0]
}

// mustFindEvent reads an event back.
func mustFindEvent(tb testing.TB, s *store.Store, id int64) *model.Event {
	tb.Helper()
	e, err := s.FindEventByID(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// allEvents pages through every event that f matches, checking that paging
// never repeats an event.
func allEvents(tb testing.TB, s *store.Store, f model.EventFilter) []model.Event {
	tb.Helper()
	var out []model.Event
	p := model.PageArgs{First: model.MaxPageSize}
	for {
		evs, more, err := s.FindEvents(context.Background(), f, p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, evs...)
		if !more {
			return out
		}
		last := evs[len(evs)-1]
		p.After = &model.Cursor{Time: last.OccurredAt, ID: last.ID}
	}
}

// eventIDs returns the ids of evs in order.
func eventIDs(evs []model.Event) []int64 {
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

// wantErr fails unless err is a *model.Error (or model.Errors whose first
// element is one) with code and field.
func wantErr(tb testing.TB, err error, code model.Code, field string) *model.Error {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %s on %q", code, field)
	}
	if got := model.ErrorCode(err); got != code {
		tb.Fatalf("got code %s (%v), want %s", got, err, code)
	}
	var e *model.Error
	if !errors.As(err, &e) {
		tb.Fatalf("got %T %v, want *model.Error", err, err)
	}
	if e.Field != field {
		tb.Fatalf("got field %q (%v), want %q", e.Field, err, field)
	}
	return e
}

// wantErrs fails unless err is model.Errors whose elements have exactly the
// given codes and fields, in order; each want is {code, field}.
func wantErrs(tb testing.TB, err error, want ...[2]string) {
	tb.Helper()
	var es model.Errors
	if !errors.As(err, &es) {
		tb.Fatalf("got %T %v, want model.Errors", err, err)
	}
	var got [][2]string
	for _, e := range es {
		got = append(got, [2]string{string(e.Code), e.Field})
	}
	if !slices.Equal(got, want) {
		tb.Fatalf("got errors %v (%v), want %v", got, err, want)
	}
}

// fixture is a store with an admin token, two caregivers and two event
// types with prices that apply since always.
type fixture struct {
	s        *store.Store
	cg1, cg2 *model.Caregiver
	et1, et2 *model.EventType
}

// newFixture opens a store and fills it like fixture says: et1 costs
// 1000.00, et2 costs 250.50.
func newFixture(tb testing.TB, opts ...func(*store.Options)) fixture {
	tb.Helper()
	s := MustOpen(tb, opts...)
	mustAdmin(tb, s)
	return fixture{
		s:   s,
		cg1: mustCaregiver(tb, s, "Anna"), cg2: mustCaregiver(tb, s, "Bertil"),
		et1: mustEventType(tb, s, "XRAY", 100000, nil), et2: mustEventType(tb, s, "VISIT", 25050, nil),
	}
}

// countEvents returns how many events the store holds in any status.
func countEvents(tb testing.TB, s *store.Store) int {
	tb.Helper()
	return len(allEvents(tb, s, model.EventFilter{}))
}

// reportLines flattens a report into one line per node, for diffs.
func reportLines(r *model.Report) []string {
	tot := func(t model.Totals) string {
		return fmt.Sprintf("count=%d reimbursed=%s pending=%s", t.EventCount, t.Reimbursed.Decimal(), t.Pending.Decimal())
	}
	optT := func(t *time.Time) string {
		if t == nil {
			return "nil"
		}
		return model.FormatDateTime(*t)
	}
	lines := []string{fmt.Sprintf("report from=%s to=%s zone=%s currency=%s %s", optT(r.From), optT(r.To), r.TimeZone, r.Currency, tot(r.Totals))}
	for _, m := range r.Months {
		lines = append(lines, fmt.Sprintf("  %s %s", m.Month, tot(m.Totals)))
		for _, c := range m.Caregivers {
			lines = append(lines, fmt.Sprintf("  %s caregiver %d %s", m.Month, c.CaregiverID, tot(c.Totals)))
			for _, e := range c.ByEventType {
				lines = append(lines, fmt.Sprintf("  %s caregiver %d type %d %s", m.Month, c.CaregiverID, e.EventTypeID, tot(e.Totals)))
			}
		}
	}
	return lines
}

// reportDiff describes how got differs from want: lines only in got are
// marked +, lines only in want -.
func reportDiff(got, want *model.Report) string {
	g, w := reportLines(got), reportLines(want)
	var b strings.Builder
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	if b.Len() == 0 {
		fmt.Fprintf(&b, "same lines, other order or nil/empty slices:\ngot  %#v\nwant %#v\n", got, want)
	}
	fmt.Fprintf(&b, "got:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	return b.String()
}
