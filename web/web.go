// Package web serves the GraphQL playground: GraphiQL built from pinned npm
// packages (package.json, package-lock.json, build.mjs) into dist/ and
// embedded in the binary, so the page works on networks with no internet
// access and `go build` never needs Node.
//
// The page talks only to /graphql on its own origin and sends the
// Authorization header from its header editor. Rebuild dist/ with
// `npm ci && npm run build` in this folder after changing the front end.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed dist
var dist embed.FS

// ContentSecurityPolicy is sent with every response of Handler. It lets the
// page load scripts, workers, styles, fonts and data only from its own origin,
// so a stray URL in a bundled library cannot reach another host even if it is
// ever used. Monaco sets inline styles, hence 'unsafe-inline' for styles only.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; worker-src 'self'; " +
	"connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; manifest-src 'self'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'self'"

// assetsDir holds the build's content-hashed files; a new build gives changed
// files new names, so they can be cached forever.
const assetsDir = "assets/"

// file is one embedded file, ready to serve.
type file struct {
	name     string
	data     []byte
	ctype    string
	cache    string
	etag     string // index.html only: the assets' names already change with their content
	compress bool

	gzOnce sync.Once
	gz     []byte
}

// handler serves the embedded files by URL path.
type handler struct {
	files map[string]*file // by URL path: "/" and "/assets/<name>"
}

// Handler returns the playground handler: index.html at "/" (revalidated on
// every load, so a new binary's page is picked up at once), the built files
// under "/assets/" (cached as immutable), and 404 for any other path. Text
// files are sent gzip-compressed to clients that accept it. Mount it at "/"
// (a catch-all in http.ServeMux, next to "/graphql"), or under a prefix with
// http.StripPrefix: the page refers to its assets by relative URLs.
func Handler() http.Handler {
	h := &handler{files: map[string]*file{}}
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(fmt.Sprintf("web: embedded dist: %v", err)) // cannot happen: go:embed guarantees the folder
	}
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		f := &file{name: name, data: data, ctype: contentType(name), compress: compressible(name)}
		switch {
		case name == "index.html":
			sum := sha256.Sum256(data)
			f.cache = "no-cache"
			f.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
			h.files["/"] = f
		case strings.HasPrefix(name, assetsDir) && !strings.Contains(name[len(assetsDir):], "/"):
			f.cache = "public, max-age=31536000, immutable"
			h.files["/"+name] = f
		}
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("web: reading embedded dist: %v", err)) // cannot happen: embedded files are in memory
	}
	if h.files["/"] == nil {
		panic("web: dist/index.html is missing; run `npm ci && npm run build` in web/")
	}
	return h
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "" {
		p = "/" // http.StripPrefix("/playground", ...) turns "/playground" into ""
	}
	f := h.files[p]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.ctype)
	hdr.Set("Cache-Control", f.cache)
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	body, etag := f.data, f.etag
	if f.compress {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body = f.gzipped()
			hdr.Set("Content-Encoding", "gzip")
			if etag != "" {
				etag = strings.TrimSuffix(etag, `"`) + `-gz"`
			}
		}
	}
	if etag != "" {
		hdr.Set("ETag", etag)
	}
	// ServeContent answers If-None-Match, Range and HEAD; a zero time sends
	// no Last-Modified, which would only be the build time of the binary.
	http.ServeContent(w, r, path.Base(f.name), time.Time{}, bytes.NewReader(body))
}

// gzipped returns f's data gzip-compressed, compressing it on first use so
// that starting the server stays instant.
func (f *file) gzipped() []byte {
	f.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		_, _ = zw.Write(f.data)                                  // a bytes.Buffer never fails
		_ = zw.Close()
		f.gz = buf.Bytes()
	})
	return f.gz
}

// acceptsGzip reports whether an Accept-Encoding header value admits gzip,
// honouring "gzip;q=0" as a refusal.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

// contentTypes fixes the types of the files a build emits, independent of the
// host's MIME tables (mime.TypeByExtension reads /etc/mime.types and friends).
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".txt":   "text/plain; charset=utf-8",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".ttf":   "font/ttf",
	".woff":  "font/woff",
	".woff2": "font/woff2",
}

// contentType returns the Content-Type for a file name.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// compressible reports whether gzip pays for a file: text and uncompressed
// fonts do, PNG and WOFF/WOFF2 are compressed already.
func compressible(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".js", ".css", ".txt", ".json", ".svg", ".ttf":
		return true
	}
	return false
}
