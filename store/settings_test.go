package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// TestOpenSettings checks that a store opened without a zone or currency
// takes the recorded ones, and that a refused currency says nothing about
// zones.
func TestOpenSettings(t *testing.T) {
	t.Run("OKRecorded", func(t *testing.T) {
		path := tempPath(t)
		s, err := openAt(t, path, withZone(mustZone(t, "Europe/Stockholm")), withCurrency("EUR"))
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		s, err = openAt(t, path)
		if err != nil {
			t.Fatalf("reopen without settings: %v", err)
		}
		if s.Location().String() != "Europe/Stockholm" || s.Currency() != "EUR" {
			t.Fatalf("got %s %s, want the recorded Europe/Stockholm EUR", s.Location(), s.Currency())
		}
	})

	t.Run("ErrCurrency", func(t *testing.T) {
		path := tempPath(t)
		s, err := openAt(t, path, withCurrency("EUR"))
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err = openAt(t, path, withCurrency("SEK"))
		const want = "store: the database was created with currency EUR, but currency SEK was given; omit --currency to use the recorded one, or give --currency EUR"
		if err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
		var se *store.SettingError
		if !errors.As(err, &se) || se.Setting != "currency" || se.Recorded != "EUR" || se.Given != "SEK" {
			t.Fatalf("got %#v, want a *store.SettingError", err)
		}
	})

	t.Run("ErrMustExist", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "typo.db")
		_, err := openAt(t, path, func(o *store.Options) { o.MustExist = true })
		if !errors.Is(err, store.ErrNoDatabase) {
			t.Fatalf("got %v, want ErrNoDatabase", err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Fatalf("a refused open left %v", ents)
		}
		// An existing database opens.
		if _, err := openAt(t, path); err != nil {
			t.Fatal(err)
		}
		if _, err := openAt(t, path, func(o *store.Options) { o.MustExist = true }); err != nil {
			t.Fatalf("MustExist on an existing file: %v", err)
		}
	})

	t.Run("CheckSettings", func(t *testing.T) {
		storetest.SkipPostgres(t, "reads a SQLite file")
		path := tempPath(t)
		s, err := openAt(t, path, withZone(mustZone(t, "Europe/Stockholm")), withCurrency("EUR"))
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		if err := store.CheckSettings(ctx, path, mustZone(t, "Europe/Stockholm"), "EUR"); err != nil {
			t.Fatal(err)
		}
		if err := store.CheckSettings(ctx, path, nil, ""); err != nil {
			t.Fatal(err)
		}
		var se *store.SettingError
		if err := store.CheckSettings(ctx, path, mustZone(t, "UTC"), ""); !errors.As(err, &se) || se.Setting != "timezone" {
			t.Fatalf("other zone: got %v", err)
		}
		if err := store.CheckSettings(ctx, path, nil, "SEK"); !errors.As(err, &se) || se.Setting != "currency" {
			t.Fatalf("other currency: got %v", err)
		}
		if err := store.CheckSettings(ctx, path+".missing", nil, "EUR"); !errors.Is(err, store.ErrNoDatabase) {
			t.Fatalf("missing file: got %v", err)
		}
		if after, err := os.Stat(path); err != nil || !after.ModTime().Equal(fi.ModTime()) || after.Size() != fi.Size() {
			t.Fatalf("CheckSettings changed the file: %v", err)
		}
	})
}
