package model_test

import (
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

func TestCursor(t *testing.T) {
	c := model.Cursor{Time: time.Date(2024, 3, 1, 8, 30, 0, 123456000, time.UTC), ID: 42}
	got, err := model.DecodeCursor(c.Encode())
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for _, s := range []string{"", "garbage", "djE6", "djE6eDox", "djE6MTow", "djI6MTox"} {
		if _, err := model.DecodeCursor(s); model.ErrorCode(err) != model.EInvalid {
			t.Errorf("DecodeCursor(%q) err = %v; want EInvalid", s, err)
		}
	}
}

func TestNewPageArgs(t *testing.T) {
	p, err := model.NewPageArgs(nil, nil)
	if err != nil || p.First != model.DefaultPageSize || p.After != nil {
		t.Fatalf("defaults: %+v, %v", p, err)
	}
	for _, n := range []int{-1, model.MaxPageSize + 1} {
		if _, err := model.NewPageArgs(&n, nil); model.ErrorCode(err) != model.EInvalid {
			t.Errorf("first=%d err = %v", n, err)
		}
	}
	n := model.MaxPageSize
	if p, err := model.NewPageArgs(&n, nil); err != nil || p.First != n {
		t.Errorf("first=max: %+v, %v", p, err)
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(model.Cursor{Time: time.Unix(1700000000, 0), ID: 7}.Encode())
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := model.DecodeCursor(s)
		if err != nil {
			if model.ErrorCode(err) != model.EInvalid {
				t.Fatalf("DecodeCursor(%q): %v", s, err)
			}
			return
		}
		if c.ID <= 0 {
			t.Fatalf("DecodeCursor(%q) accepted id %d", s, c.ID)
		}
	})
}
