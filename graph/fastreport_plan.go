package graph

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/graph/scalar"
	"github.com/vektah/gqlparser/v2/ast"
)

// The fast report path compiles an operation's validated selection set into
// a plan: per object, the fields to write in response order. Fields are
// collected with graphql.CollectFields and the generated code's implementor
// lists, exactly as gqlgen's executor collects them, so fragments, type
// conditions, aliases, merged duplicates and @include/@skip come out the
// same.

// fkind is a field the fast path knows how to write.
type fkind uint8

const (
	kTypename fkind = iota
	kQueryReport
	kReportFrom
	kReportTo
	kReportTimeZone
	kReportCurrency
	kReportTotals
	kReportMonths
	kMonthMonth
	kMonthTotals
	kMonthCaregivers
	kCellCaregiver
	kCellTotals
	kCellByEventType
	kTypeTotalsEventType
	kTypeTotalsTotals
	kTotalsEventCount
	kTotalsAmount
	kTotalsReimbursed
	kTotalsPending
	kMoneyAmount
	kMoneyCurrency
	kCaregiverID
	kCaregiverName
	kCaregiverExternalRef
	kCaregiverCreatedAt
	kEventTypeID
	kEventTypeCode
	kEventTypeName
	kEventTypePrice
	kEventTypePriceAt
	kEventTypePrices
	kEventTypeCreatedAt
	kPricePrice
	kPriceEffectiveFrom
)

// objType is an object type of the report tree: the fields the fast path
// writes, each with the schema type and arguments it was written for.
type objType struct {
	name         string
	implementors []string
	fields       map[string]fieldSpec
}

type fieldSpec struct {
	kind  fkind
	typ   string   // the schema type it was written for, e.g. "[ReportMonth!]!"
	args  []string // argument names, sorted
	child *objType
}

// reportTypes returns the Query type of the report tree, checked against
// schema: a field whose definition is missing, has another type or other
// arguments, or carries a schema directive (which gqlgen would run and the
// fast path would not) is dropped, and an operation that selects it takes
// gqlgen's path. Changing the schema can thus only turn the fast path off,
// never make it answer differently. all lists every type of the tree.
func reportTypes(schema *ast.Schema) (query *objType, all []*objType) {
	money := obj("Money", moneyImplementors, map[string]fieldSpec{
		"amount":   {kind: kMoneyAmount, typ: "Decimal!"},
		"currency": {kind: kMoneyCurrency, typ: "String!"},
	})
	totals := obj("Totals", totalsImplementors, map[string]fieldSpec{
		"eventCount": {kind: kTotalsEventCount, typ: "Int!"},
		"amount":     {kind: kTotalsAmount, typ: "Money!", child: money},
		"reimbursed": {kind: kTotalsReimbursed, typ: "Money!", child: money},
		"pending":    {kind: kTotalsPending, typ: "Money!", child: money},
	})
	caregiver := obj("Caregiver", caregiverImplementors, map[string]fieldSpec{
		"id":          {kind: kCaregiverID, typ: "ID!"},
		"name":        {kind: kCaregiverName, typ: "String!"},
		"externalRef": {kind: kCaregiverExternalRef, typ: "String"},
		"createdAt":   {kind: kCaregiverCreatedAt, typ: "DateTime!"},
	})
	price := obj("EventTypePrice", eventTypePriceImplementors, map[string]fieldSpec{
		"price":         {kind: kPricePrice, typ: "Money!", child: money},
		"effectiveFrom": {kind: kPriceEffectiveFrom, typ: "DateTime"},
	})
	eventType := obj("EventType", eventTypeImplementors, map[string]fieldSpec{
		"id":        {kind: kEventTypeID, typ: "ID!"},
		"code":      {kind: kEventTypeCode, typ: "String!"},
		"name":      {kind: kEventTypeName, typ: "String!"},
		"price":     {kind: kEventTypePrice, typ: "Money!", child: money},
		"priceAt":   {kind: kEventTypePriceAt, typ: "Money", args: []string{"at"}, child: money},
		"prices":    {kind: kEventTypePrices, typ: "[EventTypePrice!]!", child: price},
		"createdAt": {kind: kEventTypeCreatedAt, typ: "DateTime!"},
	})
	typeTotals := obj("EventTypeTotals", eventTypeTotalsImplementors, map[string]fieldSpec{
		"eventType": {kind: kTypeTotalsEventType, typ: "EventType!", child: eventType},
		"totals":    {kind: kTypeTotalsTotals, typ: "Totals!", child: totals},
	})
	cell := obj("CaregiverTotals", caregiverTotalsImplementors, map[string]fieldSpec{
		"caregiver":   {kind: kCellCaregiver, typ: "Caregiver!", child: caregiver},
		"totals":      {kind: kCellTotals, typ: "Totals!", child: totals},
		"byEventType": {kind: kCellByEventType, typ: "[EventTypeTotals!]!", child: typeTotals},
	})
	month := obj("ReportMonth", reportMonthImplementors, map[string]fieldSpec{
		"month":      {kind: kMonthMonth, typ: "YearMonth!"},
		"totals":     {kind: kMonthTotals, typ: "Totals!", child: totals},
		"caregivers": {kind: kMonthCaregivers, typ: "[CaregiverTotals!]!", child: cell},
	})
	report := obj("Report", reportImplementors, map[string]fieldSpec{
		"from":     {kind: kReportFrom, typ: "DateTime"},
		"to":       {kind: kReportTo, typ: "DateTime"},
		"timeZone": {kind: kReportTimeZone, typ: "String!"},
		"currency": {kind: kReportCurrency, typ: "String!"},
		"totals":   {kind: kReportTotals, typ: "Totals!", child: totals},
		"months":   {kind: kReportMonths, typ: "[ReportMonth!]!", child: month},
	})
	query = obj("Query", queryImplementors, map[string]fieldSpec{
		"report": {kind: kQueryReport, typ: "Report!", args: []string{"caregiverIds", "from", "to"}, child: report},
	})
	all = []*objType{query, report, month, cell, typeTotals, totals, money, caregiver, eventType, price}
	for _, t := range all {
		t.checkAgainst(schema)
	}
	return query, all
}

