package store_test

import (
	"fmt"
	"github.com/reimburse/reimburse/internal/testsupport/zones"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// transition is a change of a zone's UTC offset.
type transition struct {
	at       time.Time
	from, to int // offsets in seconds
}

// movesMidnight reports whether the change skips or repeats local midnight
// of a 1st: the wall clock jumps over it or back across it.
func (tr transition) movesMidnight() bool {
	lo := tr.at.Add(time.Duration(tr.from) * time.Second).UTC() // the wall clock before, as if UTC
	hi := tr.at.Add(time.Duration(tr.to) * time.Second).UTC()   // and after
	if hi.Before(lo) {
		lo, hi = hi, lo
	}
	mid := time.Date(lo.Year(), lo.Month(), lo.Day(), 0, 0, 0, 0, time.UTC)
	if mid.Before(lo) {
		mid = mid.AddDate(0, 0, 1)
	}
	return mid.Day() == 1 && mid.Before(hi)
}

// monthStartTransitions returns loc's transitions from 2005 to 2030 that
// happen within a day of local midnight on a 1st, and sig, every
// transition within three days of a 1st: zones with the same sig agree on
// every instant this test draws.
func monthStartTransitions(loc *time.Location) (near []transition, sig string) {
	var b strings.Builder
	for ym := model.YearMonth(200501); ym <= 203012; ym = ym.Next() {
		day := time.Date(ym.Year(), ym.Month(), 1, 0, 0, 0, 0, time.UTC)
		for u := day.Add(-4 * 24 * time.Hour); u.Before(day.Add(4 * 24 * time.Hour)); {
			_, end := u.In(loc).ZoneBounds()
			if end.IsZero() {
				break
			}
			_, from := end.Add(-time.Nanosecond).In(loc).Zone()
			_, to := end.In(loc).Zone()
			// The wall clock just before the change, as if it were UTC, against midnight.
			wall := end.Add(time.Duration(from) * time.Second)
			if d := wall.Sub(day); from != to && d > -3*24*time.Hour && d < 3*24*time.Hour {
				fmt.Fprintf(&b, "%d:%d>%d;", end.Unix(), from, to)
				if d > -24*time.Hour && d < 24*time.Hour {
					near = append(near, transition{end.UTC(), from, to})
				}
			}
			u = end
		}
	}
	return near, b.String()
}

// TestReportTransitionZones: for every zone of Go's tzdata that changes
// its offset within a day of a month start between 2005 and 2030, events
// and period bounds within hours of those changes (on them, next to them,
// on local midnight under either offset) give the report that the test's
// records give with months assigned per event by monthOf. Zones that agree
// on every such change (aliases, mostly) are tested once.
func TestReportTransitionZones(t *testing.T) {
	seen := map[string]string{}
	tested := 0
	for _, name := range zones.TZData(t) {
		loc := mustZone(t, name)
		near, sig := monthStartTransitions(loc)
		if len(near) == 0 {
			continue
		}
		if _, dup := seen[sig]; dup {
			continue
		}
		seen[sig] = name
		// The month rule is Go's, the same on every dialect; on PostgreSQL,
		// where each store costs a schema and its migrations, the zones
		// that skip or repeat midnight on a 1st and every eighth other.
		if storetest.Postgres() && !slices.ContainsFunc(near, transition.movesMidnight) && len(seen)%8 != 0 {
			continue
		}
		tested++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := fnv.New64a()
			h.Write([]byte(name))
			rng := rand.New(rand.NewPCG(h.Sum64(), 1))
			runTransitionZone(t, rng, loc, near)
		})
	}
	// Asunción, Havana, St. John's and the European, American and southern
	// summer times at least.
	if len(seen) < 40 || tested < 15 {
		t.Fatalf("only %d zones change offset near a month start (%d tested)", len(seen), tested)
	}
}

