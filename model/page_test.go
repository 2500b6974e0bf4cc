package model_test

import (
	"encoding/base64"
	"math/big"
	"regexp"
	"strings"
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

// cursorShape is the fuzzer's reference grammar of a decoded cursor: what
// Encode writes, integers without '+' or leading zeros.
var cursorShape = regexp.MustCompile(`^v1:(0|-?[1-9][0-9]*):([1-9][0-9]*)$`)

// refCursor is the fuzzer's reference decoder: strict base64 (one
// spelling per byte string; Go's decoder skips line breaks, Encode writes
// none), cursorShape, both numbers in int64.
func refCursor(s string) (model.Cursor, bool) {
	if strings.ContainsAny(s, "\r\n") {
		return model.Cursor{}, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return model.Cursor{}, false
	}
	g := cursorShape.FindStringSubmatch(string(raw))
	if g == nil {
		return model.Cursor{}, false
	}
	us, ok1 := new(big.Int).SetString(g[1], 10)
	id, ok2 := new(big.Int).SetString(g[2], 10)
	if !ok1 || !ok2 || !us.IsInt64() || !id.IsInt64() {
		return model.Cursor{}, false
	}
	return model.Cursor{Time: time.UnixMicro(us.Int64()).UTC(), ID: id.Int64()}, true
}

// FuzzDecodeCursor compares DecodeCursor with refCursor, and checks that
// what it accepts is what Encode writes.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(model.Cursor{Time: time.Unix(1700000000, 0), ID: 7}.Encode())
	f.Add("garbage")
	for _, raw := range []string{"v1:+5:7", "v1:5:+7", "v1:05:7", "v1:-0:7", "v1:5:07", "v1:5:0", "v1:-9223372036854775808:9223372036854775807", "v1:1:2:3", "v1:1"} {
		f.Add(base64.RawURLEncoding.EncodeToString([]byte(raw)))
	}
	f.Add("djE6MTox")  // "v1:1:1"
	f.Add("djE6MTox0") // non-canonical trailing bits
	f.Fuzz(func(t *testing.T, s string) {
		c, err := model.DecodeCursor(s)
		want, ok := refCursor(s)
		if !ok {
			if model.ErrorCode(err) != model.EInvalid {
				t.Fatalf("DecodeCursor(%q) = %+v, %v; want EInvalid", s, c, err)
			}
			return
		}
		if err != nil || !c.Time.Equal(want.Time) || c.ID != want.ID || c.Time.Location() != time.UTC {
			t.Fatalf("DecodeCursor(%q) = %+v, %v; want %+v", s, c, err, want)
		}
		if e := c.Encode(); e != s {
			t.Fatalf("DecodeCursor(%q) = %+v, which encodes as %q", s, c, e)
		}
	})
}
