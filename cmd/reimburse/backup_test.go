package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// backupBatch is the size of the writer's all-or-nothing batches: a
// consistent copy holds a multiple of it.
const backupBatch = 7

// TestBackupWhileWriting copies a database while a writer keeps
// registering batches (and paying some out) through another connection,
// then opens the copy: it holds a prefix of the batches, each whole, its
// rollups match its events and its payouts match what they link.
func TestBackupWhileWriting(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, dest := filepath.Join(dir, "live.db"), filepath.Join(dir, "copy.db")
	now := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	live, err := store.Open(ctx, store.Options{Path: db, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, err := live.EnsureAdminToken(ctx); err != nil {
		t.Fatal(err)
	}
	by := model.Principal{TokenID: 1, Role: model.RoleAdmin}
	cg, err := live.CreateCaregiver(ctx, model.NewCaregiver{Name: "Anna"})
	if err != nil {
		t.Fatal(err)
	}
	et, err := live.CreateEventType(ctx, model.NewEventType{Code: "XRAY", Name: "X-ray", Price: 12345})
	if err != nil {
		t.Fatal(err)
	}

	var registered atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var writeErr error // read after wg.Wait; failed says so meanwhile
	var failed atomic.Bool
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ins := make([]model.NewEvent, backupBatch)
			for j := range ins {
				ins[j] = model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: now.AddDate(0, 0, -(i % 90)).Add(-time.Duration(j) * time.Minute)}
			}
			if _, err := live.RegisterEvents(ctx, by, ins); err != nil {
				writeErr = err
				failed.Store(true)
				return
			}
			registered.Add(backupBatch)
			if i%10 == 9 {
				if _, err := live.ReimbursePending(ctx, by, nil, model.MonthOf(now, time.UTC).Prev()); err != nil && model.ErrorCode(err) != model.EInvalid {
					writeErr = err
					failed.Store(true)
					return
				}
			}
		}
	}()
	for registered.Load() < 300*backupBatch && !failed.Load() {
		time.Sleep(time.Millisecond)
	}
	before := registered.Load()
	out, stderr, err := runCmd(t, nil, "backup", dest, "--db", db)
	after := registered.Load()
	// Let the writer run on after the copy, so the copy is a strict prefix.
	for registered.Load() < after+20*backupBatch && !failed.Load() {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr)
	}
	if writeErr != nil {
		t.Fatalf("writer: %v", writeErr)
	}
	if !strings.Contains(out, "backed up "+db+" to "+dest) {
		t.Errorf("stdout %q", out)
	}

	cp, err := store.Open(ctx, store.Options{Path: dest, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer cp.Close()
	if diffs, err := cp.VerifyRollups(ctx); err != nil || len(diffs) > 0 {
		t.Fatalf("the copy's rollups differ from its events: %v %v", diffs, err)
	}
	var got []model.Event
	p := model.PageArgs{First: model.MaxPageSize}
	for {
		evs, more, err := cp.FindEvents(ctx, model.EventFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, evs...)
		if !more {
			break
		}
		p.After = &model.Cursor{Time: evs[len(evs)-1].OccurredAt, ID: evs[len(evs)-1].ID}
	}
	n := int64(len(got))
	if n%backupBatch != 0 || n < before || n > after {
		t.Fatalf("the copy holds %d events; want whole batches of %d, between %d (before the backup) and %d (after)", n, backupBatch, before, after)
	}
	seen := make(map[int64]bool, n)
	payouts := map[int64]int64{}
	for _, e := range got {
		seen[e.ID] = true
		orig, err := live.FindEventByID(ctx, e.ID)
		if err != nil {
			t.Fatalf("event %d of the copy: %v", e.ID, err)
		}
		if e.EventTypeID != orig.EventTypeID || e.CaregiverID != orig.CaregiverID || !e.OccurredAt.Equal(orig.OccurredAt) ||
			e.Amount != orig.Amount || e.Month != orig.Month || !e.RegisteredAt.Equal(orig.RegisteredAt) {
			t.Fatalf("event %d differs:\ncopy %+v\nlive %+v", e.ID, e, orig)
		}
		if e.ReimbursementID != nil {
			payouts[*e.ReimbursementID]++
		}
	}
	for id := int64(1); id <= n; id++ {
		if !seen[id] {
			t.Fatalf("the copy lacks event %d of %d: not a prefix", id, n)
		}
	}
	for id, count := range payouts {
		r, err := cp.FindReimbursementByID(ctx, id)
		if err != nil || r.EventCount != count {
			t.Fatalf("payout %d in the copy: %+v, %v; %d events link to it", id, r, err, count)
		}
	}
	t.Logf("copied %d of the events (%d when the backup started, %d when it ended), %d payouts", n, before, after, len(payouts))
}

func TestBackupRefuses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	if _, _, err := runCmd(t, nil, "migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrExists", func(t *testing.T) {
		dest := filepath.Join(dir, "exists.db")
		if err := os.WriteFile(dest, []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := runCmd(t, nil, "backup", dest, "--db", db)
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("got %v, want a refusal", err)
		}
		if b, _ := os.ReadFile(dest); string(b) != "keep me" {
			t.Fatalf("the existing file was overwritten: %q", b)
		}
	})
	t.Run("ErrNoDatabase", func(t *testing.T) {
		missing := filepath.Join(dir, "missing.db")
		if _, _, err := runCmd(t, nil, "backup", filepath.Join(dir, "b.db"), "--db", missing); err == nil {
			t.Fatal("backed up a database that does not exist")
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatal("the backup created the database it was to copy")
		}
	})
	t.Run("ErrArgs", func(t *testing.T) {
		if _, _, err := runCmd(t, nil, "backup", "--db", db); err == nil {
			t.Fatal("backup without FILE succeeded")
		}
	})
	t.Run("OKEnv", func(t *testing.T) {
		dest := filepath.Join(dir, "env.db")
		if _, _, err := runCmd(t, map[string]string{"REIMBURSE_DB": db}, "backup", dest); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dest); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrPostgresPrintsPgDump", func(t *testing.T) {
		url := "postgres://app:s3cret@db.internal:5432/reimburse?sslmode=verify-full&search_path=prod&default_query_exec_mode=exec"
		_, stderr, err := runCmd(t, nil, "backup", "nightly.dump", "--db", url)
		if err == nil {
			t.Fatal("backup on PostgreSQL reported success")
		}
		for _, want := range []string{
			"pg_dump --format=custom --schema=prod --file=nightly.dump 'postgres://app@db.internal:5432/reimburse?sslmode=verify-full'",
			"pg_restore --no-owner --exit-on-error --dbname=",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if strings.Contains(stderr, "s3cret") {
			t.Errorf("stderr shows the password:\n%s", stderr)
		}
	})
}
