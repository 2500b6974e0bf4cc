package store

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/reimburse/reimburse/model"
)

// OptionError is an Options value that Open refuses, before it opens or
// creates anything. Commands name the flag that set Option.
type OptionError struct {
	Option string // the field of Options: "Synchronous", "GroupCommit.MaxWait", ...
	Value  string // the value refused, as the flag would print it
	Want   string // what is accepted: "expected FULL or NORMAL"
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("store: %s %s: %s", e.Option, e.Value, e.Want)
}

// checkedOptions are the settings Open derives from Options, defaults
// filled in.
type checkedOptions struct {
	synchronous string // FULL or NORMAL
	maxBackdate time.Duration
	groupCommit GroupCommitOptions
}

// checked fills in the defaults of opt and checks every value, once for
// both dialects: the commands pass their flags on unchecked.
func (opt Options) checked() (Options, checkedOptions, error) {
	var c checkedOptions
	if opt.Path == "" {
		return opt, c, errors.New("store: no database path")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.ReadConns <= 0 {
		opt.ReadConns = max(4, runtime.NumCPU())
	}
	if opt.MaxConns < 0 {
		return opt, c, &OptionError{Option: "MaxConns", Value: strconv.Itoa(opt.MaxConns), Want: "must not be negative"}
	}
	if opt.Observer == nil {
		opt.Observer = nopObserver{}
	}
	c.maxBackdate = model.DefaultMaxBackdate
	if opt.MaxBackdate != nil {
		if *opt.MaxBackdate <= 0 {
			return opt, c, &OptionError{Option: "MaxBackdate", Value: opt.MaxBackdate.String(), Want: "must be positive"}
		}
		c.maxBackdate = *opt.MaxBackdate
	}
	var err error
	if c.synchronous, err = synchronousMode(opt.Synchronous); err != nil {
		return opt, c, err
	}
	if c.groupCommit, err = groupCommitOptions(opt.GroupCommit); err != nil {
		return opt, c, err
	}
	return opt, c, nil
}

// synchronousMode checks Options.Synchronous. Only FULL and NORMAL are
// offered: OFF can corrupt the database on power loss, and EXTRA adds
// nothing over FULL in WAL mode.
func synchronousMode(v string) (string, error) {
	switch m := strings.ToUpper(strings.TrimSpace(v)); m {
	case "":
		return "FULL", nil
	case "FULL", "NORMAL":
		return m, nil
	default:
		return "", &OptionError{Option: "Synchronous", Value: strconv.Quote(v), Want: "expected FULL or NORMAL"}
	}
}
