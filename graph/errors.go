package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// maxListedErrors bounds how many item errors of one batch are listed.
const maxListedErrors = 100

// fail reports err from a resolver whose failing argument is arg: fields of
// domain errors are prefixed with it ("inputs" + "[3].occurredAt"), and every
// item of a model.Errors becomes a GraphQL error of its own.
func fail(ctx context.Context, arg string, err error) error {
	var list model.Errors
	if !errors.As(err, &list) {
		var e *model.Error
		if errors.As(err, &e) && arg != "" {
			return e.WithField(arg)
		}
		return err
	}
	for i, e := range list[:len(list)-1] {
		if i == maxListedErrors-1 {
			graphql.AddError(ctx, model.Invalid(arg, "%d more errors not listed", len(list)-maxListedErrors))
			break
		}
		graphql.AddError(ctx, e.WithField(arg))
	}
	return list[len(list)-1].WithField(arg)
}

// presenter turns every error into a GraphQL error with extensions.code.
// Domain errors show their message; gqlgen's own (parse, validation,
// complexity) keep theirs; anything else is logged with the request id and
// shown as an opaque INTERNAL_SERVER_ERROR.
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		var me *model.Error
		if errors.As(err, &me) && me.Code != model.EInternal {
			gqlErr.Message = me.Message
			gqlErr.Extensions["code"] = apierr.WireCode(me.Code)
			if field := inputField(ctx, gqlErr.Path, me.Field); field != "" {
				gqlErr.Extensions["field"] = field
			}
			return gqlErr
		}
		if code, ok := gqlErr.Extensions["code"]; ok && !errors.As(err, &me) {
			if code == apierr.CodeComplexity {
				return gqlErr // ours (complexity.go), echoing no client text
			}
			return shorten(gqlErr) // gqlgen's own coded errors
		}
		if ge, ok := err.(*gqlerror.Error); ok && ge.Err == nil && graphql.GetFieldContext(ctx) == nil {
			// gqlgen's own request-level errors without a code: a body or
			// variables that could not be decoded.
			gqlErr.Extensions["code"] = apierr.CodeBadUserInput
			return shorten(gqlErr)
		}
		id := reqctx.RequestID(ctx)
		log.ErrorContext(ctx, "internal error", "request_id", id, "path", gqlErr.Path.String(), "err", err)
		return &gqlerror.Error{
			Message:    apierr.InternalMessage(writing(ctx), id), // a mutation field's context has no deadline of its own
			Path:       gqlErr.Path,
			Locations:  gqlErr.Locations,
			Extensions: map[string]any{"code": apierr.CodeInternalError, "requestId": id},
		}
	}
}

// maxMessageBytes bounds the messages of gqlgen's and gqlparser's own
// errors, which echo client text whole: a field, operation or enum value
// name, a literal, the request body that did not decode. Ours quote values
// with model.Quote.
const maxMessageBytes = 300

// shorten bounds the message and path names of one of gqlgen's errors: a
// word (a run without spaces) over model.QuoteMax bytes is cut there, the
// message at maxMessageBytes, each with an ellipsis, and a cut message
// ends with its whole length. Messages of normal length pass untouched.
func shorten(e *gqlerror.Error) *gqlerror.Error {
	e.Message = shortMessage(e.Message)
	for i, el := range e.Path {
		if n, ok := el.(ast.PathName); ok && len(n) > model.QuoteMax {
			p := slices.Clone(e.Path)
			p[i] = ast.PathName(cutBytes(string(n), model.QuoteMax) + "…")
			e.Path = p
		}
	}
	return e
}

func shortMessage(msg string) string {
	if len(msg) <= maxMessageBytes {
		return msg
	}
	var b strings.Builder
	rest := msg
	for rest != "" && b.Len() < maxMessageBytes {
		word, tail, spaced := strings.Cut(rest, " ")
		if len(word) > model.QuoteMax {
			word = cutBytes(word, model.QuoteMax) + "…"
		}
		b.WriteString(word)
		if spaced {
			b.WriteByte(' ')
		}
		rest = tail
	}
	out := b.String()
	if rest != "" || len(out) > maxMessageBytes {
		out = cutBytes(out, maxMessageBytes) + "…"
	}
	return fmt.Sprintf("%s (message cut from %d bytes)", out, len(msg))
}

// cutBytes returns the longest prefix of s of at most n bytes that ends
// between runes.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// complexityError is a COMPLEXITY_LIMIT_EXCEEDED error.
func complexityError(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": apierr.CodeComplexity}}
}

// inputField names the input an error concerns: the field a resolver gave,
// or, for errors gqlgen raised while coercing arguments, the part of the
// error path below the field ("inputs[3].occurredAt").
func inputField(ctx context.Context, path ast.Path, given string) string {
	if given != "" {
		return given
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ""
	}
	base := fc.Path()
	if len(path) <= len(base) || path[:len(base)].String() != base.String() {
		return ""
	}
	var b strings.Builder
	for _, el := range path[len(base):] {
		switch el := el.(type) {
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(el))
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(el))
		}
	}
	return b.String()
}

// recoverFunc turns a panic into an INTERNAL_SERVER_ERROR and logs the stack.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic", "request_id", reqctx.RequestID(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return fmt.Errorf("panic: %v", p)
	}
}
