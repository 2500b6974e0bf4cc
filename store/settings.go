package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// ErrNoDatabase is returned, wrapped with the path, for a SQLite file that
// does not exist when it must (Options.MustExist, BackupSQLite,
// CheckSettings).
var ErrNoDatabase = errors.New("store: no such database file")

// SettingError refuses a time zone or currency other than the one the
// database recorded when it was created: months already stored on events
// would not match another zone, nor amounts another currency.
type SettingError struct {
	Setting  string // "timezone" or "currency"
	Recorded string
	Given    string
}

func (e *SettingError) Error() string {
	msg := fmt.Sprintf("store: the database was created with %s %s, but %s %s was given; omit --%s to use the recorded one, or give --%s %s",
		e.Setting, e.Recorded, e.Setting, e.Given, e.Setting, e.Setting, e.Recorded)
	if e.Setting == "timezone" {
		msg += " (reports group events by months of the recorded zone)"
	}
	return msg
}

// settings are what a database records when it is created.
type settings struct{ zone, currency string }

// Defaults of a new database when the options leave a setting empty.
const (
	defaultZone     = "UTC"
	defaultCurrency = "SEK"
)

// mustExist refuses a SQLite path with no file behind it.
func mustExist(path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s does not exist", ErrNoDatabase, path)
	} else if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	return nil
}

// readSetting returns the recorded value of key, and whether there is one.
func readSetting(ctx context.Context, db bun.IDB, key string) (string, bool, error) {
	var got string
	err := db.NewSelect().Table("meta").Column("value").Where("key = ?", key).Scan(ctx, &got)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("store: read %s: %w", key, err)
	}
	return got, true, nil
}

// compare refuses a given (non-empty) value other than the recorded one.
func compare(key, recorded, given string) error {
	if given != "" && given != recorded {
		return &SettingError{Setting: key, Recorded: recorded, Given: given}
	}
	return nil
}

// checkMeta takes the recorded time zone and currency for the store,
// recording the options' (or the defaults) on first open, and refuses
// options that name others.
func (s *Store) checkMeta(ctx context.Context) error {
	var given settings
	if s.loc != nil {
		given.zone = s.loc.String()
	}
	given.currency = s.currency
	var rec settings
	err := s.w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, st := range []struct {
			key        string
			given, def string
			into       *string
		}{
			{"timezone", given.zone, defaultZone, &rec.zone},
			{"currency", given.currency, defaultCurrency, &rec.currency},
		} {
			got, ok, err := readSetting(ctx, tx, st.key)
			if err != nil {
				return err
			}
			if !ok {
				got = cmp.Or(st.given, st.def)
				if _, err := tx.NewInsert().Model(&map[string]any{"key": st.key, "value": got}).TableExpr("meta").Exec(ctx); err != nil {
					return fmt.Errorf("store: record %s: %w", st.key, err)
				}
			}
			if err := compare(st.key, got, st.given); err != nil {
				return err
			}
			*st.into = got
		}
		return nil
	})
	if err != nil {
		return err
	}
	if s.loc == nil {
		if s.loc, err = time.LoadLocation(rec.zone); err != nil {
			return fmt.Errorf("store: the recorded time zone %q: %w", rec.zone, err)
		}
	}
	s.currency = rec.currency
	return nil
}

// CheckSettings refuses a time zone or currency other than those the
// SQLite database at path recorded (*SettingError), reading it read-only:
// for commands that must not migrate or change it, such as a backup. A nil
// loc or empty currency is not checked. A missing file is ErrNoDatabase.
func CheckSettings(ctx context.Context, path string, loc *time.Location, currency string) error {
	if IsPostgres(path) {
		return errors.New("store: CheckSettings reads SQLite files")
	}
	if err := mustExist(path); err != nil {
		return err
	}
	sqldb, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer sqldb.Close()
	db := bun.NewDB(sqldb, sqlitedialect.New())
	zone := ""
	if loc != nil {
		zone = loc.String()
	}
	for _, st := range [][2]string{{"timezone", zone}, {"currency", currency}} {
		if st[1] == "" {
			continue
		}
		got, ok, err := readSetting(ctx, db, st[0])
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("store: %s records no %s: not a Reimburse database", path, st[0])
		}
		if err := compare(st[0], got, st[1]); err != nil {
			return err
		}
	}
	return nil
}
