package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"

	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// RequestIDMiddleware gives every request an id (the client's X-Request-Id
// when it is short and plain, a random one otherwise), echoed in the response
// header and carried by internal errors and logs.
func RequestIDMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !plainID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(reqctx.WithRequestID(r.Context(), id)))
	})
}

func plainID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// authMiddleware requires "Authorization: Bearer <token>" and answers 401
// with an UNAUTHENTICATED GraphQL error otherwise.
func authMiddleware(s *store.Store, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			reqctx.SetCode(ctx, apierr.CodeUnauthent)
			apierr.Write(w, http.StatusUnauthorized, missingTokenMessage(r.Header.Get("Authorization")), apierr.CodeUnauthent, "", "")
			return
		}
		p, err := s.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if model.ErrorCode(err) == model.EUnauthenticated {
				reqctx.SetCode(ctx, apierr.CodeUnauthent)
				apierr.Write(w, http.StatusUnauthorized, "invalid or revoked token", apierr.CodeUnauthent, "", "")
				return
			}
			apierr.Internal(log, w, r, "authenticate", err)
			return
		}
		reqctx.InfoFrom(ctx).Update(func(f *reqctx.InfoFields) { f.TokenID = p.TokenID })
		next.ServeHTTP(w, r.WithContext(reqctx.WithPrincipal(r.Context(), *p)))
	})
}

// missingTokenMessage says what is wrong with an Authorization header
// that carries no bearer token; a token sent alone, without the scheme, is
// told so rather than that it is missing.
func missingTokenMessage(header string) string {
	if h := strings.TrimSpace(header); strings.HasPrefix(h, "rbt_") && !strings.ContainsAny(h, " \t") {
		return "the Authorization scheme is missing: send \"Authorization: Bearer rbt_...\", not the token alone"
	}
	return "missing token: send \"Authorization: Bearer <token>\""
}
