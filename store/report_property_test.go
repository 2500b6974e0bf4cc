package store_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// propEvent is the test's own record of an event.
type propEvent struct {
	id, typeID, cgID int64
	at               time.Time
	month            model.YearMonth
	amount           model.Money
	status           model.EventStatus
}

// propPrice is the test's own record of a price.
type propPrice struct {
	from   *time.Time
	amount model.Money
}

// propWorld is what the test knows about one store.
type propWorld struct {
	t          *testing.T
	rng        *rand.Rand
	s          *store.Store
	loc        *time.Location
	cgs        []int64
	types      []int64
	prices     map[int64][]propPrice
	events     []*propEvent
	first      model.YearMonth // the first month of the data
	boundaries []time.Time     // month starts in loc and the instants near them they may be mistaken for
}

// priceAt is the newest price whose from is at or before t, nil from first.
func (w *propWorld) priceAt(typeID int64, t time.Time) model.Money {
	ps := slices.Clone(w.prices[typeID])
	slices.SortStableFunc(ps, func(a, b propPrice) int {
		switch {
		case a.from == nil && b.from == nil:
			return 0
		case a.from == nil:
			return -1
		case b.from == nil:
			return 1
		}
		return a.from.Compare(*b.from)
	})
	var m model.Money
	for _, p := range ps {
		if p.from == nil || !p.from.After(t) {
			m = p.amount
		}
	}
	return m
}

// newPropWorld opens a store in zone z whose data spans propMonths months.
func newPropWorld(t *testing.T, rng *rand.Rand, z propZone) *propWorld {
	loc := mustZone(t, z.name)
	w := &propWorld{t: t, rng: rng, loc: loc, prices: map[int64][]propPrice{}, first: z.first,
		boundaries: boundaryInstants(loc, z.first, propMonths)}
	w.s = MustOpen(t, withZone(loc))
	mustAdmin(t, w.s)
	return w
}

// month returns the i-th month of the data.
func (w *propWorld) month(i int) model.YearMonth {
	m := w.first
	for range i {
		m = m.Next()
	}
	return m
}

// nearBoundary returns a random instant near any of the boundary instants,
// at microsecond precision: often exactly on one or next to it, else
// within hours or within 36 hours of it.
func (w *propWorld) nearBoundary() time.Time {
	b := w.boundaries[w.rng.IntN(len(w.boundaries))]
	span := int64(36 * time.Hour / time.Microsecond)
	switch w.rng.IntN(10) {
	case 0, 1:
		return b
	case 2:
		return b.Add(-time.Microsecond)
	case 3:
		return b.Add(time.Microsecond)
	case 4, 5:
		span = int64(3 * time.Hour / time.Microsecond)
	}
	return b.Add(time.Duration(w.rng.Int64N(2*span+1)-span) * time.Microsecond)
}

func (w *propWorld) setPrice(typeID int64, at time.Time, amount model.Money) {
	for _, p := range w.prices[typeID] {
		if p.from != nil && p.from.Equal(at) {
			at = at.Add(time.Second)
		}
	}
	mustPrice(w.t, w.s, typeID, amount, at)
	w.prices[typeID] = append(w.prices[typeID], propPrice{from: &at, amount: amount})
}

func TestReportProperty(t *testing.T) {
	for seed := range uint64(3 * len(propZones)) {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			runReportProperty(t, seed)
		})
	}
}

func runReportProperty(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	w := newPropWorld(t, rng, propZones[int(seed)%len(propZones)])
	for i := range 3 + rng.IntN(4) {
		w.cgs = append(w.cgs, mustCaregiver(t, w.s, fmt.Sprintf("cg%d", i)).ID)
	}
	for i := range 2 + rng.IntN(3) {
		p := model.Money(1 + rng.Int64N(5_000_000))
		et := mustEventType(t, w.s, fmt.Sprintf("T%d", i), p, nil)
		w.types = append(w.types, et.ID)
		w.prices[et.ID] = []propPrice{{amount: p}}
	}
	w.setPrice(w.types[rng.IntN(len(w.types))], w.nearBoundary(), model.Money(1+rng.Int64N(5_000_000)))

	// Events, in batches; the last caregiver never gets any.
	n := 100 + rng.IntN(201)
	for len(w.events) < n {
		var ins []model.NewEvent
		for range min(1+rng.IntN(60), n-len(w.events)) {
			ins = append(ins, model.NewEvent{EventTypeID: w.types[rng.IntN(len(w.types))],
				CaregiverID: w.cgs[rng.IntN(len(w.cgs)-1)], OccurredAt: w.nearBoundary()})
		}
		w.register(ins)
	}
	// A later price change rewrites nothing.
	w.setPrice(w.types[rng.IntN(len(w.types))], w.nearBoundary(), model.Money(1+rng.Int64N(5_000_000)))

	w.voidAndReimburse()
	w.checkEvents()
	for range 20 {
		w.checkReport(w.randomQuery())
	}
}

