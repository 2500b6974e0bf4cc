package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// TestOptionErrors checks that Open refuses each bad option with an
// OptionError naming it, before it creates anything: the commands pass
// their flags on unchecked and name the flag from Option.
func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		set    func(*store.Options)
		option string
		value  string
	}{
		{"ErrSynchronous", func(o *store.Options) { o.Synchronous = "OFF" }, "Synchronous", `"OFF"`},
		{"ErrWaitNegative", func(o *store.Options) {
			o.GroupCommit = &store.GroupCommitOptions{MaxWait: -time.Millisecond, MaxBatch: 1}
		}, "GroupCommit.MaxWait", "-1ms"},
		{"ErrWaitLong", func(o *store.Options) {
			o.GroupCommit = &store.GroupCommitOptions{MaxWait: 2 * time.Second, MaxBatch: 1}
		}, "GroupCommit.MaxWait", "2s"},
		{"ErrBatchZero", func(o *store.Options) { o.GroupCommit = &store.GroupCommitOptions{} }, "GroupCommit.MaxBatch", "0"},
		{"ErrBatchHuge", func(o *store.Options) {
			o.GroupCommit = &store.GroupCommitOptions{MaxBatch: model.MaxBatch + 1}
		}, "GroupCommit.MaxBatch", "10001"},
		{"ErrMaxConnsNegative", func(o *store.Options) { o.MaxConns = -1 }, "MaxConns", "-1"},
		{"ErrMaxBackdateZero", func(o *store.Options) { o.MaxBackdate = new(time.Duration(0)) }, "MaxBackdate", "0s"},
		{"ErrMaxBackdateNegative", func(o *store.Options) { o.MaxBackdate = new(-time.Hour) }, "MaxBackdate", "-1h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.db")
			opt := store.Options{Path: path}
			tc.set(&opt)
			s, err := store.Open(t.Context(), opt)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			var oe *store.OptionError
			if !errors.As(err, &oe) || oe.Option != tc.option || oe.Value != tc.value {
				t.Fatalf("err = %#v, want an OptionError for %s %s", err, tc.option, tc.value)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused Open left %s behind (%v)", path, err)
			}
		})
	}
}
