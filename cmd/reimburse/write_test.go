package main

import (
	"strings"
	"testing"
)

// TestWriteFlags checks the write-path flags; --synchronous is SQLite's, so
// the databases are SQLite files whatever the dialect under test.
func TestWriteFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string // in the listening line
	}{
		{"OKDefaults", nil, nil, []string{"synchronous=FULL", "group_commit_wait=2ms", "group_commit_batch=256"}},
		{"OKNormal", []string{"--synchronous", "NORMAL"}, nil, []string{"synchronous=NORMAL"}},
		{"OKEnvTwins", nil, map[string]string{"REIMBURSE_SYNCHRONOUS": "normal", "REIMBURSE_GROUP_COMMIT_WAIT": "0s", "REIMBURSE_GROUP_COMMIT_BATCH": "1"},
			[]string{"synchronous=NORMAL", "group_commit_wait=0s", "group_commit_batch=1"}},
		{"OKFlagBeatsEnv", []string{"--synchronous", "FULL"}, map[string]string{"REIMBURSE_SYNCHRONOUS": "NORMAL"}, []string{"synchronous=FULL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", sqliteDB(t)}, tc.args...)
			srv := startRun(t, args, tc.env)
			line := ""
			for _, l := range strings.Split(srv.Stderr.String(), "\n") {
				if strings.Contains(l, "msg=listening") {
					line = l
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("listening line %q lacks %q", line, w)
				}
			}
			// Registrations work whatever the settings.
			var out struct{ CreateCaregiver struct{ ID string } }
			post(t, srv.URL, srv.Token, `mutation { createCaregiver(input: {name: "Anna"}) { id } }`, nil).mustData(t, &out)
			var ev struct{ RegisterEvent struct{ ID string } }
			post(t, srv.URL, srv.Token, `mutation { createEventType(input: {code: "XRAY", name: "X-ray", price: "100.00"}) { id } }`, nil).mustData(t, &struct{}{})
			post(t, srv.URL, srv.Token, `mutation($cg: ID!) { registerEvent(input: {eventTypeId: "1", caregiverId: $cg, occurredAt: "2024-01-01T00:00:00Z"}) { id } }`,
				map[string]any{"cg": out.CreateCaregiver.ID}).mustData(t, &ev)
			if ev.RegisterEvent.ID == "" {
				t.Fatal("no event id")
			}
		})
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ErrSynchronous", []string{"serve", "--addr", "127.0.0.1:0", "--synchronous", "OFF"}, "--synchronous"},
		{"ErrSeedSynchronous", []string{"seed", "--progress=false", "--synchronous", "EXTRA"}, "--synchronous"},
		{"ErrWaitNegative", []string{"serve", "--addr", "127.0.0.1:0", "--group-commit-wait", "-1ms"}, "--group-commit-wait"},
		{"ErrWaitLong", []string{"serve", "--addr", "127.0.0.1:0", "--group-commit-wait", "2s"}, "--group-commit-wait"},
		{"ErrBatchZero", []string{"serve", "--addr", "127.0.0.1:0", "--group-commit-batch", "0"}, "--group-commit-batch"},
		{"ErrBatchHuge", []string{"serve", "--addr", "127.0.0.1:0", "--group-commit-batch", "10001"}, "--group-commit-batch"},
		{"ErrMaxConnsNegative", []string{"serve", "--addr", "127.0.0.1:0", "--db-max-conns", "-1"}, "--db-max-conns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runCmd(t, nil, append(tc.args, "--db", sqliteDB(t))...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
			if strings.Contains(out, "rbt_") {
				t.Errorf("a refused start printed a token: %q", out)
			}
		})
	}

	// The store checks the values; the messages name the flags as they
	// always did.
	for args, want := range map[string]string{
		"--synchronous OFF":        `--synchronous "OFF": expected FULL or NORMAL`,
		"--group-commit-wait 2s":   "--group-commit-wait 2s: expected 0 to 1s",
		"--group-commit-wait -1ms": "--group-commit-wait -1ms: expected 0 to 1s",
		"--group-commit-batch 0":   "--group-commit-batch 0: expected 1 to 10000",
		"--db-max-conns -1":        "--db-max-conns -1: must not be negative",
		"--max-backdate 0":         "--max-backdate 0s: must be positive",
		"--max-backdate -1h":       "--max-backdate -1h0m0s: must be positive",
	} {
		_, _, err := runCmd(t, nil, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", sqliteDB(t)}, strings.Fields(args)...)...)
		if err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %q", args, err, want)
		}
	}

	t.Run("OKSeedNormal", func(t *testing.T) {
		out, _, err := runCmd(t, nil, "seed", "--db", sqliteDB(t), "--events", "100", "--caregivers", "2", "--types", "2", "--progress=false", "--synchronous", "NORMAL")
		if err != nil || !strings.Contains(out, "seeded 100 events") {
			t.Fatalf("seed: %q, %v", out, err)
		}
	})
}
