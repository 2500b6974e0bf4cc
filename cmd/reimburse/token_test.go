package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// createToken runs "token create" and returns the token, requiring stdout to
// be exactly that one line.
func createToken(t testing.TB, db string, args ...string) string {
	t.Helper()
	out, errOut, err := runCmd(t, nil, append([]string{"token", "create", "--db", db}, args...)...)
	if err != nil {
		t.Fatalf("token create: %v\nstderr:\n%s", err, errOut)
	}
	tok := strings.TrimSuffix(out, "\n")
	if !strings.HasPrefix(tok, "rbt_") || strings.ContainsAny(tok, " \t\r\n") {
		t.Fatalf("token create stdout = %q, want one line holding the token alone", out)
	}
	return tok
}

// tokenID returns the id that "token list" shows for the token named name.
func tokenID(t testing.TB, db, name string) string {
	t.Helper()
	out, _, err := runCmd(t, nil, "token", "list", "--db", db)
	if err != nil {
		t.Fatalf("token list: %v", err)
	}
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) >= 2 && f[1] == name {
			return f[0]
		}
	}
	t.Fatalf("token %q not in list:\n%s", name, out)
	return ""
}

// authStatus is the HTTP status of a trivial authenticated query.
func authStatus(t testing.TB, base, token string) int {
	t.Helper()
	return post(t, base, token, `{ eventTypes { code } }`, nil).Status
}

func TestTokenCreate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		db := newDB(t)
		tok := createToken(t, db, "--role", "ADMIN", "--name", "ci")
		// The database already holds a token, so serve makes no first one.
		srv := startServer(t, db)
		if srv.Token != "" {
			t.Errorf("serve printed a first-start token although %q exists", tok)
		}
		if s := authStatus(t, srv.URL, tok); s != http.StatusOK {
			t.Fatalf("created token: status %d, want 200", s)
		}
	})

	t.Run("WhileServing", func(t *testing.T) {
		db := tempDB(t)
		srv := startServer(t, db)
		tok := createToken(t, db, "--name", "ci")
		if tok == srv.Token {
			t.Fatal("token create returned the first-start token")
		}
		if s := authStatus(t, srv.URL, tok); s != http.StatusOK {
			t.Fatalf("token created while serving: status %d, want 200", s)
		}
	})

	t.Run("EnvDB", func(t *testing.T) {
		db := newDB(t)
		out, _, err := runCmd(t, map[string]string{"REIMBURSE_DB": db}, "token", "create", "--name", "env")
		if err != nil || !strings.HasPrefix(out, "rbt_") {
			t.Fatalf("token create with REIMBURSE_DB: %q, %v", out, err)
		}
		if id := tokenID(t, db, "env"); id == "" {
			t.Fatal("token not in the REIMBURSE_DB database")
		}
	})

	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"ErrCaregiverWithoutID", []string{"--role", "CAREGIVER"}, "caregiver"},
		{"ErrCaregiverUnknown", []string{"--role", "CAREGIVER", "--caregiver", "1"}, "caregiver 1 does not exist"},
		{"ErrCaregiverZero", []string{"--role", "CAREGIVER", "--caregiver", "0"}, "caregiver"},
		{"ErrAccountantBound", []string{"--role", "ACCOUNTANT", "--caregiver", "1"}, "only CAREGIVER tokens"},
		{"ErrRoleUnknown", []string{"--role", "NOPE"}, "role"},
		{"ErrUnknownFlag", []string{"--nope"}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDB(t)
			out, _, err := runCmd(t, nil, append([]string{"token", "create", "--db", db}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if out != "" {
				t.Errorf("a refused create printed %q", out)
			}
			if list, _, _ := runCmd(t, nil, "token", "list", "--db", db); strings.Count(list, "\n") > 1 {
				t.Errorf("a refused create stored a token:\n%s", list)
			}
		})
	}
}

