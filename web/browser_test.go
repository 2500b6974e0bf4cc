package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/reimburse/reimburse/web"
	"github.com/reimburse/reimburse/web/webtest"
)

// TestBrowserPlayground opens the embedded playground in headless Chromium
// against a stand-in API, types a token, runs the default report query,
// reloads, and checks that the page never reached another host.
func TestBrowserPlayground(t *testing.T) {
	api := newFakeAPI(t)
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler())
	mux.Handle("/graphql", api)
	app := httptest.NewServer(mux)
	defer app.Close()
	appURL, _ := url.Parse(app.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	br := webtest.NewBrowser(t, ctx)
	step, waitText := br.Step, br.WaitText
	const (
		headers  = webtest.Headers
		response = webtest.Response
		run      = webtest.Run
	)

	step("open the playground", chromedp.Navigate(app.URL+"/"))
	waitText("header editor shows the placeholder", headers, `"Authorization": "Bearer <paste token>"`)

	// Enter the token as a user would: select "<paste token>" in the header
	// editor with the keyboard and type the token over it.
	placeholder := "<paste token>"
	step("enter the token",
		chromedp.Click(chromedp.CSS(headers)),
		chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(chromedp.ModifierCtrl)), // after the closing brace
		chromedp.KeyEvent(kb.ArrowUp+kb.End+kb.ArrowLeft),                       // before the value's closing quote
		chromedp.KeyEvent(strings.Repeat(kb.ArrowLeft, len(placeholder)), chromedp.KeyModifiers(chromedp.ModifierShift)),
		chromedp.KeyEvent(testToken),
	)
	waitText("header editor shows the token", headers, `"Authorization": "Bearer `+testToken+`"`)

	// A changed token makes the page fetch the schema again, with the token.
	waitFor(t, ctx, "an introspection with the token", func() bool {
		_, n, _ := api.counts()
		return n > 0
	})

	step("run the default query", chromedp.Click(chromedp.CSS(run), chromedp.NodeVisible))
	waitText("the result shows the amount", response, `"amount": "1250.50"`)

	step("reload", chromedp.Reload())
	waitText("the reloaded page kept the token", headers, "Bearer "+testToken)
	if n, err := chromedp.Run(br.Ctx, chromedp.Evaluate[int](`document.querySelectorAll('.graphiql-tab').length`)); err != nil || n > 1 {
		t.Errorf("after the reload the page shows %d tabs (%v), want the one tab it had", n, err)
	}
	step("run again", chromedp.Click(chromedp.CSS(run), chromedp.NodeVisible))
	waitText("the result shows the amount again", response, `"amount": "1250.50"`)

	// The schema, fetched with the stored token, reached the docs.
	step("open the docs", chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`), chromedp.NodeVisible))
	waitText("the docs list the root types", ".graphiql-doc-explorer", "mutation: Mutation")

	unauthorized, introspections, queries := api.counts()
	if unauthorized != 0 {
		t.Errorf("the page sent %d requests without the token (the placeholder must be answered in the page)", unauthorized)
	}
	if queries != 2 || introspections == 0 {
		t.Errorf("API saw %d report queries and %d introspections, want 2 and at least 1", queries, introspections)
	}

	br.CheckSameOrigin(appURL)
}

// sameOrigin reports whether a requested URL stays on the test server: an
// http URL of its host, inline data, or a blob of its origin.

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// saveScreenshot writes the page as the test left it to
// $REIMBURSE_BROWSER_ARTIFACTS, when set, so a run in CI can be looked at.
