package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// step is one runnable piece of the README's walkthrough.
type step struct {
	lang string // "sh" or "graphql"
	text string
}

// walkthroughDocs are the files whose marked snippets the walkthrough runs,
// in order: the README's quick start, then the API's examples.
var walkthroughDocs = []string{"README.md", filepath.Join("docs", "API.md")}

// walkthroughSteps returns the code blocks between every pair of
// walkthrough markers of walkthroughDocs, in order.
func walkthroughSteps(t *testing.T) []step {
	t.Helper()
	var steps []step
	for _, name := range walkthroughDocs {
		steps = append(steps, markedSteps(t, name)...)
	}
	return steps
}

// markedSteps returns the code blocks between the walkthrough markers of
// one file, which must have at least one pair.
func markedSteps(t *testing.T, name string) []step {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	const open, closing = "<!-- walkthrough -->", "<!-- /walkthrough -->"
	var steps []step
	re := regexp.MustCompile("(?s)```(sh|graphql)\n(.*?)```")
	for {
		start := strings.Index(doc, open)
		if start < 0 {
			break
		}
		end := strings.Index(doc, closing)
		if end < start {
			t.Fatalf("%s: a walkthrough marker without its pair", name)
		}
		for _, m := range re.FindAllStringSubmatch(doc[start:end], -1) {
			steps = append(steps, step{lang: m[1], text: m[2]})
		}
		doc = doc[end+len(closing):]
	}
	if strings.Contains(doc, closing) || len(steps) == 0 {
		t.Fatalf("%s has no walkthrough, or a closing marker without an opening one", name)
	}
	return steps
}

// walkthrough is what the reader has at hand while following the README.
type walkthrough struct {
	dir      string
	servers  map[string]*server // by the port the README uses
	exported string             // $TOKEN once the reader has exported it
	created  int                // tokens made with "token create"
}

// TestWalkthrough runs the README's walkthrough as a newcomer would: every
// command and GraphQL operation in it, in order, against real servers. A
// line this test cannot run fails it, so the README cannot drift.
func TestWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("the walkthrough seeds 50,000 events; skipped with -short")
	}
	w := &walkthrough{dir: t.TempDir(), servers: map[string]*server{}}
	operations, commands := 0, 0
	for _, st := range walkthroughSteps(t) {
		switch st.lang {
		case "graphql":
			operations += w.runGraphQL(t, st.text)
		case "sh":
			for _, line := range strings.Split(strings.TrimSpace(st.text), "\n") {
				commands++
				w.runLine(t, line)
			}
		}
	}
	if operations < 13 || commands < 10 {
		t.Fatalf("walkthrough too short to be what the README describes: %d operations, %d commands", operations, commands)
	}
}

// runGraphQL runs a document as the playground does when the reader pastes
// it whole and runs its operations one after another by name: the whole
// text each time, with the operation's name. It returns how many ran.
func (w *walkthrough) runGraphQL(t *testing.T, text string) int {
	t.Helper()
	srv := w.servers["8080"]
	if srv == nil {
		t.Fatalf("a GraphQL step before any server:\n%s", text)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: text})
	if err != nil {
		t.Fatalf("a walkthrough document does not parse: %v\n%s", err, text)
	}
	for _, op := range doc.Operations {
		if op.Name == "" {
			t.Fatalf("an unnamed walkthrough operation; name it so that it can be chosen in the playground:\n%s", text)
		}
		// The reader pasted the token the server printed into the Headers tab.
		r := postOperation(t, srv.URL, srv.Token, text, op.Name)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("walkthrough operation %s failed: status %d, errors %+v", op.Name, r.Status, r.Errors)
		}
		if op.Name == "MonthlyReport" && !strings.Contains(string(r.Data), `"totals":{"eventCount":3,"amount":{"amount":"3751.50","currency":"SEK"}`) {
			t.Fatalf("the report does not show the 3751.50 over 3 events the README promises: %s", r.Data)
		}
		if op.Name == "ReimbursePending" && !strings.Contains(string(r.Data), `"eventCount":2,"total":{"amount":"2501.00","currency":"SEK"}`) {
			t.Fatalf("the payout through March is not March's two events: %s", r.Data)
		}
		if op.Name == "ReportByType" && !strings.Contains(string(r.Data), `"totals":{"eventCount":5,"amount":{"amount":"6252.50"},"reimbursed":{"amount":"6252.50"},"pending":{"amount":"0.00"}}`) {
			t.Fatalf("the report after the API examples is not five events, all paid, the voided one left out: %s", r.Data)
		}
	}
	return len(doc.Operations)
}

// postOperation sends a whole document and the name of the operation to run.
func postOperation(t *testing.T, base, token, query, name string) *gqlResponse {
	t.Helper()
	return postJSON(t, base, token, map[string]any{"query": query, "operationName": name})
}

// tokenPlaceholder is what the README's export line holds in place of the
// token the server printed.
const tokenPlaceholder = "export TOKEN=rbt_..."

// runLine runs one shell line of the walkthrough. It knows exactly the
// forms the README uses: the binary through "go run", exporting the
// printed token, and curl with an optional "| grep".
func (w *walkthrough) runLine(t *testing.T, line string) {
	t.Helper()
	fields := shellFields(t, line)
	switch {
	case len(fields) >= 3 && fields[0] == "go" && fields[1] == "run" && fields[2] == "./cmd/reimburse":
		w.runBinary(t, line, fields[3:])
	case fields[0] == "export":
		if line != tokenPlaceholder {
			t.Fatalf("the walkthrough exports %q; want %q, the line the reader fills in", line, tokenPlaceholder)
		}
		srv := w.servers["8080"]
		if srv == nil || srv.Token == "" {
			t.Fatalf("%q before a first start printed a token", line)
		}
		if !strings.HasPrefix(srv.Token, strings.TrimSuffix(strings.TrimPrefix(tokenPlaceholder, "export TOKEN="), "...")) {
			t.Fatalf("the printed token %q does not look like the README's placeholder", srv.Token)
		}
		w.exported = srv.Token
	case len(fields) >= 2 && fields[0] == "curl":
		w.runCurl(t, line, fields[1:])
	default:
		t.Fatalf("the walkthrough test cannot run %q: extend it or change the README", line)
	}
}

