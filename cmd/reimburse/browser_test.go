package main

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/reimburse/reimburse/web/webtest"
)

// TestBrowserEndToEnd opens the playground of the real binary in headless
// Chromium, runs a report query with a real token against real data, checks
// the exact amount in the page, and checks that the page made no request
// to any other host. It skips without Chromium unless
// REIMBURSE_REQUIRE_BROWSER=1 (CI installs Chromium and sets it).
func TestBrowserEndToEnd(t *testing.T) {
	srv := startServer(t, tempDB(t))
	for _, q := range []string{
		`mutation { createCaregiver(input: {name: "Anna"}) { id } }`,
		`mutation { createEventType(input: {code: "XRAY", name: "X-ray", price: "1250.50"}) { id } }`,
		`mutation { registerEvents(inputs: [
			{eventTypeId: "1", caregiverId: "1", occurredAt: "2024-03-01T09:30:00+01:00"},
			{eventTypeId: "1", caregiverId: "1", occurredAt: "2024-04-01T09:30:00+02:00"}]) { id } }`,
	} {
		if r := post(t, srv.URL, srv.Token, q, nil); r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("%s: %d %+v", q, r.Status, r.Errors)
		}
	}
	app, _ := url.Parse(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	br := webtest.NewBrowser(t, ctx)

	// The page keeps the Authorization header in localStorage; set it as a
	// returning user has it, then load the page.
	br.Step("open the playground", chromedp.Navigate(srv.URL+"/"))
	br.WaitText("the page is ready", webtest.Headers, "Authorization")
	br.Step("store the token",
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem("`+webtest.TokenStorageKey+`", "Bearer `+srv.Token+`")`),
		chromedp.Reload())
	br.WaitText("the header editor shows the token", webtest.Headers, "Bearer "+srv.Token)
	br.Step("run the default report query", chromedp.Click(chromedp.CSS(webtest.Run), chromedp.NodeVisible))
	br.WaitText("the page shows the exact total", webtest.Response, `"amount": "2501.00"`)
	br.WaitText("and the currency", webtest.Response, `"currency": "SEK"`)
	br.CheckSameOrigin(app)
}
