// Package apierr is the one place that maps errors to the wire: a domain
// code (model.Code) to its extensions.code, an extensions.code to its HTTP
// status, the JSON error body that plain HTTP endpoints (authentication,
// limits, the CSV export) answer with, and the message of an internal
// error, which carries only the request id. graph's error presenter and the
// HTTP chain both call into it, so a GraphQL error and an HTTP error of the
// same cause carry the same code.
package apierr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The extensions.code values of client-caused errors. gqlparser's
// validation codes come from gqlgen itself; CodeComplexity is the code of
// gqlgen's complexity extension, which graph/complexity.go replaces.
const (
	CodeBadUserInput  = "BAD_USER_INPUT"
	CodeNotFound      = "NOT_FOUND"
	CodeConflict      = "CONFLICT"
	CodeUnauthent     = "UNAUTHENTICATED"
	CodeForbidden     = "FORBIDDEN"
	CodeRateLimited   = "RATE_LIMITED"
	CodeComplexity    = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeInternalError = "INTERNAL_SERVER_ERROR"
)

// WireCode maps a domain code to the wire. This is the only place that does.
func WireCode(c model.Code) string {
	switch c {
	case model.EInvalid:
		return CodeBadUserInput
	case model.ENotFound:
		return CodeNotFound
	case model.EConflict:
		return CodeConflict
	case model.EUnauthenticated:
		return CodeUnauthent
	case model.EForbidden:
		return CodeForbidden
	case model.ERateLimited:
		return CodeRateLimited
	default:
		return CodeInternalError
	}
}

// httpStatus is the status of a domain error's code on a plain HTTP
// endpoint. (GraphQL responses follow the GraphQL-over-HTTP statuses
// instead: graph/transport.go.)
var httpStatus = map[string]int{
	CodeBadUserInput: http.StatusBadRequest, CodeNotFound: http.StatusNotFound, CodeConflict: http.StatusConflict,
	CodeForbidden: http.StatusForbidden, CodeUnauthent: http.StatusUnauthorized, CodeRateLimited: http.StatusTooManyRequests,
	CodeInternalError: http.StatusInternalServerError,
}

// Status returns the HTTP status of an extensions.code on a plain HTTP
// endpoint.
func Status(code string) int { return httpStatus[code] }

// Write answers outside gqlgen with a GraphQL-shaped error body.
func Write(w http.ResponseWriter, status int, msg, code, requestID, field string) {
	ext := map[string]any{"code": code}
	if requestID != "" {
		ext["requestId"] = requestID
	}
	if field != "" {
		ext["field"] = field
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="reimburse"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []*gqlerror.Error{{Message: msg, Extensions: ext}}})
}

// Respond answers a plain HTTP request that failed with err: a domain error
// with the status of its code and its message and field; anything else is
// logged with the request id and answered as an opaque
// INTERNAL_SERVER_ERROR. It records the code in the request info.
func Respond(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var me *model.Error
	if !errors.As(err, &me) || me.Code == model.EInternal {
		Internal(log, w, r, "internal error", err)
		return
	}
	code := WireCode(me.Code)
	reqctx.SetCode(r.Context(), code)
	Write(w, Status(code), me.Message, code, "", me.Field)
}

// Internal logs err under msg with the request id and answers 500
// INTERNAL_SERVER_ERROR with InternalMessage.
func Internal(log *slog.Logger, w http.ResponseWriter, r *http.Request, msg string, err error) {
	ctx := r.Context()
	id := reqctx.RequestID(ctx)
	log.ErrorContext(ctx, msg, "request_id", id, "err", err)
	reqctx.SetCode(ctx, CodeInternalError)
	Write(w, http.StatusInternalServerError, InternalMessage(ctx, id), CodeInternalError, id, "")
}

// InternalMessage is the whole message of an INTERNAL_SERVER_ERROR: the
// request id and, when the request's deadline cut it, that (a timeout is
// not a client error, but telling the client helps it ask for less).
func InternalMessage(ctx context.Context, id string) string {
	if d, ok := reqctx.TimedOut(ctx); ok {
		return fmt.Sprintf("the request exceeded the server's time limit of %s; ask for less (a shorter period, fewer caregivers, a smaller page) or retry later; quote request id %s when reporting it", d, id)
	}
	return "internal error; quote request id " + id + " when reporting it"
}
