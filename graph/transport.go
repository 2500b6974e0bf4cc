package graph

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/model"
)

// graphQLMethods are the methods /graphql answers, in its Allow header.
var graphQLMethods = []string{http.MethodGet, http.MethodPost, http.MethodOptions}

// Methods returns the methods the GraphQL handler answers, for the method
// check of the chain around it (its Allow header).
func Methods() []string { return slices.Clone(graphQLMethods) }

// codeTransportErrors corrects what gqlgen's transports write by themselves
// when a request never reaches execution. They set a status explicitly only
// then (an executed operation's response is written with the implicit
// 200), so only responses with an explicit status are buffered and
// rewritten; executed ones stream through untouched:
//   - every error gets an extensions.code (an unsupported content type, a
//     mutation over GET, an undecodable body or variables);
//   - the data entry goes: a request error has none (GraphQL spec, Response);
//   - the status follows the GraphQL-over-HTTP spec: under application/json
//     a well-formed request that fails to parse, validate or coerce its
//     variables gets 200 (gqlgen says 422); under
//     application/graphql-response+json every request error gets 400,
//     those over a complexity limit included (gqlgen says 200 for codes it
//     does not know); one without a query gets 400 under either media
//     type; a mutation over GET gets 405 and an Allow header (gqlgen says
//     406).
func codeTransportErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ew := &errorCoder{ResponseWriter: w, reqType: r.Header.Get("Content-Type")}
		next.ServeHTTP(ew, r)
		ew.finish()
	})
}

type errorCoder struct {
	http.ResponseWriter
	status    int
	buffering bool
	buf       bytes.Buffer
	reqType   string // the request's Content-Type, for msgNoTransport
}

func (e *errorCoder) WriteHeader(status int) {
	if !e.buffering {
		e.status, e.buffering = status, true
	}
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
	msgNoTransport = "transport not supported"
)

// contentTypeMessage replaces gqlgen's "transport not supported" for a
// POST whose Content-Type is not application/json (curl -d sends
// application/x-www-form-urlencoded, fetch with a string body text/plain)
// with one that names the type to send.
func contentTypeMessage(got string) string {
	const send = `send the JSON body with "Content-Type: application/json"`
	if strings.TrimSpace(got) == "" {
		return "the request has no Content-Type: " + send
	}
	return "Content-Type " + model.Quote(got) + " is not supported: " + send
}

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
			code := apierr.CodeBadUserInput
			if status >= 500 {
				code = apierr.CodeInternalError
			}
			var first, firstCode string
			for i, item := range errs {
				m, ok := item.(map[string]any)
				if !ok {
					continue
				}
				ext, _ := m["extensions"].(map[string]any)
				if ext == nil {
					ext = map[string]any{}
					m["extensions"] = ext
				}
				if _, has := ext["code"]; !has {
					ext["code"] = code
				}
				if i == 0 {
					first, _ = m["message"].(string)
					firstCode, _ = ext["code"].(string)
					if first == msgNoTransport {
						m["message"] = contentTypeMessage(e.reqType)
					}
				}
			}
			if d, has := resp["data"]; has && d == nil {
				delete(resp, "data")
			}
			status = e.specStatus(status, first, firstCode)
			if out, err := json.Marshal(resp); err == nil {
				body = out
			}
		}
	}
	e.Header().Set("Content-Length", strconv.Itoa(len(body)))
	e.ResponseWriter.WriteHeader(status)
	_, _ = e.ResponseWriter.Write(body)
}

// specStatus maps the status gqlgen chose for a request error whose first
// error says first, with code, to the GraphQL-over-HTTP spec's.
func (e *errorCoder) specStatus(status int, first, code string) int {
	mt, _, _ := mime.ParseMediaType(e.Header().Get("Content-Type"))
	switch {
	case status == http.StatusNotAcceptable && first == msgGETMutation:
		e.Header().Set("Allow", strings.Join(graphQLMethods, ", "))
		return http.StatusMethodNotAllowed
	case first == msgNoOperation:
		return http.StatusBadRequest
	case status == http.StatusUnprocessableEntity && mt == "application/json":
		// gqlgen's status for parse and validation failures.
		return http.StatusOK
	case status == http.StatusOK && mt == "application/graphql-response+json":
		// A request error has no data entry, so it must not be 2xx.
		if code == apierr.CodeInternalError {
			return http.StatusInternalServerError
		}
		return http.StatusBadRequest
	}
	return status
}
