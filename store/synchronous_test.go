package store_test

import (
	"strings"
	"testing"

	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

func TestSynchronous(t *testing.T) {
	storetest.SkipPostgres(t, "SQLite's synchronous pragma (PostgreSQL: TestPostgresSynchronous)")
	for _, tc := range []struct{ give, want string }{{"", "FULL"}, {"FULL", "FULL"}, {"normal", "NORMAL"}, {"NORMAL", "NORMAL"}} {
		t.Run("OK"+tc.give, func(t *testing.T) {
			s := MustOpen(t, func(o *store.Options) { o.Synchronous = tc.give })
			got, err := s.Synchronous(t.Context())
			if err != nil || got != tc.want {
				t.Fatalf("Synchronous = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"OFF", "EXTRA", "2", "fast"} {
		t.Run("Err"+bad, func(t *testing.T) {
			_, err := openAt(t, tempPath(t), func(o *store.Options) { o.Synchronous = bad })
			if err == nil || !strings.Contains(err.Error(), "FULL or NORMAL") {
				t.Fatalf("open with %q: %v, want an error naming FULL or NORMAL", bad, err)
			}
		})
	}
}