func obj(name string, implementors []string, fields map[string]fieldSpec) *objType {
	return &objType{name: name, implementors: implementors, fields: fields}
}

func (t *objType) checkAgainst(schema *ast.Schema) {
	def := schema.Types[t.name]
	for name, spec := range t.fields {
		var fd *ast.FieldDefinition
		if def != nil && def.Kind == ast.Object {
			fd = def.Fields.ForName(name)
		}
		if fd == nil || fd.Type.String() != spec.typ || !slices.Equal(argNames(fd), spec.args) || hasSchemaDirectives(fd, t.name == "Query") {
			delete(t.fields, name)
		}
	}
}

func argNames(fd *ast.FieldDefinition) []string {
	var names []string
	for _, a := range fd.Arguments {
		names = append(names, a.Name)
	}
	slices.Sort(names)
	return names
}

// hasSchemaDirectives reports whether fd carries a directive the fast path
// does not run. On root fields @auth is allowed: InterceptOperation applies
// it with the same check as the directive (authAllowed).
func hasSchemaDirectives(fd *ast.FieldDefinition, root bool) bool {
	for _, d := range fd.Directives {
		if d.Name != "deprecated" && !(root && d.Name == "auth") {
			return true
		}
	}
	return false
}

// plan is one object's compiled selection.
type plan struct {
	fields []planField
}

// planField is one response key of an object.
type planField struct {
	key  []byte // the quoted alias and a colon
	kind fkind
	lit  []byte // the value of __typename
	sub  *plan  // the selection of an object or list field
	at   time.Time
	args reportArgs
	// memo holds, for caregiver and event type fields, where each object
	// was first written in the response, so that the same selection of the
	// same row is copied rather than written again.
	memo map[int64]span
}

type span struct{ start, end int }

type reportArgs struct {
	from, to     *time.Time
	caregiverIDs []int64
}

// errNotFast says that an operation needs gqlgen's executor.
var errNotFast = errors.New("fast report: not handled")

