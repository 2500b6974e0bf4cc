package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/reimburse/reimburse/store"
)

const usage = `usage: reimburse [command] [flags]

commands:
  serve          run the GraphQL server (default)
  migrate        apply database migrations and exit
  token create   create an API token; prints it alone on stdout
  token list     list tokens (never their secrets)
  token revoke   revoke a token by id
  seed           fill a database with synthetic, deterministic data
  verify         recount the monthly rollups from the events; non-zero exit on any difference
  backup FILE    copy a live SQLite database to a new file (PostgreSQL: prints the pg_dump command)

Every flag has an environment twin: --db is REIMBURSE_DB, --addr is
REIMBURSE_ADDR, and so on. --db is a SQLite file or a postgres:// URL.
Run "reimburse COMMAND -h" for its flags, "reimburse --version" for the
version.
`

// run is the whole program; main only calls it, and tests call it too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // "COMMAND -h": flag has printed the usage, which is a success
	}
	return err
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help"):
		cmd, args = "help", args[1:]
	case len(args) > 0 && (args[0] == "--version" || args[0] == "-version"):
		cmd, args = "version", args[1:]
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args, getenv, stdout, stderr)
	case "token":
		return tokenCmd(ctx, args, getenv, stdout, stderr)
	case "seed":
		return seedCmd(ctx, args, getenv, stdout, stderr)
	case "verify":
		return verifyCmd(ctx, args, getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, getenv, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version":
		if err := noArgs("--version", args); err != nil {
			return err
		}
		fmt.Fprintln(stdout, version())
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// dbFlags are the flags every command that opens the database shares.
type dbFlags struct {
	db       string
	timezone string
	currency string
	maxConns int
	// mustExist refuses a SQLite file that does not exist: set by the
	// commands that only read or administer a database.
	mustExist bool
	fs        *flag.FlagSet // to tell an explicit --timezone or --currency from the default
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.db, "db", "reimburse.db", "SQLite database file, or a postgres://user@host:5432/db?sslmode=verify-full URL")
	fs.IntVar(&f.maxConns, "db-max-conns", 0, "PostgreSQL: size of the connection pool (0: max(16, 2 x CPUs)); ignored for SQLite")
	f.registerSettings(fs)
}

// registerSettings registers --timezone and --currency.
func (f *dbFlags) registerSettings(fs *flag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.timezone, "timezone", "UTC", "IANA time zone whose calendar months reports use; recorded when the database is created and taken from it afterwards (a different one is refused)")
	fs.StringVar(&f.currency, "currency", "SEK", "ISO 4217 currency of all amounts; recorded when the database is created and taken from it afterwards (a different one is refused)")
}

// settings returns the time zone and currency given explicitly, by flag or
// environment twin, after checking them: nil and "" for those left out,
// which an existing database supplies (and a new one gets the defaults).
func (f *dbFlags) settings() (*time.Location, string, error) {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true }) // parse sets the env twins with fs.Set, so they count
	loc, err := time.LoadLocation(f.timezone)
	if err != nil {
		return nil, "", fmt.Errorf("--timezone %q: %w", f.timezone, err)
	}
	if len(f.currency) != 3 || strings.ToUpper(f.currency) != f.currency {
		return nil, "", fmt.Errorf("--currency %q: expected a three-letter ISO 4217 code such as SEK", f.currency)
	}
	cur := f.currency
	if !set["timezone"] {
		loc = nil
	}
	if !set["currency"] {
		cur = ""
	}
	return loc, cur, nil
}

func (f *dbFlags) open(ctx context.Context, opts ...func(*store.Options)) (*store.Store, error) {
	loc, cur, err := f.settings()
	if err != nil {
		return nil, err
	}
	opt := store.Options{Path: f.db, TimeZone: loc, Currency: cur, MaxConns: f.maxConns, MustExist: f.mustExist}
	for _, o := range opts {
		o(&opt)
	}
	s, err := store.Open(ctx, opt)
	return s, noDatabase(flagError(err))
}

// noDatabase adds the remedy to a missing database file.
func noDatabase(err error) error {
	if errors.Is(err, store.ErrNoDatabase) {
		return fmt.Errorf("%w; check --db (serve, migrate and seed create a database, this command does not)", err)
	}
	return err
}

// writeFlags tune the write path: durability for serve and seed, group
// commit for serve.
type writeFlags struct {
	synchronous string
	groupCommit bool // the group commit flags are registered
	groupWait   time.Duration
	groupBatch  int
}

func (f *writeFlags) register(fs *flag.FlagSet, groupCommit bool) {
	f.groupCommit = groupCommit
	fs.StringVar(&f.synchronous, "synchronous", "FULL", "FULL: every commit is fsynced, so acknowledged writes survive power loss; NORMAL: faster, but the last commits before a power loss or OS crash may be lost (never corruption)")
	if groupCommit {
		fs.DurationVar(&f.groupWait, "group-commit-wait", store.DefaultGroupWait, "how long concurrent registerEvent calls may wait for each other to share a commit; 0: never wait")
		fs.IntVar(&f.groupBatch, "group-commit-batch", store.DefaultGroupBatch, "most registerEvent calls sharing one commit; 1 turns group commit off")
	}
}

// options returns the flags as a store option; Open checks them.
func (f *writeFlags) options() func(*store.Options) {
	return func(o *store.Options) {
		o.Synchronous = f.synchronous
		if f.groupCommit {
			o.GroupCommit = &store.GroupCommitOptions{MaxWait: f.groupWait, MaxBatch: f.groupBatch}
		}
	}
}

// optionFlags name the flag that sets each store option, for Open's
// refusals (store.OptionError).
var optionFlags = map[string]string{
	"Synchronous":          "synchronous",
	"GroupCommit.MaxWait":  "group-commit-wait",
	"GroupCommit.MaxBatch": "group-commit-batch",
	"MaxConns":             "db-max-conns",
	"MaxBackdate":          "max-backdate",
}

// flagError names the flag of an option that Open refused.
func flagError(err error) error {
	var oe *store.OptionError
	if errors.As(err, &oe) {
		if name, ok := optionFlags[oe.Option]; ok {
			return fmt.Errorf("--%s %s: %s", name, oe.Value, oe.Want)
		}
	}
	return err
}

// parse parses flags, then fills every flag not given on the command line
// from its REIMBURSE_* environment twin. Flags may come before or after
// positional arguments ("token revoke 3 --db FILE"); the positionals are
// returned.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "REIMBURSE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	return pos, err
}

// noArgs rejects stray positional arguments.
func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return fmt.Errorf("%s: unexpected argument %q", cmd, pos[0])
	}
	return nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// openOnly parses a command that takes the database flags and nothing
// else, and opens the store (applying migrations). With mustExist a
// missing SQLite file is refused instead of created.
func openOnly(ctx context.Context, cmd string, args []string, getenv func(string) string, stderr io.Writer, mustExist bool) (*store.Store, dbFlags, error) {
	f := dbFlags{mustExist: mustExist}
	fs := newFlagSet(cmd, stderr)
	f.register(fs)
	pos, err := parse(fs, args, getenv)
	if err != nil {
		return nil, f, err
	}
	if err := noArgs(cmd, pos); err != nil {
		return nil, f, err
	}
	s, err := f.open(ctx)
	return s, f, err
}

func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s, f, err := openOnly(ctx, "migrate", args, getenv, stderr, false)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(stdout, "migrations applied to", store.Redact(f.db))
	return nil
}

// newLogger returns the structured logger of the server.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	default:
		return nil, errors.New("--log-format must be text or json")
	}
}
