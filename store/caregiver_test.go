package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

func TestCreateCaregiver(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s := MustOpen(t)
		c, err := s.CreateCaregiver(t.Context(), model.NewCaregiver{Name: "  Anna Andersson ", ExternalRef: ptr("SE2321000016-1234")})
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.Name != "Anna Andersson" || c.ExternalRef == nil || *c.ExternalRef != "SE2321000016-1234" || !c.CreatedAt.Equal(testNow) {
			t.Fatalf("got %+v", c)
		}
		got, err := s.FindCaregiverByID(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != c.Name || *got.ExternalRef != *c.ExternalRef || !got.CreatedAt.Equal(testNow) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("read back %+v, created %+v", got, c)
		}
	})

	t.Run("OKWithoutExternalRef", func(t *testing.T) {
		s := MustOpen(t)
		a := mustCaregiver(t, s, "A")
		b := mustCaregiver(t, s, "B") // two nil refs do not collide
		if a.ExternalRef != nil || b.ExternalRef != nil || a.ID == b.ID {
			t.Fatalf("got %+v and %+v", a, b)
		}
	})

	t.Run("OKNameAtLimit", func(t *testing.T) {
		s := MustOpen(t)
		name := strings.Repeat("å", model.MaxNameLen) // runes, not bytes, are counted
		c, err := s.CreateCaregiver(t.Context(), model.NewCaregiver{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != name {
			t.Fatalf("got name of %d bytes", len(c.Name))
		}
	})

	for _, tc := range []struct {
		name  string
		in    model.NewCaregiver
		field string
	}{
		{"ErrNameRequired", model.NewCaregiver{}, "name"},
		{"ErrNameBlank", model.NewCaregiver{Name: " \t\n"}, "name"},
		{"ErrNameTooLong", model.NewCaregiver{Name: strings.Repeat("a", model.MaxNameLen+1)}, "name"},
		{"ErrNameInvalidUTF8", model.NewCaregiver{Name: "a\xffb"}, "name"},
		{"ErrExternalRefBlank", model.NewCaregiver{Name: "A", ExternalRef: ptr("  ")}, "externalRef"},
		{"ErrExternalRefTooLong", model.NewCaregiver{Name: "A", ExternalRef: ptr(strings.Repeat("r", model.MaxRefLen+1))}, "externalRef"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := MustOpen(t)
			_, err := s.CreateCaregiver(t.Context(), tc.in)
			wantErr(t, err, model.EInvalid, tc.field)
			if cs, _, err := s.FindCaregivers(t.Context(), model.CaregiverFilter{}, model.PageArgs{First: 10}); err != nil || len(cs) != 0 {
				t.Fatalf("got %v, %v; want no caregivers", cs, err)
			}
		})
	}

	t.Run("ErrNameAndRefReportedTogether", func(t *testing.T) {
		s := MustOpen(t)
		_, err := s.CreateCaregiver(t.Context(), model.NewCaregiver{Name: "", ExternalRef: ptr("")})
		wantErrs(t, err, [2]string{"invalid", "name"}, [2]string{"invalid", "externalRef"})
	})

	t.Run("ErrDuplicateExternalRef", func(t *testing.T) {
		s := MustOpen(t)
		if _, err := s.CreateCaregiver(t.Context(), model.NewCaregiver{Name: "A", ExternalRef: ptr("HSA-1")}); err != nil {
			t.Fatal(err)
		}
		// Trimmed before the uniqueness check.
		_, err := s.CreateCaregiver(t.Context(), model.NewCaregiver{Name: "B", ExternalRef: ptr(" HSA-1 ")})
		e := wantErr(t, err, model.EConflict, "externalRef")
		if !strings.Contains(e.Message, "HSA-1") {
			t.Fatalf("message %q does not name the ref", e.Message)
		}
		cs, _, err := s.FindCaregivers(t.Context(), model.CaregiverFilter{}, model.PageArgs{First: 10})
		if err != nil || len(cs) != 1 {
			t.Fatalf("got %v, %v; want one caregiver", cs, err)
		}
	})
}