// reportOnly reports whether op is a query whose root fields are only
// report (at least one) and __typename: the operations the fast path is for.
func reportOnly(op *graphql.OperationContext) bool {
	if op.Operation.Operation != ast.Query {
		return false
	}
	report := false
	for _, f := range graphql.CollectFields(op, op.Operation.SelectionSet, queryImplementors) {
		switch f.Name {
		case "report":
			report = true
		case "__typename":
		default:
			return false
		}
	}
	return report
}

func compile(op *graphql.OperationContext, sel ast.SelectionSet, t *objType) (*plan, error) {
	fields := graphql.CollectFields(op, sel, t.implementors)
	p := &plan{fields: make([]planField, 0, len(fields))}
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if len(f.Deferrables) > 0 || !onlyIncludeSkip(f.Directives) {
			return nil, errNotFast
		}
		if seen[f.Alias] { // gqlgen writes a response key once
			continue
		}
		seen[f.Alias] = true
		pf := planField{key: jsonKey(f.Alias)}
		if f.Name == "__typename" {
			pf.kind, pf.lit = kTypename, marshalled(graphql.MarshalString(t.name))
			p.fields = append(p.fields, pf)
			continue
		}
		spec, ok := t.fields[f.Name]
		if !ok {
			return nil, errNotFast
		}
		pf.kind = spec.kind
		if spec.child != nil {
			sub, err := compile(op, f.Selections, spec.child)
			if err != nil {
				return nil, err
			}
			pf.sub = sub
		}
		var err error
		switch spec.kind {
		case kQueryReport:
			pf.args, err = reportArgsOf(op, f)
		case kEventTypePriceAt:
			pf.at, err = priceAtArg(op, f)
		case kCellCaregiver, kTypeTotalsEventType:
			pf.memo = map[int64]span{}
		}
		if err != nil {
			return nil, errNotFast
		}
		p.fields = append(p.fields, pf)
	}
	return p, nil
}

func onlyIncludeSkip(ds ast.DirectiveList) bool {
	for _, d := range ds {
		if d.Name != "include" && d.Name != "skip" {
			return false
		}
	}
	return true
}

// reportArgsOf coerces report's arguments as the generated code does
// (field_Query_report_args); a value gqlgen would reject is an error.
func reportArgsOf(op *graphql.OperationContext, f graphql.CollectedField) (reportArgs, error) {
	raw := f.ArgumentMap(op.Variables)
	var a reportArgs
	var err error
	if a.from, err = optDateTime(raw["from"]); err != nil {
		return a, err
	}
	if a.to, err = optDateTime(raw["to"]); err != nil {
		return a, err
	}
	if v := raw["caregiverIds"]; v != nil {
		list := graphql.CoerceList(v)
		a.caregiverIDs = make([]int64, len(list))
		for i, x := range list {
			if a.caregiverIDs[i], err = scalar.UnmarshalID(x); err != nil {
				return a, err
			}
		}
	}
	return a, nil
}

func optDateTime(v any) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := scalar.UnmarshalDateTime(v)
	return &t, err
}

// priceAtArg coerces priceAt's `at` as field_EventType_priceAt_args does.
func priceAtArg(op *graphql.OperationContext, f graphql.CollectedField) (time.Time, error) {
	v, ok := f.ArgumentMap(op.Variables)["at"]
	if !ok {
		return time.Time{}, nil
	}
	return scalar.UnmarshalDateTime(v)
}

// reaches reports whether the plan selects the path of field kinds.
func (p *plan) reaches(path ...fkind) bool {
	for i := range p.fields {
		f := &p.fields[i]
		if f.kind != path[0] {
			continue
		}
		if len(path) == 1 || f.sub.reaches(path[1:]...) {
			return true
		}
	}
	return false
}

func jsonKey(alias string) []byte {
	return append(marshalled(graphql.MarshalString(alias)), ':')
}

func marshalled(m graphql.Marshaler) []byte {
	var b bytes.Buffer
	m.MarshalGQL(&b)
	return b.Bytes()
}
