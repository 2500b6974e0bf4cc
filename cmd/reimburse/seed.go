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
	"github.com/schollz/progressbar/v3"
)

// seedBatch is how many events one registerEvents-sized transaction holds.
const seedBatch = model.MaxBatch

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
	writeOpts, err := wf.options()
	if err != nil {
		return err
	}
	s, err := f.open(ctx, writeOpts)
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
	by := model.Principal{TokenID: 1, Name: "seed", Role: model.RoleAdmin}
	rng := rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))
	start := time.Now()

	cgIDs, typeIDs, err := seedReferences(ctx, s, rng, *caregivers, *types, from, to)
	if err != nil {
		return err
	}
	bar := progressbar.NewOptions64(int64(*events), progressbar.OptionSetWriter(stderr), progressbar.OptionSetVisibility(*progress),
		progressbar.OptionSetDescription("events"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("events"), progressbar.OptionThrottle(200*time.Millisecond))
	// Times ascend with exponential gaps: uniform over the period, already
	// in index order, and generated without holding them all in memory.
	span := float64(to.Sub(from))
	gap := span / float64(max(*events, 1))
	t := float64(0)
	batch := make([]model.NewEvent, 0, seedBatch)
	for done := 0; done < *events; {
		batch = batch[:0]
		for len(batch) < cap(batch) && done+len(batch) < *events {
			t += rng.ExpFloat64() * gap
			if t >= span {
				t = math.Nextafter(span, 0)
			}
			batch = append(batch, model.NewEvent{
				EventTypeID: typeIDs[rng.IntN(len(typeIDs))],
				CaregiverID: cgIDs[rng.IntN(len(cgIDs))],
				OccurredAt:  from.Add(time.Duration(t)).Truncate(model.Precision),
			})
		}
		if _, err := s.RegisterEvents(ctx, by, batch); err != nil {
			return fmt.Errorf("seed: register: %w", err)
		}
		done += len(batch)
		_ = bar.Add(len(batch))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	_ = bar.Finish()
	fmt.Fprintln(stderr)
	payouts, paid, err := seedReimburse(ctx, s, by, from, to, *reimbursed)
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(stdout, "seeded %d events, %d caregivers, %d event types in %s (%.0f events/s); %d payouts reimbursed %d events\n",
		*events, len(cgIDs), len(typeIDs), d.Round(time.Millisecond), float64(*events)/d.Seconds(), payouts, paid)
	return nil
}

func seedPeriod(fromS, toS string, loc *time.Location, now time.Time) (time.Time, time.Time, error) {
	day := func(s string) (time.Time, error) {
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return t, fmt.Errorf("seed: %q is not a date (YYYY-MM-DD)", s)
		}
		return t, nil
	}
	to := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	var err error
	if toS != "" {
		if to, err = day(toS); err != nil {
			return to, to, err
		}
	}
	from := to.AddDate(-5, 0, 0)
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
	cgIDs := make([]int64, 0, caregivers)
	for i := 1; i <= caregivers; i++ {
		c, err := s.CreateCaregiver(ctx, model.NewCaregiver{Name: fmt.Sprintf("Caregiver %05d", i)})
		if err != nil {
			return nil, nil, fmt.Errorf("seed: caregiver: %w", err)
		}
		cgIDs = append(cgIDs, c.ID)
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

// seedReimburse pays out whole months, oldest first, one payout per month,
// until about fraction of the period is reimbursed.
func seedReimburse(ctx context.Context, s *store.Store, by model.Principal, from, to time.Time, fraction float64) (payouts int, events int64, err error) {
	cutoff := from.Add(time.Duration(float64(to.Sub(from)) * fraction))
	loc := s.Location()
	for m := model.MonthOf(from, loc); m.Next().Start(loc).Before(cutoff) || m.Next().Start(loc).Equal(cutoff); m = m.Next() {
		r, err := s.ReimbursePending(ctx, by, nil, m)
		if model.ErrorCode(err) == model.EInvalid {
			continue // nothing pending that month
		}
		if err != nil {
			return payouts, events, fmt.Errorf("seed: reimburse %s: %w", m, err)
		}
		payouts++
		events += r.EventCount
	}
	return payouts, events, nil
}
