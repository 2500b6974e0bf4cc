package graph

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestFastReportCoversSchema fails when the schema gains, loses or changes a
// field of a report type: the fast path would then hand operations that
// select it to gqlgen (still correct, but slow) until fastreport_write.go
// writes it.
func TestFastReportCoversSchema(t *testing.T) {
	schema := parsedSchema
	_, types := reportTypes(schema)
	for _, typ := range types {
		for _, fd := range schema.Types[typ.name].Fields {
			if strings.HasPrefix(fd.Name, "__") || typ.name == "Query" && fd.Name != "report" {
				continue
			}
			if _, ok := typ.fields[fd.Name]; !ok {
				t.Errorf("%s.%s: %s is not written by the fast report path", typ.name, fd.Name, fd.Type)
			}
		}
	}
}

// TestFastReportSchemaDrift checks that a field whose definition no longer
// matches what the fast path was written for is dropped from its table, so
// operations selecting it go to gqlgen instead of being answered wrongly.
func TestFastReportSchemaDrift(t *testing.T) {
	var src strings.Builder
	for _, s := range sources {
		if s.BuiltIn {
			continue
		}
		src.WriteString(s.Input)
	}
	edit := strings.NewReplacer(
		"eventCount: Int!", "eventCount: Int",
		"months: [ReportMonth!]!", "months(first: Int): [ReportMonth!]!",
		"  caregiver: Caregiver!\n  totals: Totals!", "  caregiver: Caregiver! @drift\n  totals: Totals!",
	).Replace(src.String()) + "\ndirective @drift on FIELD_DEFINITION\n"
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "drifted.graphqls", Input: edit})
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	_, types := reportTypes(schema)
	for _, typ := range types {
		for name := range typ.fields {
			kept[typ.name+"."+name] = true
		}
	}
	for _, gone := range []string{"Totals.eventCount", "Report.months", "CaregiverTotals.caregiver"} {
		if kept[gone] {
			t.Errorf("%s changed in the schema but the fast path still writes it", gone)
		}
	}
	for _, still := range []string{"Query.report", "Totals.amount", "Report.totals", "Money.amount"} {
		if !kept[still] {
			t.Errorf("%s unchanged in the schema but dropped by the fast path", still)
		}
	}
}
