package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/web"
)

// get runs one request through web.Handler.
func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// assetRefs matches the page's references to its own files.
var assetRefs = regexp.MustCompile(`(?:src|href)="(assets/[^"]+)"`)

// indexAssets returns the asset paths that index.html refers to.
func indexAssets(t *testing.T, h http.Handler) []string {
	t.Helper()
	w := get(t, h, http.MethodGet, "/", nil)
	var refs []string
	for _, m := range assetRefs.FindAllStringSubmatch(w.Body.String(), -1) {
		refs = append(refs, "/"+m[1])
	}
	if len(refs) < 2 {
		t.Fatalf("index.html refers to %d assets, want the script and the style sheet:\n%s", len(refs), w.Body)
	}
	return refs
}

func TestHandler(t *testing.T) {
	h := web.Handler()

	t.Run("Index", func(t *testing.T) {
		w := get(t, h, http.MethodGet, "/", nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET / = %d, want 200", w.Code)
		}
		for k, want := range map[string]string{
			"Content-Type":            "text/html; charset=utf-8",
			"Cache-Control":           "no-cache",
			"Content-Security-Policy": web.ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
		} {
			if got := w.Header().Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if !strings.Contains(w.Body.String(), `<div id="root">`) {
			t.Errorf("body lacks the root element:\n%s", w.Body)
		}
		etag := w.Header().Get("ETag")
		if etag == "" {
			t.Fatal("no ETag on index.html")
		}
		if w := get(t, h, http.MethodGet, "/", map[string]string{"If-None-Match": etag}); w.Code != http.StatusNotModified {
			t.Errorf("GET / with If-None-Match = %d, want 304", w.Code)
		}
	})

	t.Run("Assets", func(t *testing.T) {
		wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
		for _, p := range indexAssets(t, h) {
			w := get(t, h, http.MethodGet, p, nil)
			if w.Code != http.StatusOK {
				t.Errorf("GET %s = %d, want 200", p, w.Code)
				continue
			}
			if got, want := w.Header().Get("Content-Type"), wantType[path.Ext(p)]; got != want {
				t.Errorf("GET %s: Content-Type = %q, want %q", p, got, want)
			}
			if got, want := w.Header().Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
				t.Errorf("GET %s: Cache-Control = %q, want %q", p, got, want)
			}
		}
	})

	t.Run("Gzip", func(t *testing.T) {
		p := indexAssets(t, h)[0]
		plain := get(t, h, http.MethodGet, p, nil)
		zipped := get(t, h, http.MethodGet, p, map[string]string{"Accept-Encoding": "br, gzip"})
		if got := zipped.Header().Get("Content-Encoding"); got != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", got)
		}
		if got := zipped.Header().Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Vary = %q, want Accept-Encoding", got)
		}
		zr, err := gzip.NewReader(zipped.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("gunzipped body (%d bytes) differs from plain body (%d bytes)", len(body), plain.Body.Len())
		}
		refused := get(t, h, http.MethodGet, p, map[string]string{"Accept-Encoding": "gzip;q=0, identity"})
		if got := refused.Header().Get("Content-Encoding"); got != "" {
			t.Errorf("with gzip;q=0: Content-Encoding = %q, want none", got)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, p := range []string{
			"/nope", "/index.html", "/assets", "/assets/", "/assets/nope.js",
			"/dist/index.html", "/graphql", "/assets/../index.html",
		} {
			if w := get(t, h, http.MethodGet, p, nil); w.Code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", p, w.Code)
			}
		}
	})

	t.Run("ErrMethodNotAllowed", func(t *testing.T) {
		w := get(t, h, http.MethodPost, "/", nil)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST / = %d Allow %q, want 405 Allow \"GET, HEAD\"", w.Code, w.Header().Get("Allow"))
		}
		if w := get(t, h, http.MethodHead, "/", nil); w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Errorf("HEAD / = %d with %d body bytes, want 200 and none", w.Code, w.Body.Len())
		}
	})

	t.Run("StripPrefix", func(t *testing.T) {
		ph := http.StripPrefix("/playground", h)
		for _, p := range []string{"/playground", "/playground/"} {
			if w := get(t, ph, http.MethodGet, p, nil); w.Code != http.StatusOK {
				t.Errorf("GET %s under StripPrefix = %d, want 200", p, w.Code)
			}
		}
	})
}

