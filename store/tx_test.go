package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

func TestRunTxRetries(t *testing.T) {
	s, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "tx.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	serialization := fmt.Errorf("store: x: %w", &pgconn.PgError{Code: "40001"})
	deadlock := &pgconn.PgError{Code: "40P01"}
	conflict := model.Errorf(model.EConflict, "taken")
	for _, tc := range []struct {
		name      string
		errs      []error // what each attempt returns; the last repeats
		wantCalls int
		want      error
	}{
		{"OKFirst", []error{nil}, 1, nil},
		{"OKAfterSerializationFailure", []error{serialization, serialization, nil}, 3, nil},
		{"OKAfterDeadlock", []error{deadlock, nil}, 2, nil},
		{"OKAfterRetryError", []error{retryError{conflict}, nil}, 2, nil},
		{"ErrNotRetried", []error{conflict}, 1, conflict},
		{"ErrUniqueViolationNotRetried", []error{&pgconn.PgError{Code: "23505"}}, 1, nil},
		{"ErrGivesUp", []error{deadlock}, maxTxAttempts, deadlock},
		{"ErrGivesUpUnwrapsRetryError", []error{retryError{conflict}}, maxTxAttempts, conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := runTx(t.Context(), s.w, nil, func(context.Context, bun.Tx) error {
				e := tc.errs[min(calls, len(tc.errs)-1)]
				calls++
				return e
			})
			if calls != tc.wantCalls {
				t.Errorf("%d attempts, want %d", calls, tc.wantCalls)
			}
			last := tc.errs[len(tc.errs)-1]
			switch {
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("got %v, want %v", err, tc.want)
			case tc.want != nil && model.ErrorCode(err) != model.ErrorCode(tc.want):
				t.Errorf("got code %s, want %s", model.ErrorCode(err), model.ErrorCode(tc.want))
			case tc.want == nil && last == nil && err != nil:
				t.Errorf("got %v, want success", err)
			case tc.want == nil && last != nil && err == nil:
				t.Errorf("got success, want %v", last)
			}
			var r retryError
			if errors.As(err, &r) {
				t.Errorf("retryError leaked: %v", err)
			}
		})
	}
}
