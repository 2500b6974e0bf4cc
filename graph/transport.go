package graph

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// codeTransportErrors gives an extensions.code to the errors gqlgen's
// transports write by themselves, outside the error presenter: an
// unsupported method or content type, a mutation over GET, undecodable
// variables. Only error responses (status >= 400) are buffered and
// rewritten; successful ones stream through untouched.
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

func (e *errorCoder) finish() {
	if !e.buffering {
		return
	}
	body := e.buf.Bytes()
	var resp map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&resp); err == nil {
		if errs, ok := resp["errors"].([]any); ok {
			code := CodeBadUserInput
			if e.status >= 500 {
				code = CodeInternalError
			}
			for _, item := range errs {
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
			}
			if out, err := json.Marshal(resp); err == nil {
				body = out
			}
		}
	}
	e.Header().Set("Content-Length", strconv.Itoa(len(body)))
	e.ResponseWriter.WriteHeader(e.status)
	_, _ = e.ResponseWriter.Write(body)
}
