package graph

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql/errcode"
)

// The complexity limits refuse an operation before it executes, as
// validation does: gqlgen then gives it validation's statuses (corrected
// below) and the response loses its data entry like theirs.
func init() { errcode.RegisterErrorType(CodeComplexity, errcode.KindProtocol) }

// graphQLMethods are the methods /graphql answers, in its Allow header.
var graphQLMethods = []string{http.MethodGet, http.MethodPost, http.MethodOptions}

// AllowMethods returns h behind a check of the request method: any method
// outside allowed gets 405 with an Allow header listing them and a JSON
// error body coded BAD_USER_INPUT.
func AllowMethods(h http.Handler, allowed ...string) http.Handler {
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(allowed, r.Method) {
			methodNotAllowed(w, r, allow)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	infoFrom(r.Context()).set(func(ri *requestInfo) { ri.code = CodeBadUserInput })
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use "+allow, CodeBadUserInput, "", "")
}

// codeTransportErrors corrects what gqlgen's transports write by themselves
// when a request never reaches execution (only error statuses are buffered
// and rewritten; successful responses stream through untouched):
//   - every error gets an extensions.code (an unsupported content type, a
//     mutation over GET, an undecodable body or variables);
//   - the data entry goes: a request error has none (GraphQL spec, Response);
//   - the status follows the GraphQL-over-HTTP spec: under application/json
//     a well-formed request that fails to parse, validate or coerce its
//     variables, or is over a complexity limit, gets 200 (gqlgen says 422); one without a query gets 400
//     under either media type; a mutation over GET gets 405 and an Allow
//     header (gqlgen says 406).
func codeTransportErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ew := &errorCoder{ResponseWriter: w}
		next.ServeHTTP(ew, r)
		ew.finish()
	})
}

type errorCoder struct {
	http.ResponseWriter
	status    int
	buffering bool
	buf       bytes.Buffer
}

func (e *errorCoder) WriteHeader(status int) {
	if status >= 400 && !e.buffering {
		e.status, e.buffering = status, true
		return
	}
	e.ResponseWriter.WriteHeader(status)
}

func (e *errorCoder) Write(b []byte) (int, error) {
	if e.buffering {
		return e.buf.Write(b)
	}
	return e.ResponseWriter.Write(b)
}

// gqlgen's fixed messages that the status corrections below recognise
// (graphql/executor and graphql/handler/transport of the pinned version;
// TestGraphQLOverHTTPStatus and TestGraphQLWrongMethod notice a change).
const (
	msgNoOperation = "no operation provided"
	msgGETMutation = "GET requests only allow query operations"
)

func (e *errorCoder) finish() {
	if !e.buffering {
		return
	}
	status, body := e.status, e.buf.Bytes()
	var resp map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&resp); err == nil {
		if errs, ok := resp["errors"].([]any); ok {
			code := CodeBadUserInput
			if status >= 500 {
				code = CodeInternalError
			}
			var first string
			for i, item := range errs {
				m, ok := item.(map[string]any)
				if !ok {
					continue
				}
				if i == 0 {
					first, _ = m["message"].(string)
				}
				ext, _ := m["extensions"].(map[string]any)
				if ext == nil {
					ext = map[string]any{}
					m["extensions"] = ext
				}
				if _, has := ext["code"]; !has {
					ext["code"] = code
				}
			}
			if d, has := resp["data"]; has && d == nil {
				delete(resp, "data")
			}
			status = e.specStatus(status, first)
			if out, err := json.Marshal(resp); err == nil {
				body = out
			}
		}
	}
	e.Header().Set("Content-Length", strconv.Itoa(len(body)))
	e.ResponseWriter.WriteHeader(status)
	_, _ = e.ResponseWriter.Write(body)
}

// specStatus maps the status gqlgen chose for an error response whose first
// error says first to the GraphQL-over-HTTP spec's.
func (e *errorCoder) specStatus(status int, first string) int {
	switch {
	case status == http.StatusNotAcceptable && first == msgGETMutation:
		e.Header().Set("Allow", strings.Join(graphQLMethods, ", "))
		return http.StatusMethodNotAllowed
	case first == msgNoOperation:
		return http.StatusBadRequest
	case status == http.StatusUnprocessableEntity:
		// gqlgen's status for parse and validation failures, under
		// application/json only.
		if mt, _, _ := mime.ParseMediaType(e.Header().Get("Content-Type")); mt == "application/json" {
			return http.StatusOK
		}
	}
	return status
}
