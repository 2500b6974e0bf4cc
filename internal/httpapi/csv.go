package httpapi

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/reports"
	"github.com/reimburse/reimburse/model"
)

// MonthlyCSV returns the handler of GET /reports/monthly.csv: the report
// of the `report` query (same parameters, semantics, access and exact
// amounts) as one row per month x caregiver, streamed. A CAREGIVER token
// gets its own rows only; naming another caregiver is 403 FORBIDDEN.
//
// Parameters: from and to (RFC 3339 with offset, optional, once each),
// caregiverIds (comma-separated or repeated; absent means all, present but
// empty means none); any other parameter is 400. Errors are JSON
// GraphQL-style errors with the same codes.
func (a *API) MonthlyCSV() http.Handler {
	cfg := a.opts
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := csvQuery(r)
		if err != nil {
			apierr.Respond(cfg.Logger, w, r, err)
			return
		}
		rep, err := reports.Report(r.Context(), cfg.Store, q)
		if err != nil {
			apierr.Respond(cfg.Logger, w, r, err)
			return
		}
		ids := map[int64]bool{}
		for _, m := range rep.Months {
			for _, c := range m.Caregivers {
				ids[c.CaregiverID] = true
			}
		}
		cgs, err := reports.Caregivers(r.Context(), cfg.Store, ids)
		if err != nil {
			apierr.Respond(cfg.Logger, w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+csvFilename(q)+`"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"month", "caregiver_id", "caregiver_name", "event_count", "amount", "reimbursed", "pending", "currency"})
		for _, m := range rep.Months {
			for _, c := range m.Caregivers {
				t := c.Totals
				_ = cw.Write([]string{m.Month.String(), strconv.FormatInt(c.CaregiverID, 10), csvSafe(cgs[c.CaregiverID].Name),
					strconv.FormatInt(t.EventCount, 10), t.Amount().Decimal(), t.Reimbursed.Decimal(), t.Pending.Decimal(), rep.Currency})
			}
		}
		cw.Flush()
	})
	return a.Wrap("csv", []string{http.MethodGet, http.MethodHead}, h)
}

// csvParams are the parameters of the CSV export; any other is refused,
// so that a typo ("caregiverId") cannot widen the export to everyone.
var csvParams = []string{"from", "to", "caregiverIds"}

// csvQuery reads the parameters strictly: only csvParams, from and to at
// most once, caregiverIds as comma-separated positive ids (repeatable).
// The query string is split on "&" alone: a ";" (which url.ParseQuery
// drops with its whole pair) stays in the value and fails its syntax.
func csvQuery(r *http.Request) (model.ReportQuery, error) {
	var q model.ReportQuery
	v := map[string][]string{}
	for rest := r.URL.RawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			key = rawKey
		}
		if err != nil || !slices.Contains(csvParams, key) {
			field := key
			if len(field) > model.QuoteMax {
				field = "" // quoted, shortened, in the message only
			}
			return q, model.Invalid(field, "unknown parameter %s: the parameters are from, to and caregiverIds", model.Quote(key))
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return q, model.Invalid(key, "malformed %s value %s: %s", key, model.Quote(rawValue), err)
		}
		v[key] = append(v[key], value)
	}
	for _, name := range []string{"from", "to"} {
		switch vals := v[name]; {
		case len(vals) > 1:
			return q, model.Invalid(name, "%s is given %d times; give it once", name, len(vals))
		case len(vals) == 0 || vals[0] == "":
			continue
		}
		t, err := model.ParseDateTime(v[name][0])
		if err != nil {
			return q, model.Invalid(name, "%s%s", err.(*model.Error).Message, plusHint(name, v[name][0]))
		}
		if name == "from" {
			q.From = &t
		} else {
			q.To = &t
		}
	}
	if raw, ok := v["caregiverIds"]; ok {
		q.CaregiverIDs = []int64{}
		for _, part := range raw {
			if part == "" {
				continue // "caregiverIds=" asks for no caregivers
			}
			for _, s := range strings.Split(part, ",") {
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil || id <= 0 || s[0] == '+' {
					return q, model.Invalid("caregiverIds", "invalid caregiverIds %s: give positive integer ids separated by commas, e.g. \"1,2\"",
						model.Quote(part))
				}
				q.CaregiverIDs = append(q.CaregiverIDs, id)
			}
		}
	}
	return q, nil
}

// csvFilename names the download after its period.
func csvFilename(q model.ReportQuery) string {
	part := func(t *time.Time, open string) string {
		if t == nil {
			return open
		}
		return t.UTC().Format("20060102")
	}
	return fmt.Sprintf("reimburse-monthly-%s-%s.csv", part(q.From, "start"), part(q.To, "now"))
}

// csvSafe defuses spreadsheet formulas in free text (OWASP's CSV injection
// advice): a cell that starts with = + - @ or a control character gets a
// leading apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// plusHint explains a time that fails to parse only because the + of its
// offset came as a space: in a query string an unencoded + means a space.
func plusHint(name, v string) string {
	i := strings.LastIndexByte(v, ' ')
	if i < 0 {
		return ""
	}
	fixed := v[:i] + "+" + v[i+1:]
	if _, err := model.ParseDateTime(fixed); err != nil {
		return ""
	}
	return fmt.Sprintf("; a + in a query string is read as a space: encode the offset's + as %%2B, e.g. %s=%s", name, v[:i]+"%2B"+v[i+1:])
}
