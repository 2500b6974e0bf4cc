// Package webtest drives the embedded playground in headless Chromium for
// tests: the web package's own test against a stand-in API, and the
// binary's end-to-end test against the real server. Only tests import it.
package webtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Selectors of the playground page.
const (
	Headers  = `.monaco-editor[data-uri$="request-headers.json"] .view-lines`
	Response = ".graphiql-response .view-lines"
	Run      = ".graphiql-execute-button"
)

// TokenStorageKey is the localStorage key where the page keeps the
// Authorization header value.
const TokenStorageKey = "reimburse:authorization"

// ChromiumPath finds Chromium ($REIMBURSE_CHROMIUM, then chromium on PATH,
// then /usr/bin/chromium). Without one the test is skipped with an install
// hint, or fails when REIMBURSE_REQUIRE_BROWSER=1 (as in CI).
func ChromiumPath(t testing.TB) string {
	t.Helper()
	var candidates []string
	if p := os.Getenv("REIMBURSE_CHROMIUM"); p != "" {
		candidates = []string{p}
	} else {
		if p, err := exec.LookPath("chromium"); err == nil {
			candidates = append(candidates, p)
		}
		candidates = append(candidates, "/usr/bin/chromium")
	}
	for _, p := range candidates {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium found (tried %v); install it with "+
		"`apt-get update && apt-get install -y chromium`, or set REIMBURSE_CHROMIUM", candidates)
	if os.Getenv("REIMBURSE_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + "; REIMBURSE_REQUIRE_BROWSER=1 makes this test required")
	}
	t.Skip(msg)
	return ""
}

// Recorder keeps what the browser did: the page's requests (DevTools),
// requests that reached the trap proxy (they tried to leave loopback), and
// console messages.
type Recorder struct {
	mu      sync.Mutex
	page    []string
	foreign []string
	console []string
}

func (r *Recorder) add(list *[]string, s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*list = append(*list, s)
}

// Snapshot returns copies of the recorded requests and console lines.
func (r *Recorder) Snapshot() (page, foreign, console []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.page...), append([]string(nil), r.foreign...), append([]string(nil), r.console...)
}

// Browser is a headless Chromium with a fresh profile whose every request
// beyond loopback goes to a proxy that refuses it.
type Browser struct {
	Ctx context.Context
	Rec *Recorder
	t   testing.TB
}

// NewBrowser starts Chromium (skipping the test when there is none) with
// the flags a closed network needs; it stops when ctx ends or the test
// cleans up.
func NewBrowser(t testing.TB, ctx context.Context) *Browser {
	t.Helper()
	bin := ChromiumPath(t)
	rec := &Recorder{}
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(&rec.foreign, r.Method+" "+r.Host+r.URL.RequestURI())
		http.Error(w, "no network in this test", http.StatusForbidden)
	}))
	t.Cleanup(trap.Close)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-features", "OptimizationHints,OptimizationHintsFetching,"+
			"OptimizationGuideModelDownloading,AutofillServerCommunication,MediaRouter,Translate"),
		chromedp.Flag("proxy-server", trap.URL),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	err := chromedp.Listen(bctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			rec.add(&rec.page, e.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	consoleCtx, stopConsole := context.WithCancel(bctx)
	t.Cleanup(stopConsole)
	go func() {
		for m, err := range chromedp.Console(consoleCtx) {
			if err != nil {
				return
			}
			rec.add(&rec.console, fmt.Sprintf("%s: %s", m.Type, m.Text))
		}
	}()
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	b := &Browser{Ctx: bctx, Rec: rec, t: t}
	t.Cleanup(b.report)
	return b
}

// report logs what the browser did when the test failed, and saves a
// screenshot when REIMBURSE_BROWSER_ARTIFACTS names a folder.
func (b *Browser) report() {
	if dir := os.Getenv("REIMBURSE_BROWSER_ARTIFACTS"); dir != "" {
		sctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		cancel()
		if err == nil {
			name := filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "_")+".png")
			err = errors.Join(os.MkdirAll(dir, 0o755), os.WriteFile(name, png, 0o644))
			b.t.Logf("screenshot: %s", name)
		}
		if err != nil {
			b.t.Logf("screenshot: %v", err)
		}
	}
	if !b.t.Failed() {
		return
	}
	page, foreign, console := b.Rec.Snapshot()
	b.t.Logf("page requests:\n  %s", strings.Join(page, "\n  "))
	b.t.Logf("requests beyond loopback:\n  %s", strings.Join(foreign, "\n  "))
	b.t.Logf("console:\n  %s", strings.Join(console, "\n  "))
}

// Step runs browser actions, bounded to 20 s, failing the test on error.
func (b *Browser) Step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
}

// WaitText waits (up to 15 s) until the element sel shows want.
func (b *Browser) WaitText(name, sel, want string) {
	b.t.Helper()
	const textFn = `const text = (sel) => (document.querySelector(sel)?.innerText ?? '').replace(/\u00a0/g, ' ');`
	b.Step(name, chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`(() => { %s return text(%q).includes(%q); })()`, textFn, sel, want),
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
}

// CheckSameOrigin fails the test for any page request outside app's origin
// (data: and same-origin blob: URLs are local) and for CSP violations.
func (b *Browser) CheckSameOrigin(app *url.URL) {
	b.t.Helper()
	page, foreign, console := b.Rec.Snapshot()
	if len(page) == 0 {
		b.t.Error("no page request was recorded")
	}
	for _, u := range page {
		if !sameOrigin(u, app) {
			b.t.Errorf("the page requested %s, outside %s", u, app.Host)
		}
	}
	if len(foreign) > 0 {
		// Chromium itself still calls home despite the flags; the proxy
		// refuses it and cannot tell it from page traffic, so it is logged.
		b.t.Logf("Chromium's own requests beyond loopback, refused by the proxy:\n  %s", strings.Join(foreign, "\n  "))
	}
	for _, c := range console {
		if strings.Contains(c, "Content Security Policy") {
			b.t.Errorf("CSP violation: %s", c)
		}
	}
}

func sameOrigin(raw string, app *url.URL) bool {
	if strings.HasPrefix(raw, "data:") {
		return true
	}
	raw = strings.TrimPrefix(raw, "blob:")
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == app.Scheme && u.Host == app.Host
}