// TestTokenCreateRoles creates a token of every role and checks what each
// may do on a running server; graph/authz_matrix_test.go covers every field.
func TestTokenCreateRoles(t *testing.T) {
	db := tempDB(t)
	srv := startServer(t, db)
	var cg struct {
		CreateCaregiver struct{ ID string } `json:"createCaregiver"`
	}
	post(t, srv.URL, srv.Token, `mutation { createCaregiver(input: {name: "Anna"}) { id } }`, nil).mustData(t, &cg)
	acc := createToken(t, db, "--role", "ACCOUNTANT", "--name", "books")
	own := createToken(t, db, "--role", "caregiver", "--caregiver", cg.CreateCaregiver.ID)

	const create = `mutation { createCaregiver(input: {name: "Bo"}) { id } }`
	for name, tok := range map[string]string{"ACCOUNTANT": acc, "CAREGIVER": own} {
		if r := post(t, srv.URL, tok, create, nil); r.Status != http.StatusOK || r.code() != "FORBIDDEN" {
			t.Errorf("%s createCaregiver: %d %+v, want FORBIDDEN", name, r.Status, r.Errors)
		}
	}
	var me struct {
		Caregivers struct{ Nodes []struct{ Name string } }
	}
	post(t, srv.URL, own, `{ caregivers { nodes { name } } }`, nil).mustData(t, &me)
	if len(me.Caregivers.Nodes) != 1 || me.Caregivers.Nodes[0].Name != "Anna" {
		t.Errorf("CAREGIVER sees caregivers %+v, want only Anna", me.Caregivers.Nodes)
	}

	out, _, err := runCmd(t, nil, "token", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\d+\s+books\s+ACCOUNTANT\s+-\s`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\d+\s+CAREGIVER `+cg.CreateCaregiver.ID+`\s+CAREGIVER\s+`+cg.CreateCaregiver.ID+`\s`).MatchString(out) {
		t.Errorf("token list does not show the roles and the caregiver:\n%s", out)
	}
}

func TestTokenList(t *testing.T) {
	db := tempDB(t)
	srv := startServer(t, db) // makes "initial admin"
	createToken(t, db, "--name", "ci")
	createToken(t, db, "--name", "backup-job")

	out, _, err := runCmd(t, nil, "token", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "rbt_") || strings.Contains(out, srv.Token[4:12]) {
		t.Fatalf("token list shows a secret:\n%s", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^ID\s+NAME\s+ROLE`).MatchString(lines[0]) {
		t.Fatalf("token list = %q, want a header and three tokens", out)
	}
	for i, name := range []string{"initial admin", "ci", "backup-job"} {
		if !strings.Contains(lines[i+1], name) || !strings.Contains(lines[i+1], "ADMIN") {
			t.Errorf("line %d = %q, want token %q with role ADMIN", i+1, lines[i+1], name)
		}
	}
}

func TestTokenRevoke(t *testing.T) {
	db := tempDB(t)
	srv := startServer(t, db)
	tok := createToken(t, db, "--name", "ci")
	if s := authStatus(t, srv.URL, tok); s != http.StatusOK {
		t.Fatalf("before revoke: status %d, want 200", s)
	}
	id := tokenID(t, db, "ci")

	out, errOut, err := runCmd(t, nil, "token", "revoke", "--db", db, id)
	if err != nil {
		t.Fatalf("token revoke %s: %v\n%s", id, err, errOut)
	}
	if !strings.Contains(out, id) {
		t.Errorf("revoke stdout = %q, want it to name token %s", out, id)
	}
	r := post(t, srv.URL, tok, `{ eventTypes { code } }`, nil)
	if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked token: %d %+v, want 401 UNAUTHENTICATED at once", r.Status, r.Errors)
	}
	if s := authStatus(t, srv.URL, srv.Token); s != http.StatusOK {
		t.Errorf("revoking %s broke the other token: status %d", id, s)
	}
	list, _, _ := runCmd(t, nil, "token", "list", "--db", db)
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == id && strings.HasSuffix(line, "-") {
			t.Errorf("list does not show token %s as revoked: %q", id, line)
		}
	}

	for _, tt := range []struct {
		name string
		args []string
	}{
		{"ErrAgain", []string{id}},
		{"ErrUnknownID", []string{"9999"}},
		{"ErrNotAnID", []string{"abc"}},
		{"ErrNoID", nil},
		{"ErrTwoIDs", []string{"1", "2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, nil, append([]string{"token", "revoke", "--db", db}, tt.args...)...)
			if err == nil {
				t.Fatalf("token revoke %v succeeded: %q", tt.args, out)
			}
		})
	}
	if s := authStatus(t, srv.URL, srv.Token); s != http.StatusOK {
		t.Errorf("failed revokes touched the admin token: status %d", s)
	}
}

func TestTokenErrSubcommand(t *testing.T) {
	for _, args := range [][]string{{"token"}, {"token", "frobnicate", "--db", tempDB(t)}} {
		if _, _, err := runCmd(t, nil, args...); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}
