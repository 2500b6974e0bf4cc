package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store/storetest"
)

// TestPostgresNoNamedPreparedStatements: the writes and the token lookup,
// which SQLite runs as prepared statements, leave no named prepared
// statement on a PostgreSQL session, so pgbouncer in transaction mode needs
// no max_prepared_statements (docs/SCALING.md). One connection, so the
// session checked is the one that ran them.
func TestPostgresNoNamedPreparedStatements(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("PostgreSQL only: run with " + storetest.DialectEnv + "=postgres")
	}
	ctx := context.Background()
	s, secret, cg, et := internalFixture(t, Options{Path: storetest.DB(t), MaxConns: 1, Now: func() time.Time { return time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) }})
	p, err := s.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	// More than one full chunk of events and of rollup rows.
	ins := make([]model.NewEvent, 250)
	for i := range ins {
		ins[i] = model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: time.Date(2000+i/12, time.Month(i%12+1), 2, 0, 0, 0, 0, time.UTC),
			IdempotencyKey: ptrTo(fmt.Sprint("k", i))}
	}
	evs, err := s.RegisterEvents(ctx, *p, ins)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 250 || evs[249].ID == 0 {
		t.Fatalf("registered %d events, last id %d", len(evs), evs[len(evs)-1].ID)
	}
	var named int
	if err := s.w.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE name <> ''").Scan(&named); err != nil {
		t.Fatal(err)
	}
	if named != 0 {
		t.Fatalf("%d named prepared statements on the session, want 0", named)
	}
}

func ptrTo[T any](v T) *T { return &v }
