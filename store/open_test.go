package store_test

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

func TestOpen(t *testing.T) {
	t.Run("OKReopenSame", func(t *testing.T) {
		path := tempPath(t)
		stockholm := mustZone(t, "Europe/Stockholm")
		s, err := openAt(t, path, withZone(stockholm), withCurrency("EUR"))
		if err != nil {
			t.Fatal(err)
		}
		c := mustCaregiver(t, s, "Anna")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err = openAt(t, path, withZone(mustZone(t, "Europe/Stockholm")), withCurrency("EUR"))
		if err != nil {
			t.Fatalf("reopen with the same options: %v", err)
		}
		if s.Location().String() != "Europe/Stockholm" || s.Currency() != "EUR" {
			t.Fatalf("got %s %s", s.Location(), s.Currency())
		}
		if got, err := s.FindCaregiverByID(t.Context(), c.ID); err != nil || got.Name != "Anna" {
			t.Fatalf("data did not survive: %v, %v", got, err)
		}
		if err := store.Ping(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("OKDefaults", func(t *testing.T) {
		s := MustOpen(t)
		if s.Location().String() != "UTC" || s.Currency() != "SEK" || !s.Now().Equal(testNow) {
			t.Fatalf("got zone %s, currency %s, now %s", s.Location(), s.Currency(), s.Now())
		}
	})

	for _, tc := range []struct {
		name      string
		first     []string // zone, currency
		second    []string
		wantNames []string
	}{
		{"ErrOtherZone", []string{"Europe/Stockholm", "SEK"}, []string{"UTC", "SEK"}, []string{"Europe/Stockholm", "UTC", "--timezone"}},
		{"ErrOtherZoneFromUTC", []string{"UTC", "SEK"}, []string{"America/New_York", "SEK"}, []string{"UTC", "America/New_York"}},
		{"ErrOtherCurrency", []string{"UTC", "SEK"}, []string{"UTC", "EUR"}, []string{"SEK", "EUR", "--currency"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t)
			s, err := openAt(t, path, withZone(mustZone(t, tc.first[0])), withCurrency(tc.first[1]))
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			_, err = openAt(t, path, withZone(mustZone(t, tc.second[0])), withCurrency(tc.second[1]))
			if err == nil {
				t.Fatal("reopen with other options succeeded")
			}
			for _, name := range tc.wantNames {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %q", err, name)
				}
			}
			// The refused open recorded nothing: the original options
			// still work.
			if _, err := openAt(t, path, withZone(mustZone(t, tc.first[0])), withCurrency(tc.first[1])); err != nil {
				t.Fatalf("reopen with the recorded options after a refusal: %v", err)
			}
		})
	}

	t.Run("ErrNoPath", func(t *testing.T) {
		if _, err := openAt(t, ""); err == nil {
			t.Fatal("opened a store without a path")
		}
	})

	t.Run("OKWAL", func(t *testing.T) {
		storetest.SkipPostgres(t, "the write-ahead log file")
		path := tempPath(t)
		s, err := openAt(t, path)
		if err != nil {
			t.Fatal(err)
		}
		mustCaregiver(t, s, "Anna")
		if _, err := os.Stat(path + "-wal"); err != nil {
			t.Fatalf("no write-ahead log beside the database: %v", err)
		}
	})

	// Store methods guard every reference they know of, but events and
	// reimbursements also reference the token that made them, which only
	// the database checks: a principal whose token does not exist is
	// refused only if foreign keys are on for the writer.
	t.Run("OKForeignKeys", func(t *testing.T) {
		f := newFixture(t)
		ghost := model.Principal{TokenID: 999, Name: "ghost", Role: model.RoleAdmin}
		_, err := f.s.RegisterEvents(t.Context(), ghost, []model.NewEvent{{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow}})
		if model.ErrorCode(err) != model.EInternal {
			t.Fatalf("got %v, want a foreign key violation", err)
		}
		if n := countEvents(t, f.s); n != 0 {
			t.Fatalf("%d events registered", n)
		}
		e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow)
		_, err = f.s.ReimburseEvents(t.Context(), ghost, []int64{e.ID})
		if model.ErrorCode(err) != model.EInternal {
			t.Fatalf("got %v, want a foreign key violation", err)
		}
		if got := mustFindEvent(t, f.s, e.ID); got.Status != model.StatusPending {
			t.Fatalf("status became %s", got.Status)
		}
	})
}

