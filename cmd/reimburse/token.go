package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/reimburse/reimburse/model"
)

func tokenCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("token: expected create, list or revoke")
	}
	sub, args := args[0], args[1:]
	if sub == "-h" || sub == "--help" || sub == "-help" {
		fmt.Fprintln(stderr, "usage: reimburse token create|list|revoke [flags]\n\nRun \"reimburse token SUBCOMMAND -h\" for its flags.")
		return nil
	}
	if sub != "create" && sub != "list" && sub != "revoke" {
		return fmt.Errorf("token: unknown subcommand %q; expected create, list or revoke", sub)
	}
	f := dbFlags{mustExist: true} // a token for a database that does not exist would be for nobody
	fs := newFlagSet("token "+sub, stderr)
	f.register(fs)
	var role, name string
	var caregiver int64
	if sub == "create" {
		fs.StringVar(&role, "role", "ADMIN", "role: ADMIN (everything), ACCOUNTANT (read all, register, reimburse, void) or CAREGIVER (its own events only; needs --caregiver)")
		fs.StringVar(&name, "name", "", "a name to recognise the token by (default: the role)")
		fs.Int64Var(&caregiver, "caregiver", 0, "the caregiver id a CAREGIVER token is bound to; refused for other roles")
	}
	pos, err := parse(fs, args, getenv)
	if err != nil {
		return err
	}
	caregiverSet := false
	fs.Visit(func(f *flag.Flag) { caregiverSet = caregiverSet || f.Name == "caregiver" })
	var revokeID int64
	if sub == "revoke" {
		if len(pos) != 1 {
			return fmt.Errorf("token revoke: expected one token id")
		}
		if revokeID, err = strconv.ParseInt(pos[0], 10, 64); err != nil || revokeID <= 0 {
			return fmt.Errorf("token revoke: invalid id %q", pos[0])
		}
	} else if err := noArgs("token "+sub, pos); err != nil {
		return err
	}
	s, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "create":
		in := model.NewToken{Name: name, Role: model.Role(strings.ToUpper(role))}
		if caregiverSet {
			in.CaregiverID = &caregiver
		}
		secret, _, err := s.CreateToken(ctx, in)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		ts, err := s.FindTokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tCAREGIVER\tCREATED\tREVOKED")
		for _, t := range ts {
			cg, rev := "-", "-"
			if t.CaregiverID != nil {
				cg = strconv.FormatInt(*t.CaregiverID, 10)
			}
			if t.RevokedAt != nil {
				rev = model.FormatDateTime(*t.RevokedAt)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, cg, model.FormatDateTime(t.CreatedAt), rev)
		}
		return tw.Flush()
	case "revoke":
		if err := s.RevokeToken(ctx, revokeID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d revoked\n", revokeID)
		return nil
	default:
		return fmt.Errorf("token: unknown subcommand %q", sub)
	}
}