// register registers ins and records them, checking each event's amount
// and month against the test's own.
func (w *propWorld) register(ins []model.NewEvent) {
	w.t.Helper()
	for i, e := range mustRegister(w.t, w.s, ins...) {
		in := ins[i]
		pe := &propEvent{id: e.ID, typeID: in.EventTypeID, cgID: in.CaregiverID, at: in.OccurredAt,
			month: monthOf(in.OccurredAt, w.loc), amount: w.priceAt(in.EventTypeID, in.OccurredAt), status: model.StatusPending}
		if e.Amount != pe.amount || e.Month != pe.month {
			w.t.Fatalf("event at %s: amount %d month %d, want %d %d", model.FormatDateTime(pe.at), e.Amount, e.Month, pe.amount, pe.month)
		}
		w.events = append(w.events, pe)
	}
}

func (w *propWorld) pending() []*propEvent {
	var out []*propEvent
	for _, e := range w.events {
		if e.status == model.StatusPending {
			out = append(out, e)
		}
	}
	return out
}

func (w *propWorld) voidAndReimburse() {
	t, rng := w.t, w.rng
	for _, e := range w.events {
		if rng.IntN(10) == 0 {
			if _, err := w.s.VoidEvent(t.Context(), admin, e.id, "property test"); err != nil {
				t.Fatal(err)
			}
			e.status = model.StatusVoided
		}
	}
	for range 1 + rng.IntN(4) {
		p := w.pending()
		rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
		p = p[:min(len(p), 1+rng.IntN(len(w.events)/10))]
		var ids []int64
		var total model.Money
		for _, e := range p {
			ids = append(ids, e.id)
			total += e.amount
		}
		r, err := w.s.ReimburseEvents(t.Context(), admin, ids)
		if err != nil {
			t.Fatal(err)
		}
		if r.EventCount != int64(len(ids)) || r.Total != total {
			t.Fatalf("reimburseEvents got %+v, want %d events totalling %d", r, len(ids), total)
		}
		for _, e := range p {
			e.status = model.StatusReimbursed
		}
	}
	// One payout of whole months for some caregivers.
	var cgs []int64
	if rng.IntN(3) > 0 {
		cgs = w.subset()
	}
	through := w.month(rng.IntN(4))
	var hit []*propEvent
	var total model.Money
	for _, e := range w.pending() {
		if e.month <= through && (cgs == nil || slices.Contains(cgs, e.cgID)) {
			hit = append(hit, e)
			total += e.amount
		}
	}
	r, err := w.s.ReimbursePending(t.Context(), admin, cgs, through)
	if len(hit) == 0 {
		wantErr(t, err, model.EInvalid, "through")
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if r.EventCount != int64(len(hit)) || r.Total != total {
		t.Fatalf("reimbursePending(%v, %s) got %+v, want %d events totalling %d", cgs, through, r, len(hit), total)
	}
	for _, e := range hit {
		e.status = model.StatusReimbursed
	}
}

// subset returns a random non-empty subset of the caregivers, which may
// hold duplicates and the caregiver without events.
func (w *propWorld) subset() []int64 {
	var out []int64
	for _, id := range w.cgs {
		if w.rng.IntN(2) == 0 {
			out = append(out, id)
		}
	}
	if len(out) == 0 || w.rng.IntN(5) == 0 {
		out = append(out, w.cgs[w.rng.IntN(len(w.cgs))])
	}
	return out
}

// checkEvents compares every stored event with the test's record.
func (w *propWorld) checkEvents() {
	got := allEvents(w.t, w.s, model.EventFilter{})
	if len(got) != len(w.events) {
		w.t.Fatalf("%d events stored, want %d", len(got), len(w.events))
	}
	byID := map[int64]*propEvent{}
	for _, e := range w.events {
		byID[e.id] = e
	}
	for _, g := range got {
		e := byID[g.ID]
		if e == nil || !g.OccurredAt.Equal(e.at) || g.Amount != e.amount || g.Month != e.month || g.Status != e.status {
			w.t.Fatalf("stored %+v, want %+v", g, e)
		}
	}
}

func (w *propWorld) randomInstant() *time.Time {
	var t time.Time
	switch w.rng.IntN(8) {
	case 0:
		return nil
	case 1:
		if len(w.events) > 0 {
			t = w.events[w.rng.IntN(len(w.events))].at
			break
		}
		t = w.nearBoundary()
	default:
		t = w.nearBoundary()
	}
	return &t
}

func (w *propWorld) randomQuery() model.ReportQuery {
	q := model.ReportQuery{From: w.randomInstant(), To: w.randomInstant(), ByEventType: w.rng.IntN(2) == 0}
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		q.From, q.To = q.To, q.From
	}
	switch w.rng.IntN(10) {
	case 0, 1, 2:
	case 3:
		q.CaregiverIDs = []int64{}
	default:
		q.CaregiverIDs = w.subset()
	}
	return q
}