func TestTokens(t *testing.T) {
	t.Run("OKEnsureAdminToken", func(t *testing.T) {
		s := MustOpen(t)
		secret, err := s.EnsureAdminToken(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "rbt_") || len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		again, err := s.EnsureAdminToken(t.Context())
		if err != nil || again != "" {
			t.Fatalf("second call got %q, %v; want \"\"", again, err)
		}
		toks, err := s.FindTokens(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(toks) != 1 || toks[0].ID != admin.TokenID || toks[0].Role != model.RoleAdmin || toks[0].Name != "initial admin" ||
			!toks[0].CreatedAt.Equal(testNow) || toks[0].RevokedAt != nil || toks[0].CaregiverID != nil {
			t.Fatalf("tokens %+v", toks)
		}
	})

	t.Run("OKAuthenticate", func(t *testing.T) {
		s := MustOpen(t)
		secret, err := s.EnsureAdminToken(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Authenticate(t.Context(), secret)
		if err != nil {
			t.Fatal(err)
		}
		if *p != (model.Principal{TokenID: 1, Name: "initial admin", Role: model.RoleAdmin}) {
			t.Fatalf("got %+v", p)
		}
	})

	t.Run("ErrUnauthenticated", func(t *testing.T) {
		s := MustOpen(t)
		secret, err := s.EnsureAdminToken(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "rbt_", "rbt_nope", "Bearer " + secret, secret + "x", secret[4:], strings.ToUpper(secret)} {
			p, err := s.Authenticate(t.Context(), bad)
			if p != nil {
				t.Fatalf("%q authenticated as %+v", bad, p)
			}
			wantErr(t, err, model.EUnauthenticated, "")
		}
	})

	t.Run("OKCreateAndRevoke", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		secret, tok, err := s.CreateToken(t.Context(), model.NewToken{Name: " ops ", Role: model.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID != 2 || tok.Name != "ops" || tok.Role != model.RoleAdmin {
			t.Fatalf("got %+v", tok)
		}
		if p, err := s.Authenticate(t.Context(), secret); err != nil || p.TokenID != tok.ID {
			t.Fatalf("got %+v, %v", p, err)
		}
		if err := s.RevokeToken(t.Context(), tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Authenticate(t.Context(), secret)
		wantErr(t, err, model.EUnauthenticated, "")
		toks, err := s.FindTokens(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(toks) != 2 || toks[0].RevokedAt != nil || toks[1].RevokedAt == nil || !toks[1].RevokedAt.Equal(testNow) {
			t.Fatalf("tokens %+v", toks)
		}
		err = s.RevokeToken(t.Context(), tok.ID) // already revoked
		wantErr(t, err, model.ENotFound, "")
	})

	t.Run("ErrCreateToken", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		for _, in := range []model.NewToken{
			{Role: "ROOT"},
			{Role: model.RoleAccountant, CaregiverID: ptr(int64(1))},
			{Role: model.RoleCaregiver},
			{Role: model.RoleCaregiver, CaregiverID: ptr(int64(1))}, // no caregiver 1 yet
			{Role: model.RoleAdmin, Name: strings.Repeat("n", model.MaxNameLen+1)},
		} {
			_, _, err := s.CreateToken(t.Context(), in)
			if model.ErrorCode(err) != model.EInvalid {
				t.Fatalf("%+v: got %v, want EInvalid", in, err)
			}
		}
		if toks, err := s.FindTokens(t.Context()); err != nil || len(toks) != 1 {
			t.Fatalf("refused creates stored tokens: %+v, %v", toks, err)
		}
		_, _, err := s.CreateToken(t.Context(), model.NewToken{Role: model.RoleCaregiver, CaregiverID: ptr(int64(42))})
		wantErr(t, err, model.EInvalid, "caregiver")
	})

	t.Run("OKScopedRoles", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		cg := mustCaregiver(t, s, "Anna")
		accSecret, acc, err := s.CreateToken(t.Context(), model.NewToken{Role: model.RoleAccountant, Name: "books"})
		if err != nil {
			t.Fatal(err)
		}
		cgSecret, cgTok, err := s.CreateToken(t.Context(), model.NewToken{Role: model.RoleCaregiver, CaregiverID: &cg.ID})
		if err != nil {
			t.Fatal(err)
		}
		if acc.Role != model.RoleAccountant || acc.CaregiverID != nil || cgTok.Role != model.RoleCaregiver ||
			cgTok.CaregiverID == nil || *cgTok.CaregiverID != cg.ID || cgTok.Name != fmt.Sprintf("CAREGIVER %d", cg.ID) {
			t.Fatalf("tokens %+v %+v", acc, cgTok)
		}
		p, err := s.Authenticate(t.Context(), accSecret)
		if err != nil || *p != (model.Principal{TokenID: acc.ID, Name: "books", Role: model.RoleAccountant}) {
			t.Fatalf("accountant: %+v, %v", p, err)
		}
		p, err = s.Authenticate(t.Context(), cgSecret)
		if err != nil || p.TokenID != cgTok.ID || p.Role != model.RoleCaregiver || p.CaregiverID == nil || *p.CaregiverID != cg.ID {
			t.Fatalf("caregiver: %+v, %v", p, err)
		}
	})

	t.Run("OKFindTokensByIDs", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		_, second, err := s.CreateToken(t.Context(), model.NewToken{Role: model.RoleAccountant})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(t.Context(), second.ID); err != nil {
			t.Fatal(err)
		}
		toks, err := s.FindTokensByIDs(t.Context(), []int64{second.ID, 99, 1, second.ID})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(toks, func(a, b model.Token) int { return int(a.ID - b.ID) })
		if len(toks) != 2 || toks[0].ID != 1 || toks[0].Role != model.RoleAdmin ||
			toks[1].ID != second.ID || toks[1].Role != model.RoleAccountant || toks[1].RevokedAt == nil {
			t.Fatalf("got %+v; want tokens 1 and %d, the revoked one included", toks, second.ID)
		}
		if toks, err := s.FindTokensByIDs(t.Context(), nil); err != nil || len(toks) != 0 {
			t.Fatalf("no ids: %+v, %v", toks, err)
		}
	})

	t.Run("ErrRevokeUnknown", func(t *testing.T) {
		s := MustOpen(t)
		mustAdmin(t, s)
		wantErr(t, s.RevokeToken(t.Context(), 42), model.ENotFound, "")
	})

	t.Run("OKSecretNotStored", func(t *testing.T) {
		storetest.SkipPostgres(t, "reads the database files")
		path := tempPath(t)
		s, err := openAt(t, path)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := s.EnsureAdminToken(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		second, _, err := s.CreateToken(t.Context(), model.NewToken{Role: model.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		var raw []byte
		for _, name := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(name)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			raw = append(raw, b...)
		}
		for _, sec := range []string{secret, second, strings.TrimPrefix(secret, "rbt_")} {
			if bytes.Contains(raw, []byte(sec)) {
				t.Fatal("the database holds a token secret in clear")
			}
		}
		// The token's name is there, so the search above looked at the
		// bytes that hold the tokens.
		if !bytes.Contains(raw, []byte("initial admin")) {
			t.Fatal("the token rows are not in the files searched")
		}
	})
}
