package store

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// keyQueries keeps the text of every statement that reads idempotency keys.
type keyQueries struct {
	mu   sync.Mutex
	seen []string
}

func (h *keyQueries) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *keyQueries) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	if strings.HasPrefix(ev.Query, "SELECT") && strings.Contains(ev.Query, "idempotency_key) IN") {
		h.mu.Lock()
		h.seen = append(h.seen, ev.Query)
		h.mu.Unlock()
	}
}

// TestKeyIndexPartial: the per-caregiver key index holds only events that
// have a key (events without one, such as all bulk-loaded history, cost it
// nothing), and the key lookup of a registration still probes it.
func TestKeyIndexPartial(t *testing.T) {
	ctx := context.Background()
	h := &keyQueries{}
	s, _, cg, et := internalFixture(t, Options{Path: filepath.Join(t.TempDir(), "k.db"), Hooks: []bun.QueryHook{h}})
	key := "upload-1"
	by := model.Principal{TokenID: 1}
	for _, k := range []*string{nil, nil, &key} {
		if _, err := s.RegisterEvents(ctx, by, []model.NewEvent{{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: s.Now(), IdempotencyKey: k}}); err != nil {
			t.Fatal(err)
		}
	}
	var entries int
	if err := s.r.NewRaw("SELECT COUNT(*) FROM events INDEXED BY events_caregiver_key WHERE idempotency_key IS NOT NULL").Scan(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	var ddl string
	if err := s.r.NewRaw("SELECT sql FROM sqlite_master WHERE name = 'events_caregiver_key'").Scan(ctx, &ddl); err != nil {
		t.Fatal(err)
	}
	if entries != 1 || !strings.HasSuffix(ddl, "WHERE idempotency_key IS NOT NULL") {
		t.Fatalf("index entries %d, definition %q: want 1 entry of a partial index", entries, ddl)
	}
	h.mu.Lock()
	seen := append([]string(nil), h.seen...)
	h.mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("no key lookup ran")
	}
	for _, q := range seen {
		var plan []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := s.r.NewRaw("EXPLAIN QUERY PLAN "+q).Scan(ctx, &plan); err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		if !strings.Contains(strings.Join(details, "; "), "INDEX events_caregiver_key") {
			t.Errorf("key lookup %s\nplans %q: want a probe of events_caregiver_key", q, details)
		}
	}
}
