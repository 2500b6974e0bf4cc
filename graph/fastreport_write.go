package graph

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/graph/gqlmodel"
	"github.com/reimburse/reimburse/graph/scalar"
	"github.com/reimburse/reimburse/model"
)

// fastWriter writes a response's data as gqlgen's executor would: keys in
// plan order, scalars through the same marshalers (graph/scalar and
// gqlgen's MarshalString), null for null. The per-cell scalars (counts and
// amounts) are appended without a Marshaler value: strconv.AppendInt is
// what MarshalInt64's FormatInt is built on, and scalar.AppendDecimal is
// what MarshalDecimal writes.
type fastWriter struct {
	ctx        context.Context
	r          *Resolver
	buf        bytes.Buffer
	currency   string
	currencyJS []byte // currency as a JSON string
	caregivers map[int64]*model.Caregiver
	types      map[int64]*model.EventType
	err        error // the first failure; the response is then discarded
}

func newFastWriter(ctx context.Context, r *Resolver) *fastWriter {
	c := r.Store.Currency()
	return &fastWriter{ctx: ctx, r: r, currency: c, currencyJS: marshalled(graphql.MarshalString(c))}
}

func (w *fastWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// key starts the i-th member of an object.
func (w *fastWriter) key(i int, f *planField) {
	if i > 0 {
		w.buf.WriteByte(',')
	}
	w.buf.Write(f.key)
}

func (w *fastWriter) unknown(f *planField, typ string) {
	w.fail(fmt.Errorf("fast report: field kind %d in %s", f.kind, typ))
}

func (w *fastWriter) null() { w.buf.WriteString("null") }

func (w *fastWriter) str(s string) { graphql.MarshalString(s).MarshalGQL(&w.buf) }

func (w *fastWriter) int64(n int64) { w.buf.Write(strconv.AppendInt(w.buf.AvailableBuffer(), n, 10)) }

func (w *fastWriter) dateTime(t *time.Time) {
	if t == nil {
		w.null()
		return
	}
	scalar.MarshalDateTime(*t).MarshalGQL(&w.buf)
}

// list writes n elements with each.
func (w *fastWriter) list(n int, each func(i int)) {
	w.buf.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		each(i)
	}
	w.buf.WriteByte(']')
}

// object writes one object of plan p: its members in plan order,
// __typename from the plan, every other member by field, which reports
// false for a kind it does not know (then the fast path fails, naming typ).
func (w *fastWriter) object(p *plan, typ string, field func(f *planField) bool) {
	w.buf.WriteByte('{')
	for i := range p.fields {
		f := &p.fields[i]
		w.key(i, f)
		if f.kind == kTypename {
			w.buf.Write(f.lit)
		} else if !field(f) {
			w.unknown(f, typ)
		}
	}
	w.buf.WriteByte('}')
}

// root writes the data object; reports[i] belongs to root field i.
func (w *fastWriter) root(p *plan, reports []*model.Report) {
	w.buf.WriteByte('{')
	for i := range p.fields {
		f := &p.fields[i]
		w.key(i, f)
		switch f.kind {
		case kTypename:
			w.buf.Write(f.lit)
		case kQueryReport: // the only field whose value depends on its index
			w.report(f.sub, reports[i])
		default:
			w.unknown(f, "Query")
		}
	}
	w.buf.WriteByte('}')
}

func (w *fastWriter) report(p *plan, r *model.Report) {
	w.object(p, "Report", func(f *planField) bool {
		switch f.kind {
		case kReportFrom:
			w.dateTime(r.From)
		case kReportTo:
			w.dateTime(r.To)
		case kReportTimeZone:
			w.str(r.TimeZone)
		case kReportCurrency:
			w.str(r.Currency)
		case kReportTotals:
			w.totals(f.sub, &r.Totals)
		case kReportMonths:
			w.list(len(r.Months), func(j int) { w.month(f.sub, &r.Months[j]) })
		default:
			return false
		}
		return true
	})
}

func (w *fastWriter) month(p *plan, m *model.ReportMonth) {
	w.object(p, "ReportMonth", func(f *planField) bool {
		switch f.kind {
		case kMonthMonth:
			scalar.MarshalYearMonth(m.Month).MarshalGQL(&w.buf)
		case kMonthTotals:
			w.totals(f.sub, &m.Totals)
		case kMonthCaregivers:
			w.list(len(m.Caregivers), func(j int) { w.cell(f.sub, &m.Caregivers[j]) })
		default:
			return false
		}
		return true
	})
}

// cell writes one caregiver's month: the hot loop of a large report.
func (w *fastWriter) cell(p *plan, c *model.CaregiverTotals) {
	w.object(p, "CaregiverTotals", func(f *planField) bool {
		switch f.kind {
		case kCellCaregiver:
			w.caregiver(f, c.CaregiverID)
		case kCellTotals:
			w.totals(f.sub, &c.Totals)
		case kCellByEventType:
			w.list(len(c.ByEventType), func(j int) { w.typeTotals(f.sub, &c.ByEventType[j]) })
		default:
			return false
		}
		return true
	})
}

