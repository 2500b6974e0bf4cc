package httpapi

import (
	"context"
	"io"
	"net/http"
	"time"
)

// getMethods are the methods of the plain read-only endpoints.
var getMethods = []string{http.MethodGet, http.MethodHead}

// Healthz returns the liveness endpoint: "ok" whenever the process serves.
func (a *API) Healthz() http.Handler {
	return AllowMethods(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	}), getMethods...)
}

// Readyz returns the readiness endpoint: "ready" when the database answers
// within 2 s, 503 otherwise.
func (a *API) Readyz() http.Handler {
	s, log := a.opts.Store, a.opts.Logger
	return AllowMethods(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain")
		if err := s.Ready(ctx); err != nil {
			log.WarnContext(ctx, "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "database unavailable\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	}), getMethods...)
}