// distFiles returns every file of the build, by path relative to dist/. It
// reads the source folder, which go:embed copies verbatim into the binary.
func distFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(os.DirFS("dist"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p], err = os.ReadFile(path.Join("dist", p))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestAssetsHashed guards the immutable cache headers: every file the
// handler caches forever must carry a content hash in its name.
func TestAssetsHashed(t *testing.T) {
	hashed := regexp.MustCompile(`^assets/[a-z.]+-[A-Z0-9]{8}\.[a-z0-9]+(\.LEGAL\.txt)?$`)
	h := web.Handler()
	for p := range distFiles(t) {
		if p == "index.html" {
			continue
		}
		if !hashed.MatchString(p) {
			t.Errorf("dist/%s: not a content-hashed asset name, yet it would be cached as immutable", p)
		}
		if w := get(t, h, http.MethodGet, "/"+p, nil); w.Code != http.StatusOK {
			t.Errorf("GET /%s = %d, want 200", p, w.Code)
		}
	}
}

// externalURL finds absolute URLs (http, https, ws, wss) in built files.
var externalURL = regexp.MustCompile("(?i)\\b(?:https?|wss?)://[^\\s\"'`<>()\\\\,]*")

// allowedURLs are the absolute URLs that the build may contain, each checked
// by reading its use in the bundle. None is fetched by the page: they are
// identifiers, text shown to the user, or the target of a link the user
// would have to click (which opens a new tab). The Content-Security-Policy
// of Handler would block any of them from loading anyway.
var allowedURLs = map[string]string{
	// XML namespace names passed to createElementNS/setAttributeNS.
	"http://www.w3.org/2000/svg":           "namespace",
	"http://www.w3.org/1999/xlink":         "namespace",
	"http://www.w3.org/1999/xhtml":         "namespace",
	"http://www.w3.org/1998/Math/MathML":   "namespace",
	"http://www.w3.org/XML/1998/namespace": "namespace",
	// JSON Schema dialect identifiers ($schema values) compared as strings by
	// the JSON and GraphQL workers; schema downloads are off (monaco's
	// enableSchemaRequest defaults to false).
	"http://json-schema.org/":                      "identifier",
	"http://json-schema.org/draft-":                "identifier",
	"http://json-schema.org/draft-03/schema":       "identifier",
	"http://json-schema.org/draft-03/schema#":      "identifier",
	"http://json-schema.org/draft-04/schema":       "identifier",
	"http://json-schema.org/draft-04/schema#":      "identifier",
	"http://json-schema.org/draft-06/schema#":      "identifier",
	"http://json-schema.org/draft-07/schema#":      "identifier",
	"https://json-schema.org/draft/2019-09/schema": "identifier",
	"https://json-schema.org/draft/2020-12/schema": "identifier",
	// Scheme prefixes that markdown-it and marked put before "www.example"
	// when they turn text into a link (`http://${url}`, "http://"+text).
	"http://":         "link prefix",
	"http://${x}":     "link prefix",
	"http://${i.url}": "link prefix",
	// Text of error messages and schema descriptions.
	"https://react.dev/errors/":                                 "message",
	"https://yarnpkg.com/en/docs/selective-version-resolutions": "message",
	"https://prettier.io/docs/plugins#optional-embed":           "message",
	"https://github.com/microsoft/monaco-editor#faq":            "message",
	"https://github.com/markedjs/marked.":                       "message",
	"https://github.com/brijeshb42/monaco-vim.":                 "message",
	"https://github.com/aioutecism/monaco-emacs":                "message",
	"https://github.com/graphql/graphiql/tree/main/packages/monaco-graphql#custom-webworker-for-passing-non-static-config-to-worker.": "message",
	"https://en.wikipedia.org/wiki/IEEE_floating_point": "message",
	"https://commonmark.org/":                           "message",
	"https://microsoft.com":                             "sample text in monaco's markdown escaper",
	// Links the user may click (target=_blank): GraphiQL's default logo
	// (replaced by ours) and Monaco's keyboard-shortcut help.
	"https://github.com/graphql/graphiql":                                        "link",
	"https://code.visualstudio.com/docs/reference/default-keybindings":           "link",
	"https://code.visualstudio.com/docs/editor/codebasics#_multicursor-modifier": "link",
	"https://code.visualstudio.com/docs/editor/codebasics#_find-and-replace":     "link",
	"https://code.visualstudio.com/shortcuts/keyboard-shortcuts-windows.pdf":     "link",
	"https://code.visualstudio.com/shortcuts/keyboard-shortcuts-macos.pdf":       "link",
}

// TestNoExternalURLs scans every built file for absolute URLs that the page
// could load at run time. Files that are never executed are exempt: the
// license notices esbuild extracts (*.LEGAL.txt, plain text) and the font's
// name table. Any other URL must be reviewed and added to allowedURLs, and
// an entry that no file contains any more must go, so the list stays exact.
func TestNoExternalURLs(t *testing.T) {
	files := distFiles(t)
	seen := map[string]bool{}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		data := files[p]
		switch {
		case strings.HasSuffix(p, ".LEGAL.txt"), strings.HasSuffix(p, ".ttf"):
			continue
		}
		for _, u := range externalURL.FindAllString(string(data), -1) {
			seen[u] = true
			if _, ok := allowedURLs[u]; !ok {
				t.Errorf("dist/%s: absolute URL %q: make sure the page never loads it, then add it to allowedURLs", p, u)
			}
		}
		if path.Ext(p) == ".css" || path.Ext(p) == ".html" {
			checkStyleAndMarkup(t, p, string(data))
		}
	}
	for u, why := range allowedURLs {
		if !seen[u] {
			t.Errorf("allowedURLs has %q (%s), which no built file contains: remove it", u, why)
		}
	}
}

// cssURL matches url(...) in style sheets; protoRelative matches
// "//host/..." references that a browser resolves against another host.
var (
	cssURL        = regexp.MustCompile(`url\(\s*['"]?([^'")\s]*)`)
	protoRelative = regexp.MustCompile(`(?:src|href)\s*=\s*["']//|url\(\s*['"]?//`)
	htmlRef       = regexp.MustCompile(`(?:src|href)="([^"]*)"`)
)

// checkStyleAndMarkup checks that style sheets and the page refer only to
// their own files or to inline data.
func checkStyleAndMarkup(t *testing.T, name, text string) {
	t.Helper()
	if strings.Contains(text, "@import") {
		t.Errorf("dist/%s: @import would load another style sheet", name)
	}
	if protoRelative.MatchString(text) {
		t.Errorf("dist/%s: protocol-relative reference %q", name, protoRelative.FindString(text))
	}
	refs := cssURL.FindAllStringSubmatch(text, -1)
	refs = append(refs, htmlRef.FindAllStringSubmatch(text, -1)...)
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") || strings.HasPrefix(ref, "#") || (!strings.Contains(ref, ":") && !strings.HasPrefix(ref, "/")) {
			continue
		}
		t.Errorf("dist/%s: reference %q is neither relative nor inline data", name, ref)
	}
}
