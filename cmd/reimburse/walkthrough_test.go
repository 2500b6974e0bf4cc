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
)

// step is one runnable piece of the README's walkthrough.
type step struct {
	lang string // "sh" or "graphql"
	text string
}

// walkthroughSteps returns the code blocks between the walkthrough markers
// of README.md, in order.
func walkthroughSteps(t *testing.T) []step {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start, end := strings.Index(doc, "<!-- walkthrough -->"), strings.Index(doc, "<!-- /walkthrough -->")
	if start < 0 || end < start {
		t.Fatal("README.md has no walkthrough markers")
	}
	var steps []step
	re := regexp.MustCompile("(?s)```(sh|graphql)\n(.*?)```")
	for _, m := range re.FindAllStringSubmatch(doc[start:end], -1) {
		steps = append(steps, step{lang: m[1], text: m[2]})
	}
	return steps
}

// TestWalkthrough runs the README's walkthrough as a newcomer would: every
// command and GraphQL document in it, in order, against real servers. A
// line this test cannot run fails it, so the README cannot drift.
func TestWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("the walkthrough seeds 50,000 events; skipped with -short")
	}
	dir := t.TempDir()
	servers := map[string]*server{} // by the port the README uses
	var token string                // the first server's token, as the reader copies it
	graphqlDocs, commands := 0, 0
	for _, st := range walkthroughSteps(t) {
		switch st.lang {
		case "graphql":
			srv := servers["8080"]
			if srv == nil {
				t.Fatalf("a GraphQL step before any server:\n%s", st.text)
			}
			r := post(t, srv.URL, token, st.text, nil)
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("walkthrough document failed: status %d, errors %+v\n%s", r.Status, r.Errors, st.text)
			}
			if strings.Contains(st.text, "report(") && !strings.Contains(string(r.Data), `"3751.50"`) {
				t.Fatalf("the report does not show the 3751.50 the README promises: %s", r.Data)
			}
			graphqlDocs++
		case "sh":
			for _, line := range strings.Split(strings.TrimSpace(st.text), "\n") {
				commands++
				runWalkthroughLine(t, dir, line, servers, &token)
			}
		}
	}
	if graphqlDocs < 5 || commands < 5 {
		t.Fatalf("walkthrough too short to be what the README describes: %d documents, %d commands", graphqlDocs, commands)
	}
}

// runWalkthroughLine runs one shell line of the walkthrough. It knows
// exactly the forms the README uses: the binary through "go run", and curl
// with an optional "| grep".
func runWalkthroughLine(t *testing.T, dir, line string, servers map[string]*server, token *string) {
	t.Helper()
	fields := shellFields(t, line)
	switch {
	case len(fields) >= 3 && fields[0] == "go" && fields[1] == "run" && fields[2] == "./cmd/reimburse":
		args := fields[3:]
		port := "8080"
		for i := 0; i < len(args); i++ {
			switch args[i] {
			case "--db":
				args[i+1] = filepath.Join(dir, args[i+1])
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
			if srv.Token == "" && servers["8080"] == nil {
				t.Fatalf("the first server printed no token:\n%s", srv.Stdout)
			}
			if *token == "" {
				*token = srv.Token
			}
			servers[port] = srv
			return
		}
		out, errOut, err := runCmd(t, nil, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", line, err, out, errOut)
		}
		if args[0] == "seed" && !strings.Contains(out, "seeded 50000 events") {
			t.Fatalf("seed output: %q", out)
		}
	case len(fields) >= 2 && fields[0] == "curl":
		var url, grep string
		headers := map[string]string{}
		for i := 1; i < len(fields); i++ {
			switch f := fields[i]; {
			case f == "-s":
			case f == "-H":
				k, v, _ := strings.Cut(fields[i+1], ": ")
				headers[k] = strings.ReplaceAll(v, "$TOKEN", *token)
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
		srv := servers[port]
		if srv == nil {
			t.Fatalf("%q: no server on port %s", line, port)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/"+path, nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%q: status %d: %s", line, res.StatusCode, body)
		}
		if grep != "" {
			re := regexp.MustCompile("(?m)" + grep)
			if !re.Match(body) {
				t.Fatalf("%q: no line matches %q", line, grep)
			}
		}
		if strings.Contains(path, "monthly.csv") && !strings.Contains(string(body), "2024-04,1,Anna Berg,1,1250.50,0.00,1250.50,SEK") {
			t.Fatalf("the CSV does not match the walkthrough's data:\n%s", body)
		}
	default:
		t.Fatalf("the walkthrough test cannot run %q: extend it or change the README", line)
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
