package store_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// checkpointRecorder records the background checkpoints a store reports.
type checkpointRecorder struct {
	mu     sync.Mutex
	frames []int
	errs   []error
}

func (r *checkpointRecorder) EventsRegistered(int) {}
func (r *checkpointRecorder) EventsReimbursed(int) {}
func (r *checkpointRecorder) EventsVoided(int)     {}
func (r *checkpointRecorder) GroupCommitted(int)   {}

func (r *checkpointRecorder) Checkpointed(frames int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frames = append(r.frames, frames)
	r.errs = append(r.errs, err)
}

func (r *checkpointRecorder) copied() (int, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	most := 0
	for _, f := range r.frames {
		most = max(most, f)
	}
	return most, append([]error(nil), r.errs...)
}

// TestBackgroundCheckpoint: the writer's commits are copied from the
// write-ahead log into the database file by the store's own checkpointer
// (the writer would do it only past 65,536 pages), and the log holds
// nothing uncopied afterwards.
func TestBackgroundCheckpoint(t *testing.T) {
	storetest.SkipPostgres(t, "the write-ahead log is SQLite's")
	rec := &checkpointRecorder{}
	path := tempPath(t)
	f := newFixture(t, withPath(path), func(o *store.Options) { o.Observer = rec })
	s := f.s
	for i := range 20 {
		mustEvent(t, s, f.et1.ID, f.cg1.ID, utc(2024, 3, 1+i, 9, 0))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		frames, errs := rec.copied()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("checkpoint failed: %v", err)
			}
		}
		if frames > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no background checkpoint copied anything within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("database file after the checkpoint: %v, %v", st, err)
	}
	if got := countEvents(t, s); got != 20 {
		t.Fatalf("%d events, want 20", got)
	}
}