// runBinary runs "go run ./cmd/reimburse ARGS" in process: a server in the
// background, any other command to completion.
func (w *walkthrough) runBinary(t *testing.T, line string, args []string) {
	t.Helper()
	port := "8080"
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--db":
			args[i+1] = filepath.Join(w.dir, args[i+1])
		case "--addr":
			port = strings.TrimPrefix(args[i+1], ":")
			args[i+1] = "127.0.0.1:0"
		}
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") || args[0] == "serve" {
		if !contains(args, "--addr") {
			args = append(args, "--addr", "127.0.0.1:0")
		}
		srv := startRun(t, args, nil)
		if srv.Token == "" && w.servers["8080"] == nil {
			t.Fatalf("the first server printed no token:\n%s", srv.Stdout)
		}
		w.servers[port] = srv
		return
	}
	out, errOut, err := runCmd(t, nil, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", line, err, out, errOut)
	}
	if args[0] == "seed" && !strings.Contains(out, "seeded 50000 events") {
		t.Fatalf("seed output: %q", out)
	}
	if args[0] == "verify" && !strings.Contains(out, "rollups match the events") {
		t.Fatalf("verify output: %q", out)
	}
	if len(args) >= 2 && args[0] == "token" {
		w.checkToken(t, line, args[1], out)
	}
}

// checkToken checks what a token command printed: a new secret alone, a
// list of names without secrets, or the revocation it was asked for.
func (w *walkthrough) checkToken(t *testing.T, line, sub, out string) {
	t.Helper()
	switch sub {
	case "create":
		if tok := strings.TrimSuffix(out, "\n"); !strings.HasPrefix(tok, "rbt_") || strings.ContainsAny(tok, " \n") {
			t.Fatalf("%q printed %q, want a token alone", line, out)
		}
		w.created++
	case "list":
		if !strings.Contains(out, "books") || strings.Contains(out, "rbt_") || strings.Count(out, "\n") != w.created+2 {
			t.Fatalf("%q: want a header and every token (the first and the %d created), no secrets:\n%s", line, w.created, out)
		}
	case "revoke":
		if !strings.HasPrefix(out, "token ") || !strings.HasSuffix(out, " revoked\n") {
			t.Fatalf("%q printed %q", line, out)
		}
	}
}

// runCurl runs a curl line: -s, -H, -d (a POST) and "| grep" are known.
func (w *walkthrough) runCurl(t *testing.T, line string, fields []string) {
	t.Helper()
	var url, grep string
	var body io.Reader
	method := http.MethodGet
	headers := map[string]string{}
	for i := 0; i < len(fields); i++ {
		switch f := fields[i]; {
		case f == "-s":
		case f == "-H":
			k, v, _ := strings.Cut(fields[i+1], ": ")
			if strings.Contains(v, "$TOKEN") {
				if w.exported == "" {
					t.Fatalf("%q uses $TOKEN before the walkthrough exports it", line)
				}
				v = strings.ReplaceAll(v, "$TOKEN", w.exported)
			}
			headers[k] = v
			i++
		case f == "-d":
			method, body = http.MethodPost, strings.NewReader(fields[i+1])
			i++
		case f == "|":
			if i+2 >= len(fields) || fields[i+1] != "grep" {
				t.Fatalf("unsupported pipe in %q", line)
			}
			grep = fields[i+2]
			i += 2
		case strings.HasPrefix(f, "http://localhost:"):
			url = f
		default:
			t.Fatalf("unsupported curl argument %q in %q", f, line)
		}
	}
	port, path, _ := strings.Cut(strings.TrimPrefix(url, "http://localhost:"), "/")
	srv := w.servers[port]
	if srv == nil {
		t.Fatalf("%q: no server on port %s", line, port)
	}
	req, _ := http.NewRequest(method, srv.URL+"/"+path, body)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%q: status %d: %s", line, res.StatusCode, got)
	}
	if grep != "" {
		re := regexp.MustCompile("(?m)" + grep)
		if !re.Match(got) {
			t.Fatalf("%q: no line matches %q", line, grep)
		}
	}
	switch {
	case strings.Contains(path, "monthly.csv"):
		if !strings.Contains(string(got), "2024-03,1,Anna Berg,2,2501.00,2501.00,0.00,SEK") ||
			!strings.Contains(string(got), "2024-04,1,Anna Berg,1,1250.50,0.00,1250.50,SEK") {
			t.Fatalf("the CSV does not match the walkthrough's data:\n%s", got)
		}
	case path == "graphql":
		if !strings.Contains(string(got), `{"data":{"caregivers":{"edges":[{"node":{"id":"1","name":"Anna Berg"}}]}}}`) {
			t.Fatalf("the curl query does not list the walkthrough's caregiver: %s", got)
		}
	}
}

// shellFields splits a command line on spaces, honouring single and double
// quotes, as the walkthrough's simple lines need.
func shellFields(t *testing.T, line string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '#' && !in:
			// A comment runs to the end of the line, as in a shell.
			return out
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		t.Fatalf("unbalanced quote in %q", line)
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