func (w *fastWriter) typeTotals(p *plan, t *model.EventTypeTotals) {
	w.object(p, "EventTypeTotals", func(f *planField) bool {
		switch f.kind {
		case kTypeTotalsEventType:
			w.eventType(f, t.EventTypeID)
		case kTypeTotalsTotals:
			w.totals(f.sub, &t.Totals)
		default:
			return false
		}
		return true
	})
}

// totals writes Totals; its Money fields are what totalsResolver returns:
// the amounts in the store's currency.
func (w *fastWriter) totals(p *plan, t *model.Totals) {
	w.object(p, "Totals", func(f *planField) bool {
		switch f.kind {
		case kTotalsEventCount:
			w.int64(t.EventCount)
		case kTotalsAmount:
			w.money(f.sub, t.Amount(), w.currency)
		case kTotalsReimbursed:
			w.money(f.sub, t.Reimbursed, w.currency)
		case kTotalsPending:
			w.money(f.sub, t.Pending, w.currency)
		default:
			return false
		}
		return true
	})
}

func (w *fastWriter) money(p *plan, amount model.Money, currency string) {
	w.object(p, "Money", func(f *planField) bool {
		switch f.kind {
		case kMoneyAmount:
			w.buf.Write(scalar.AppendDecimal(w.buf.AvailableBuffer(), amount))
		case kMoneyCurrency:
			if currency == w.currency {
				w.buf.Write(w.currencyJS)
			} else {
				w.str(currency)
			}
		default:
			return false
		}
		return true
	})
}

// memoized writes the object of field f for row id once per response and
// copies those bytes wherever the same field meets the same row again.
func (w *fastWriter) memoized(f *planField, id int64, write func()) {
	if s, ok := f.memo[id]; ok {
		// Earlier bytes of the buffer stay valid while it grows: Write
		// copies from the old array when it reallocates.
		w.buf.Write(w.buf.Bytes()[s.start:s.end])
		return
	}
	start := w.buf.Len()
	write()
	f.memo[id] = span{start, w.buf.Len()}
}

func (w *fastWriter) caregiver(f *planField, id int64) {
	c := w.caregivers[id]
	if c == nil {
		w.fail(fmt.Errorf("fast report: caregiver %d not loaded", id))
		return
	}
	w.memoized(f, id, func() {
		w.object(f.sub, "Caregiver", func(g *planField) bool {
			switch g.kind {
			case kCaregiverID:
				scalar.MarshalID(c.ID).MarshalGQL(&w.buf)
			case kCaregiverName:
				w.str(c.Name)
			case kCaregiverExternalRef:
				if c.ExternalRef == nil {
					w.null()
				} else {
					w.str(*c.ExternalRef)
				}
			case kCaregiverCreatedAt:
				w.dateTime(&c.CreatedAt)
			default:
				return false
			}
			return true
		})
	})
}

// eventType writes an EventType through the same field resolvers gqlgen
// calls (price, priceAt, prices); each type is written once per field.
func (w *fastWriter) eventType(f *planField, id int64) {
	t := w.types[id]
	if t == nil {
		w.fail(fmt.Errorf("fast report: event type %d not loaded", id))
		return
	}
	w.memoized(f, id, func() {
		res := &eventTypeResolver{w.r}
		w.object(f.sub, "EventType", func(g *planField) bool {
			switch g.kind {
			case kEventTypeID:
				scalar.MarshalID(t.ID).MarshalGQL(&w.buf)
			case kEventTypeCode:
				w.str(t.Code)
			case kEventTypeName:
				w.str(t.Name)
			case kEventTypePrice:
				m, err := res.Price(w.ctx, t)
				w.optMoney(g.sub, m, err, false)
			case kEventTypePriceAt:
				m, err := res.PriceAt(w.ctx, t, g.at)
				w.optMoney(g.sub, m, err, true)
			case kEventTypePrices:
				ps, err := res.Prices(w.ctx, t)
				if err != nil {
					w.fail(err) // the response is discarded
					return true
				}
				w.list(len(ps), func(j int) { w.price(g.sub, &ps[j]) })
			case kEventTypeCreatedAt:
				w.dateTime(&t.CreatedAt)
			default:
				return false
			}
			return true
		})
	})
}

func (w *fastWriter) price(p *plan, pr *model.Price) {
	w.object(p, "EventTypePrice", func(f *planField) bool {
		switch f.kind {
		case kPricePrice:
			m, err := (&eventTypePriceResolver{w.r}).Price(w.ctx, pr)
			w.optMoney(f.sub, m, err, false)
		case kPriceEffectiveFrom:
			w.dateTime(pr.EffectiveFrom)
		default:
			return false
		}
		return true
	})
}

// optMoney writes a resolver's Money. An error, or null where the schema
// forbids it, needs gqlgen's error handling and fails the fast path.
func (w *fastWriter) optMoney(p *plan, m *gqlmodel.Money, err error, nullable bool) {
	switch {
	case err != nil:
		w.fail(err)
	case m == nil && nullable:
		w.null()
	case m == nil:
		w.fail(fmt.Errorf("fast report: null Money"))
	default:
		w.money(p, m.Amount, m.Currency)
	}
}
