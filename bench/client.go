package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"
)

// client posts GraphQL operations to the server with a bearer token.
type client struct {
	url, token string
	http       *http.Client
}

func newClient(base, token string) *client {
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute}
	return &client{url: base + "/graphql", token: token, http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

// post sends one operation and returns the whole response body; GraphQL
// errors are errors.
func (c *client) post(ctx context.Context, query string, vars map[string]any) ([]byte, error) {
	payload, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	// Errors come first in gqlgen's response; a cheap look before decoding.
	head := body[:min(len(body), 200)]
	if resp.StatusCode != http.StatusOK || bytes.HasPrefix(head, []byte(`{"errors"`)) || bytes.Contains(head, []byte(`"errors":[`)) {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, head)
	}
	return body, nil
}

// countCells decodes a report response and returns its month x caregiver
// cells and the events they count.
func countCells(body []byte) (cells int, events int64, err error) {
	var r struct {
		Data struct {
			Report struct {
				Months []struct {
					Caregivers []struct {
						Totals struct {
							EventCount int64 `json:"eventCount"`
						} `json:"totals"`
					} `json:"caregivers"`
				} `json:"months"`
			} `json:"report"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, 0, err
	}
	for _, m := range r.Data.Report.Months {
		cells += len(m.Caregivers)
		for _, c := range m.Caregivers {
			events += c.Totals.EventCount
		}
	}
	return cells, events, nil
}

// pct returns the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (p*len(s) + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// row is one line of the result table; zero durations print as blanks.
type row struct {
	what, result     string
	n                int
	p50, p95, store  time.Duration
	naive50, naive95 time.Duration
}

// table is the one table the bench prints.
type table struct{ rows []row }

func (t *table) add(r row) { t.rows = append(t.rows, r) }

func (t *table) write(w io.Writer) {
	fmt.Fprintln(w, "| measurement | runs | result | HTTP p50 | HTTP p95 | store.Report p50 | naive GROUP BY p50 | naive p95 | naive ÷ HTTP (p50) |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range t.rows {
		n := ""
		if r.n > 0 {
			n = fmt.Sprint(r.n)
		}
		ratio := ""
		if r.p50 > 0 && r.naive50 > 0 {
			ratio = fmt.Sprintf("%.1fx", float64(r.naive50)/float64(r.p50))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.what, n, r.result,
			dur(r.p50), dur(r.p95), dur(r.store), dur(r.naive50), dur(r.naive95), ratio)
	}
}

// dur prints a duration with three significant digits, or "".
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}