func TestFindCaregiverByID(t *testing.T) {
	s := MustOpen(t)
	c := mustCaregiver(t, s, "Anna")

	t.Run("OK", func(t *testing.T) {
		got, err := s.FindCaregiverByID(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got != *c {
			t.Fatalf("got %+v, want %+v", got, c)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, id := range []int64{c.ID + 1, 0, -1} {
			got, err := s.FindCaregiverByID(t.Context(), id)
			if got != nil {
				t.Fatalf("id %d: got %+v with error", id, got)
			}
			wantErr(t, err, model.ENotFound, "")
		}
	})
}

func TestFindCaregiversByIDs(t *testing.T) {
	s := MustOpen(t)
	a, b, c := mustCaregiver(t, s, "A"), mustCaregiver(t, s, "B"), mustCaregiver(t, s, "C")
	for _, tc := range []struct {
		name string
		ids  []int64
		want []int64
	}{
		{"OK", []int64{c.ID, a.ID}, []int64{a.ID, c.ID}},
		{"All", []int64{a.ID, b.ID, c.ID}, []int64{a.ID, b.ID, c.ID}},
		{"UnknownSkipped", []int64{b.ID, 999}, []int64{b.ID}},
		{"Duplicates", []int64{b.ID, b.ID}, []int64{b.ID}},
		{"Empty", []int64{}, nil},
		{"Nil", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FindCaregiversByIDs(t.Context(), tc.ids)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, g := range got {
				ids = append(ids, g.ID)
				if g.Name == "" {
					t.Fatalf("caregiver %d without name", g.ID)
				}
			}
			slices.Sort(ids) // any order is allowed
			if !slices.Equal(ids, tc.want) {
				t.Fatalf("got %v, want %v", ids, tc.want)
			}
		})
	}
}

func TestFindCaregivers(t *testing.T) {
	s := MustOpen(t)
	var want []int64
	for i := range 7 {
		want = append(want, mustCaregiver(t, s, string(rune('A'+i))).ID)
	}

	t.Run("OKPages", func(t *testing.T) {
		var got []int64
		var sizes []int
		var mores []bool
		p := model.PageArgs{First: 3}
		for range 10 {
			cs, more, err := s.FindCaregivers(t.Context(), model.CaregiverFilter{}, p)
			if err != nil {
				t.Fatal(err)
			}
			sizes, mores = append(sizes, len(cs)), append(mores, more)
			for _, c := range cs {
				got = append(got, c.ID)
			}
			if !more {
				break
			}
			p.After = &model.Cursor{ID: cs[len(cs)-1].ID}
		}
		if !slices.Equal(sizes, []int{3, 3, 1}) || !slices.Equal(mores, []bool{true, true, false}) {
			t.Fatalf("page sizes %v, hasMore %v; want [3 3 1], [true true false]", sizes, mores)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got ids %v, want %v (no gaps or duplicates, ascending)", got, want)
		}
	})

	t.Run("ExactPage", func(t *testing.T) {
		cs, more, err := s.FindCaregivers(t.Context(), model.CaregiverFilter{}, model.PageArgs{First: 7})
		if err != nil || len(cs) != 7 || more {
			t.Fatalf("got %d caregivers, more=%v, err=%v; want 7, false", len(cs), more, err)
		}
		cs, more, err = s.FindCaregivers(t.Context(), model.CaregiverFilter{}, model.PageArgs{First: 2, After: &model.Cursor{ID: want[4]}})
		if err != nil || len(cs) != 2 || more || cs[0].ID != want[5] || cs[1].ID != want[6] {
			t.Fatalf("got %v, more=%v, err=%v; want the last two, false", cs, more, err)
		}
	})

	t.Run("AfterLast", func(t *testing.T) {
		cs, more, err := s.FindCaregivers(t.Context(), model.CaregiverFilter{}, model.PageArgs{First: 3, After: &model.Cursor{ID: want[6]}})
		if err != nil || len(cs) != 0 || more {
			t.Fatalf("got %v, more=%v, err=%v; want nothing", cs, more, err)
		}
	})

	t.Run("FirstZero", func(t *testing.T) {
		cs, more, err := s.FindCaregivers(t.Context(), model.CaregiverFilter{}, model.PageArgs{First: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 0 || !more {
			t.Fatalf("got %d caregivers, more=%v; want none and hasMore true (7 exist)", len(cs), more)
		}
	})
}

func TestFindCaregiversFilter(t *testing.T) {
	s := MustOpen(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, mustCaregiver(t, s, string(rune('A'+i))).ID)
	}
	for _, tc := range []struct {
		name string
		f    model.CaregiverFilter
		p    model.PageArgs
		want []int64
		more bool
	}{
		{"OKSubset", model.CaregiverFilter{IDs: []int64{ids[3], ids[1], ids[3], 99}}, model.PageArgs{First: 10}, []int64{ids[1], ids[3]}, false},
		{"OKPaged", model.CaregiverFilter{IDs: []int64{ids[3], ids[1]}}, model.PageArgs{First: 1}, []int64{ids[1]}, true},
		{"OKAfter", model.CaregiverFilter{IDs: []int64{ids[3], ids[1]}}, model.PageArgs{First: 1, After: &model.Cursor{ID: ids[1]}}, []int64{ids[3]}, false},
		{"OKEmptyMatchesNothing", model.CaregiverFilter{IDs: []int64{}}, model.PageArgs{First: 10}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, more, err := s.FindCaregivers(t.Context(), tc.f, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, c := range cs {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tc.want) || more != tc.more {
				t.Fatalf("got %v more=%v, want %v more=%v", got, more, tc.want, tc.more)
			}
		})
	}
}