// expectReport computes the report from the test's own records.
func (w *propWorld) expectReport(q model.ReportQuery) *model.Report {
	// The store echoes the bounds in UTC, rounded up to microseconds.
	ceil := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		c := model.CeilTime(*t)
		return &c
	}
	rep := &model.Report{From: ceil(q.From), To: ceil(q.To), TimeZone: w.loc.String(), Currency: "SEK"}
	type key struct {
		month   model.YearMonth
		cg, typ int64
	}
	sums := map[key]*model.Totals{}
	var keys []key
	for _, e := range w.events {
		if e.status == model.StatusVoided || (q.From != nil && e.at.Before(*q.From)) || (q.To != nil && !e.at.Before(*q.To)) ||
			(q.CaregiverIDs != nil && !slices.Contains(q.CaregiverIDs, e.cgID)) {
			continue
		}
		k := key{e.month, e.cgID, e.typeID}
		if sums[k] == nil {
			sums[k] = &model.Totals{}
			keys = append(keys, k)
		}
		sums[k].EventCount++
		if e.status == model.StatusReimbursed {
			sums[k].Reimbursed += e.amount
		} else {
			sums[k].Pending += e.amount
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.month, b.month), cmp.Compare(a.cg, b.cg), cmp.Compare(a.typ, b.typ))
	})
	for _, k := range keys {
		s := *sums[k]
		if n := len(rep.Months); n == 0 || rep.Months[n-1].Month != k.month {
			rep.Months = append(rep.Months, model.ReportMonth{Month: k.month})
		}
		m := &rep.Months[len(rep.Months)-1]
		if n := len(m.Caregivers); n == 0 || m.Caregivers[n-1].CaregiverID != k.cg {
			m.Caregivers = append(m.Caregivers, model.CaregiverTotals{CaregiverID: k.cg})
		}
		c := &m.Caregivers[len(m.Caregivers)-1]
		if q.ByEventType {
			c.ByEventType = append(c.ByEventType, model.EventTypeTotals{EventTypeID: k.typ, Totals: s})
		}
		for _, t := range []*model.Totals{&c.Totals, &m.Totals, &rep.Totals} {
			t.EventCount += s.EventCount
			t.Reimbursed += s.Reimbursed
			t.Pending += s.Pending
		}
	}
	return rep
}

func (w *propWorld) checkReport(q model.ReportQuery) {
	w.t.Helper()
	got, err := w.s.Report(w.t.Context(), q)
	if err != nil {
		w.t.Fatalf("query %s: %v", describeQuery(q), err)
	}
	if want := w.expectReport(q); !reflect.DeepEqual(got, want) {
		w.t.Fatalf("zone %s, query %s:\n%s", w.loc, describeQuery(q), reportDiff(got, want))
	}
}

func describeQuery(q model.ReportQuery) string {
	s := func(t *time.Time) string {
		if t == nil {
			return "nil"
		}
		return model.FormatDateTime(*t)
	}
	cgs := "nil"
	if q.CaregiverIDs != nil {
		cgs = fmt.Sprint(q.CaregiverIDs)
	}
	return fmt.Sprintf("from=%s to=%s caregivers=%s byEventType=%v", s(q.From), s(q.To), cgs, q.ByEventType)
}
