package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// seedBatch is how many events one bulk-load transaction holds.
const seedBatch = 100000

// seedCmd fills a database with synthetic, deterministic data: the same
// flags on an empty database give the same rows.
func seedCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var f dbFlags
	var wf writeFlags
	fs := newFlagSet("seed", stderr)
	f.register(fs)
	wf.register(fs, false)
	events := fs.Int("events", 100000, "number of events")
	caregivers := fs.Int("caregivers", 500, "number of caregivers")
	types := fs.Int("types", 50, "number of event types")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD in the report time zone (default: five years before --to)")
	toS := fs.String("to", "", "day after the last, YYYY-MM-DD (default: today)")
	seed := fs.Uint64("seed", 1, "random seed")
	reimbursed := fs.Float64("reimbursed", 0.3, "fraction of events, oldest first by whole months, to reimburse")
	progress := fs.Bool("progress", true, "show a progress bar on stderr")
	rebuild := fs.Bool("rebuild-indexes", true, "on a database without events, drop the secondary indexes for the load and build them once at the end")
	pos, err := parse(fs, args, getenv)
	if err != nil {
		return err
	}
	if err := noArgs("seed", pos); err != nil {
		return err
	}
	if *events < 0 || *caregivers < 1 || *types < 1 || *reimbursed < 0 || *reimbursed > 1 {
		return fmt.Errorf("seed: need --events >= 0, --caregivers >= 1, --types >= 1, 0 <= --reimbursed <= 1")
	}
	s, err := f.open(ctx, wf.options())
	if err != nil {
		return err
	}
	defer s.Close()
	from, to, err := seedPeriod(*fromS, *toS, s.Location(), s.Now())
	if err != nil {
		return err
	}
	secret, err := s.EnsureAdminToken(ctx)
	if err != nil {
		return err
	}
	if secret != "" {
		fmt.Fprintf(stdout, "Created the first ADMIN token. It is shown only this once; store it now:\n%s\n", secret)
	}
	// The audit trail credits seeded events to a token of their own, which
	// is revoked at once: nobody ever holds its secret.
	_, tok, err := s.CreateToken(ctx, model.NewToken{Name: "seed", Role: model.RoleAdmin})
	if err != nil {
		return err
	}
	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		return err
	}
	by := model.Principal{TokenID: tok.ID, Name: tok.Name, Role: tok.Role}
	rng := rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))

	cgIDs, typeIDs, err := seedReferences(ctx, s, rng, *caregivers, *types, from, to)
	if err != nil {
		return err
	}
	priced, err := s.FindEventTypesByIDs(ctx, typeIDs)
	if err != nil {
		return err
	}
	byType := make(map[int64]*model.EventType, len(priced))
	for i := range priced {
		byType[priced[i].ID] = &priced[i]
	}
	loader, err := s.NewBulkLoader(ctx, by, store.BulkOptions{ReimburseThrough: seedThrough(from, to, s.Location(), *reimbursed), RebuildIndexes: *rebuild})
	if err != nil {
		return err
	}
	// Close builds the indexes the loader dropped, even after an error.
	closed := false
	defer func() {
		if !closed {
			_ = loader.Close(context.WithoutCancel(ctx))
		}
	}()
	gen := &seedGen{rng: rng, from: from, span: float64(to.Sub(from)), n: *events, cgIDs: cgIDs, typeIDs: typeIDs, types: byType}
	gen.gap = gen.span / float64(max(*events, 1))
	// One goroutine generates the next batch while the loader writes this
	// one: the two cores each get half of the work.
	batches, free := make(chan []store.BulkEvent, 1), make(chan []store.BulkEvent, 2)
	free <- make([]store.BulkEvent, 0, seedBatch)
	free <- make([]store.BulkEvent, 0, seedBatch)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go gen.run(gctx, free, batches)
	bar, loaded := newSeedBar(int64(*events), stderr, *progress)
	for batch := range batches {
		if err := loader.Load(ctx, batch); err != nil {
			return fmt.Errorf("seed: load: %w", err)
		}
		_ = bar.Add(len(batch))
		free <- batch[:0]
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_ = bar.Finish()
	fmt.Fprintln(stderr)
	closed = true
	indexStart := time.Now()
	if err := loader.Close(ctx); err != nil {
		return fmt.Errorf("seed: build indexes: %w", err)
	}
	indexes := time.Since(indexStart)
	st := loader.Stats()
	d := loaded()
	fmt.Fprintf(stdout, "seeded %d events, %d caregivers, %d event types in %s (%.0f events/s); %d payouts reimbursed %d events; indexes built in %s\n",
		st.Events, len(cgIDs), len(typeIDs), d.Round(time.Millisecond), float64(st.Events)/d.Seconds(), st.Payouts, st.Reimbursed, indexes.Round(time.Millisecond))
	return nil
}

