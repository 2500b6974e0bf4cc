package main

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

func seedReport(t *testing.T, db string) *model.Report {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Report(context.Background(), model.ReportQuery{ByEventType: true})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestSeed(t *testing.T) {
	args := []string{"seed", "--events", "5000", "--caregivers", "20", "--types", "5", "--from", "2023-01-01", "--to", "2024-01-01", "--seed", "42", "--reimbursed", "0.5", "--progress=false"}
	a, b, c := tempDB(t), tempDB(t), tempDB(t)
	out, _, err := runCmd(t, nil, append(args, "--db", a)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "seeded 5000 events, 20 caregivers, 5 event types") || firstToken(t, out) == "" {
		t.Fatalf("output: %q", out)
	}
	if _, _, err := runCmd(t, nil, append(args, "--db", b)...); err != nil {
		t.Fatal(err)
	}
	other := append([]string{}, args...)
	other[12] = "43" // --seed
	if _, _, err := runCmd(t, nil, append(other, "--db", c)...); err != nil {
		t.Fatal(err)
	}
	ra, rb, rc := seedReport(t, a), seedReport(t, b), seedReport(t, c)
	if ra.Totals.EventCount != 5000 {
		t.Fatalf("seeded %d events, want 5000", ra.Totals.EventCount)
	}
	if !reflect.DeepEqual(ra, rb) {
		t.Fatal("the same flags gave different data")
	}
	if reflect.DeepEqual(ra.Totals, rc.Totals) {
		t.Fatal("another seed gave the same data")
	}
	// About half, by whole months: 2023-01..2023-06 reimbursed, the rest pending.
	for _, m := range ra.Months {
		if (m.Month <= 202306) != (m.Totals.Pending == 0) || (m.Month <= 202306) != (m.Totals.Reimbursed > 0) {
			t.Fatalf("month %s: %+v", m.Month, m.Totals)
		}
	}
	if len(ra.Months) != 12 || ra.Months[0].Month != 202301 || ra.Months[11].Month != 202312 {
		t.Fatalf("months %v..%v (%d)", ra.Months[0].Month, ra.Months[len(ra.Months)-1].Month, len(ra.Months))
	}
	// The bulk path keeps the rollups exact and leaves every index built.
	if out, _, err := runCmd(t, nil, "verify", "--db", a); err != nil || !strings.Contains(out, "rollups match") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	if !strings.Contains(out, "6 payouts reimbursed") {
		t.Fatalf("want one payout per reimbursed month: %q", out)
	}
}

func TestSeedRebuildsIndexes(t *testing.T) {
	want, got := sqliteDB(t), sqliteDB(t) // indexes reads the SQLite schema
	if _, _, err := runCmd(t, nil, "migrate", "--db", want); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, nil, "seed", "--db", got, "--events", "3000", "--caregivers", "5", "--types", "3", "--to", "2024-01-01", "--progress=false"); err != nil {
		t.Fatal(err)
	}
	if a, b := indexes(t, want), indexes(t, got); !reflect.DeepEqual(a, b) {
		t.Fatalf("indexes after seed %v, want %v", b, a)
	}
}

// indexes lists the index names of a database file, read without
// store.Open, which would rebuild any the seed left out.
func indexes(t *testing.T, db string) []string {
	t.Helper()
	r, err := sql.Open("sqlite", "file:"+db+"?mode=ro") // the driver the store registers
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := r.Query("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestSeedErrors(t *testing.T) {
	for _, args := range [][]string{
		{"seed", "--events", "-1"},
		{"seed", "--caregivers", "0"},
		{"seed", "--reimbursed", "1.5"},
		{"seed", "--from", "2024-13-01"},
		{"seed", "--from", "2024-02-01", "--to", "2024-01-01"},
		{"seed", "--to", time.Now().AddDate(1, 0, 0).Format("2006-01-02")},
		{"seed", "stray"},
	} {
		if _, _, err := runCmd(t, nil, append(args, "--db", tempDB(t), "--progress=false")...); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

// TestSeedSkippedMidnight: in Asunción 1 October 2023 began at 04:00Z
// (00:00 -04 became 01:00 -03), so a seed from that day holds no event of
// September.
func TestSeedSkippedMidnight(t *testing.T) {
	db := tempDB(t)
	if _, _, err := runCmd(t, nil, "seed", "--db", db, "--timezone", "America/Asuncion", "--events", "2000", "--caregivers", "3",
		"--types", "2", "--from", "2023-10-01", "--to", "2023-10-02", "--reimbursed", "0", "--progress=false"); err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("America/Asuncion")
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), store.Options{Path: db, TimeZone: loc})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2023, 10, 1, 4, 0, 0, 0, time.UTC)
	end := time.Date(2023, 10, 2, 3, 0, 0, 0, time.UTC) // 00:00 -03 on 2 October
	for _, c := range []struct {
		q    model.ReportQuery
		want int64
	}{
		{model.ReportQuery{}, 2000},
		{model.ReportQuery{To: &start}, 0},
		{model.ReportQuery{From: &start, To: &end}, 2000},
	} {
		rep, err := s.Report(context.Background(), c.q)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Totals.EventCount != c.want || (c.want > 0 && (len(rep.Months) != 1 || rep.Months[0].Month != 202310)) {
			t.Fatalf("report %+v: %d events in %d months, want %d in 2023-10", c.q, rep.Totals.EventCount, len(rep.Months), c.want)
		}
	}
}
