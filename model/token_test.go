package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

func TestNewTokenNormalize(t *testing.T) {
	cg := func(id int64) *int64 { return &id }
	for _, c := range []struct {
		name     string
		in       model.NewToken
		field    string // "" when valid
		wantName string
	}{
		{"OKAdmin", model.NewToken{Role: model.RoleAdmin}, "", "ADMIN"},
		{"OKAccountant", model.NewToken{Role: model.RoleAccountant, Name: " books "}, "", "books"},
		{"OKCaregiver", model.NewToken{Role: model.RoleCaregiver, CaregiverID: cg(7)}, "", "CAREGIVER 7"},
		{"ErrRoleUnknown", model.NewToken{Role: "ROOT"}, "role", ""},
		{"ErrRoleEmpty", model.NewToken{}, "role", ""},
		{"ErrCaregiverMissing", model.NewToken{Role: model.RoleCaregiver}, "caregiver", ""},
		{"ErrCaregiverZero", model.NewToken{Role: model.RoleCaregiver, CaregiverID: cg(0)}, "caregiver", ""},
		{"ErrAdminBound", model.NewToken{Role: model.RoleAdmin, CaregiverID: cg(1)}, "caregiver", ""},
		{"ErrAccountantBound", model.NewToken{Role: model.RoleAccountant, CaregiverID: cg(1)}, "caregiver", ""},
		{"ErrNameTooLong", model.NewToken{Role: model.RoleAdmin, Name: strings.Repeat("n", model.MaxNameLen+1)}, "name", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			err := in.Normalize()
			if c.field == "" {
				if err != nil || in.Name != c.wantName {
					t.Fatalf("got %v, name %q; want nil, %q", err, in.Name, c.wantName)
				}
				return
			}
			e, ok := err.(*model.Error)
			if !ok || e.Code != model.EInvalid || e.Field != c.field {
				t.Fatalf("got %v; want EInvalid on %s", err, c.field)
			}
		})
	}
}

func TestPrincipalOwn(t *testing.T) {
	seven := int64(7)
	for _, c := range []struct {
		p      model.Principal
		id     int64
		scoped bool
	}{
		{model.Principal{Role: model.RoleAdmin}, 0, false},
		{model.Principal{Role: model.RoleAccountant}, 0, false},
		{model.Principal{Role: model.RoleCaregiver, CaregiverID: &seven}, 7, true},
		{model.Principal{Role: model.RoleCaregiver}, 0, true}, // bound to nothing: sees nothing
	} {
		if id, ok := c.p.Own(); id != c.id || ok != c.scoped {
			t.Errorf("%+v.Own() = %d, %v; want %d, %v", c.p, id, ok, c.id, c.scoped)
		}
	}
}

func TestCheckBackdate(t *testing.T) {
	now := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	const max = 720 * time.Hour
	limit := now.Add(-max)
	for _, c := range []struct {
		role model.Role
		at   time.Time
		ok   bool
	}{
		{model.RoleCaregiver, now, true},
		{model.RoleCaregiver, limit, true},
		{model.RoleCaregiver, limit.Add(-time.Microsecond), false},
		{model.RoleCaregiver, now.AddDate(-5, 0, 0), false},
		{model.RoleAccountant, now.AddDate(-5, 0, 0), true},
		{model.RoleAdmin, now.AddDate(-50, 0, 0), true},
	} {
		err := model.CheckBackdate(c.role, c.at, now, max)
		if c.ok != (err == nil) {
			t.Errorf("%s at %v: got %v, want ok=%v", c.role, c.at, err, c.ok)
		}
		if err != nil && (err.Code != model.EInvalid || err.Field != "occurredAt" || !strings.Contains(err.Message, "720h")) {
			t.Errorf("%s at %v: got %+v, want EInvalid on occurredAt naming 720h", c.role, c.at, err)
		}
	}
}