// seedGen generates the synthetic events, priced, in time order.
type seedGen struct {
	rng            *rand.Rand
	from           time.Time
	span, gap      float64
	n              int
	cgIDs, typeIDs []int64
	types          map[int64]*model.EventType
}

// run fills the buffers it takes from free and sends them on out, until n
// events are made or ctx is done; it closes out.
func (g *seedGen) run(ctx context.Context, free <-chan []store.BulkEvent, out chan<- []store.BulkEvent) {
	defer close(out)
	// Times ascend with exponential gaps: uniform over the period, already
	// in index order, and generated without holding them all in memory.
	t := float64(0)
	for done := 0; done < g.n; {
		var batch []store.BulkEvent
		select {
		case batch = <-free:
		case <-ctx.Done():
			return
		}
		for len(batch) < cap(batch) && done < g.n {
			t += g.rng.ExpFloat64() * g.gap
			if t >= g.span {
				t = math.Nextafter(g.span, 0)
			}
			et := g.types[g.typeIDs[g.rng.IntN(len(g.typeIDs))]]
			at := g.from.Add(time.Duration(t)).Truncate(model.Precision)
			price, _ := et.PriceAt(at) // every seeded type has a price since always
			batch = append(batch, store.BulkEvent{
				EventTypeID: et.ID,
				CaregiverID: g.cgIDs[g.rng.IntN(len(g.cgIDs))],
				OccurredAt:  at,
				Amount:      price,
			})
			done++
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return
		}
	}
}

// seedThrough returns the last whole month, oldest first, that keeps the
// reimbursed part of the period within fraction of it (0: none).
func seedThrough(from, to time.Time, loc *time.Location, fraction float64) model.YearMonth {
	cutoff := from.Add(time.Duration(float64(to.Sub(from)) * fraction))
	var through model.YearMonth
	for m := model.MonthOf(from, loc); !m.Next().Start(loc).After(cutoff); m = m.Next() {
		through = m
	}
	return through
}

func seedPeriod(fromS, toS string, loc *time.Location, now time.Time) (time.Time, time.Time, error) {
	// A day starts at its first instant (model.DayStart), not at a local
	// midnight that the zone may skip or repeat.
	day := func(s string) (time.Time, error) {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return t, fmt.Errorf("seed: %q is not a date (YYYY-MM-DD)", s)
		}
		return model.DayStart(t.Year(), t.Month(), t.Day(), loc), nil
	}
	l := now.In(loc)
	to := model.DayStart(l.Year(), l.Month(), l.Day(), loc)
	var err error
	if toS != "" {
		if to, err = day(toS); err != nil {
			return to, to, err
		}
	}
	l = to.In(loc)
	from := model.DayStart(l.Year()-5, l.Month(), l.Day(), loc)
	if fromS != "" {
		if from, err = day(fromS); err != nil {
			return from, to, err
		}
	}
	if !from.Before(to) {
		return from, to, fmt.Errorf("seed: --from must be before --to")
	}
	if to.After(now) {
		return from, to, fmt.Errorf("seed: --to must not be in the future")
	}
	return from.UTC(), to.UTC(), nil
}

// seedReferences creates caregivers and event types; half of the types get
// a second price in the middle of the period, so history matters.
func seedReferences(ctx context.Context, s *store.Store, rng *rand.Rand, caregivers, types int, from, to time.Time) ([]int64, []int64, error) {
	ins := make([]model.NewCaregiver, caregivers)
	for i := range ins {
		ins[i] = model.NewCaregiver{Name: fmt.Sprintf("Caregiver %05d", i+1)}
	}
	cgs, err := s.CreateCaregivers(ctx, ins)
	if err != nil {
		return nil, nil, fmt.Errorf("seed: caregivers: %w", err)
	}
	cgIDs := make([]int64, len(cgs))
	for i, c := range cgs {
		cgIDs[i] = c.ID
	}
	typeIDs := make([]int64, 0, types)
	mid := from.Add(to.Sub(from) / 2).Truncate(time.Hour)
	for i := 1; i <= types; i++ {
		price := model.Money(100*(50+rng.IntN(4950)) + 50*rng.IntN(2))
		et, err := s.CreateEventType(ctx, model.NewEventType{Code: fmt.Sprintf("SEED_%03d", i), Name: fmt.Sprintf("Seeded type %d", i), Price: price})
		if err != nil {
			return nil, nil, fmt.Errorf("seed: event type: %w", err)
		}
		if i%2 == 0 {
			if _, err := s.SetEventTypePrice(ctx, model.NewPrice{EventTypeID: et.ID, Price: price + price/10, EffectiveFrom: mid}); err != nil {
				return nil, nil, fmt.Errorf("seed: price: %w", err)
			}
		}
		typeIDs = append(typeIDs, et.ID)
	}
	return cgIDs, typeIDs, nil
}