func runTransitionZone(t *testing.T, rng *rand.Rand, loc *time.Location, near []transition) {
	w := &propWorld{t: t, rng: rng, loc: loc, prices: map[int64][]propPrice{}}
	// Every change that skips or repeats midnight of a 1st, and others at
	// random up to six.
	var pick []transition
	for _, i := range rng.Perm(len(near)) {
		if tr := near[i]; len(pick) < 6 || tr.movesMidnight() {
			pick = append(pick, tr)
		}
	}
	for _, tr := range pick {
		w.boundaries = append(w.boundaries, tr.at)
		// Midnight of the 1st nearest the change, under either offset, and
		// the middle of the hour (or so) between those two.
		var mids []time.Time
		for _, off := range []int{tr.from, tr.to} {
			l := tr.at.Add(time.Duration(off) * time.Second).UTC()
			if l.Hour() >= 12 {
				l = l.Add(24 * time.Hour)
			}
			mids = append(mids, time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC).Add(-time.Duration(off)*time.Second))
		}
		w.boundaries = append(w.boundaries, mids[0], mids[1], mids[0].Add(mids[1].Sub(mids[0])/2))
	}
	slices.SortFunc(w.boundaries, time.Time.Compare)
	w.boundaries = slices.CompactFunc(w.boundaries, time.Time.Equal)
	// The clock stands after 2030, so that no drawn event lies in the future.
	later := func(o *store.Options) {
		o.Now = func() time.Time { return time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC) }
	}
	w.s = MustOpen(t, withZone(loc), later)
	mustAdmin(t, w.s)
	for i := range 3 {
		w.cgs = append(w.cgs, mustCaregiver(t, w.s, fmt.Sprintf("cg%d", i)).ID)
	}
	for i := range 2 {
		p := model.Money(1 + rng.Int64N(5_000_000))
		w.types = append(w.types, mustEventType(t, w.s, fmt.Sprintf("T%d", i), p, nil).ID)
		w.prices[w.types[i]] = []propPrice{{amount: p}}
	}
	ins := make([]model.NewEvent, 60)
	for i := range ins {
		ins[i] = model.NewEvent{EventTypeID: w.types[rng.IntN(2)], CaregiverID: w.cgs[rng.IntN(2)], OccurredAt: w.nearBoundary()}
	}
	w.register(ins)
	var ids []int64
	var total model.Money
	for _, e := range w.events {
		switch rng.IntN(5) {
		case 0:
			if _, err := w.s.VoidEvent(t.Context(), admin, e.id, "property test"); err != nil {
				t.Fatal(err)
			}
			e.status = model.StatusVoided
		case 1, 2:
			ids, total = append(ids, e.id), total+e.amount
			e.status = model.StatusReimbursed
		}
	}
	if len(ids) > 0 {
		r, err := w.s.ReimburseEvents(t.Context(), admin, ids)
		if err != nil || r.EventCount != int64(len(ids)) || r.Total != total {
			t.Fatalf("reimburseEvents = %+v, %v; want %d events totalling %s", r, err, len(ids), total.Decimal())
		}
	}
	// reimbursePending takes exactly the events whose month is through or
	// earlier, by the test's months.
	through := monthOf(w.boundaries[rng.IntN(len(w.boundaries))], loc)
	var hit []*propEvent
	total = 0
	for _, e := range w.pending() {
		if e.month <= through {
			hit, total = append(hit, e), total+e.amount
		}
	}
	r, err := w.s.ReimbursePending(t.Context(), admin, nil, through)
	switch {
	case len(hit) == 0:
		wantErr(t, err, model.EInvalid, "through")
	case err != nil || r.EventCount != int64(len(hit)) || r.Total != total:
		t.Fatalf("reimbursePending(%s) = %+v, %v; want %d events totalling %s", through, r, err, len(hit), total.Decimal())
	}
	for _, e := range hit {
		e.status = model.StatusReimbursed
	}
	w.checkEvents()
	for range 15 {
		q := w.randomQuery()
		w.checkReport(q)
	}
}
