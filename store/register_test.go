package store_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
)

func TestRegisterEvents(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		at := time.Date(2024, 6, 1, 10, 30, 0, 123456000, mustZone(t, "Europe/Stockholm"))
		evs := mustRegister(t, f.s,
			model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: at},
			model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: at, IdempotencyKey: ptr("k1")},
		)
		want := []model.Event{
			{ID: evs[0].ID, EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: at.UTC(), Month: 202406, Amount: 100000,
				Status: model.StatusPending, RegisteredAt: testNow, RegisteredBy: admin.TokenID},
			{ID: evs[1].ID, EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: at.UTC(), Month: 202406, Amount: 25050,
				Status: model.StatusPending, RegisteredAt: testNow, RegisteredBy: admin.TokenID, IdempotencyKey: ptr("k1")},
		}
		if evs[0].ID == 0 || evs[1].ID <= evs[0].ID {
			t.Fatalf("ids %d, %d: want increasing, in input order", evs[0].ID, evs[1].ID)
		}
		if !reflect.DeepEqual(evs, want) {
			t.Fatalf("got\n%+v\nwant\n%+v", evs, want)
		}
		for i := range want {
			if got := mustFindEvent(t, f.s, want[i].ID); !reflect.DeepEqual(*got, want[i]) {
				t.Fatalf("read back\n%+v\nwant\n%+v", *got, want[i])
			}
		}
	})

	t.Run("OKMonthInZone", func(t *testing.T) {
		for _, tc := range []struct {
			zone string
			at   time.Time
			want model.YearMonth
		}{
			{"UTC", utc(2024, 1, 31, 23, 30), 202401},
			{"Europe/Stockholm", utc(2024, 1, 31, 23, 30), 202402},
			{"Europe/Stockholm", utc(2024, 1, 31, 22, 59), 202401},
			{"Europe/Stockholm", utc(2024, 1, 31, 23, 0), 202402},           // local midnight
			{"Europe/Stockholm", utc(2024, 5, 31, 22, 0), 202406},           // summer time
			{"America/New_York", utc(2024, 2, 1, 3, 0), 202401},             // still January there
			{"America/New_York", utc(2024, 1, 1, 4, 59), 202312},            // year boundary
			{"Pacific/Chatham", utc(2024, 2, 29, 10, 15), 202403},           // +13:45
			{"Asia/Kolkata", utc(2024, 4, 30, 18, 29), 202404},              // +05:30
			{"Asia/Kolkata", utc(2024, 4, 30, 18, 30), 202405},              // local midnight
			{"UTC", utc(2024, 2, 29, 23, 59).Add(59 * time.Second), 202402}, // leap day
		} {
			f := newFixture(t, withZone(mustZone(t, tc.zone)))
			if e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, tc.at); e.Month != tc.want {
				t.Errorf("%s, %s: month %d, want %d", tc.zone, model.FormatDateTime(tc.at), e.Month, tc.want)
			}
		}
	})

	t.Run("OKFiveMinutesAhead", func(t *testing.T) {
		f := newFixture(t)
		e := mustEvent(t, f.s, f.et1.ID, f.cg1.ID, testNow.Add(model.MaxFuture))
		if !e.OccurredAt.Equal(testNow.Add(5 * time.Minute)) {
			t.Fatalf("got %+v", e)
		}
	})

	for _, tc := range []struct {
		name  string
		in    func(f fixture) model.NewEvent
		code  model.Code
		field string
	}{
		{"ErrFuture", func(f fixture) model.NewEvent {
			return model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow.Add(model.MaxFuture + time.Microsecond)}
		}, model.EInvalid, "[0].occurredAt"},
		{"ErrUnknownType", func(f fixture) model.NewEvent {
			return model.NewEvent{EventTypeID: 999, CaregiverID: f.cg1.ID, OccurredAt: testNow}
		}, model.EInvalid, "[0].eventTypeId"},
		{"ErrUnknownCaregiver", func(f fixture) model.NewEvent {
			return model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: 999, OccurredAt: testNow}
		}, model.EInvalid, "[0].caregiverId"},
		{"ErrKeyBlank", func(f fixture) model.NewEvent {
			return model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow, IdempotencyKey: ptr(" ")}
		}, model.EInvalid, "[0].idempotencyKey"},
		{"ErrKeyTooLong", func(f fixture) model.NewEvent {
			return model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow, IdempotencyKey: ptr(strings.Repeat("k", model.MaxKeyLen+1))}
		}, model.EInvalid, "[0].idempotencyKey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			evs, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{tc.in(f)})
			if evs != nil {
				t.Fatalf("got events %v with an error", evs)
			}
			wantErr(t, err, tc.code, tc.field)
			if n := countEvents(t, f.s); n != 0 {
				t.Fatalf("%d events registered", n)
			}
		})
	}

	t.Run("ErrUnknownTypeAndCaregiver", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{
			{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow},
			{EventTypeID: 998, CaregiverID: 999, OccurredAt: testNow},
		})
		wantErrs(t, err, [2]string{"invalid", "[1].eventTypeId"}, [2]string{"invalid", "[1].caregiverId"})
	})

	t.Run("ErrOneBadItemRegistersNothing", func(t *testing.T) {
		for _, bad := range []struct {
			name  string
			mod   func(f fixture, in *model.NewEvent)
			field string
		}{
			{"Type", func(f fixture, in *model.NewEvent) { in.EventTypeID = 999 }, "[3].eventTypeId"},
			{"Caregiver", func(f fixture, in *model.NewEvent) { in.CaregiverID = 999 }, "[3].caregiverId"},
			{"Future", func(f fixture, in *model.NewEvent) { in.OccurredAt = testNow.Add(time.Hour) }, "[3].occurredAt"},
		} {
			t.Run(bad.name, func(t *testing.T) {
				f := newFixture(t)
				var ins []model.NewEvent
				for i := range 5 {
					ins = append(ins, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow.Add(-time.Duration(i) * time.Hour)})
				}
				bad.mod(f, &ins[3])
				_, err := f.s.RegisterEvents(t.Context(), admin, ins)
				wantErrs(t, err, [2]string{"invalid", bad.field})
				if n := countEvents(t, f.s); n != 0 {
					t.Fatalf("%d events registered, want none", n)
				}
			})
		}
	})

	t.Run("ErrEveryBadItemReported", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{
			{EventTypeID: 999, CaregiverID: f.cg1.ID, OccurredAt: testNow},
			{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow},
			{EventTypeID: f.et1.ID, CaregiverID: 999, OccurredAt: testNow},
		})
		wantErrs(t, err, [2]string{"invalid", "[0].eventTypeId"}, [2]string{"invalid", "[2].caregiverId"})
	})

	t.Run("ErrEveryBadItemReportedAcrossChecks", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{
			{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow.Add(time.Hour)},
			{EventTypeID: 999, CaregiverID: f.cg1.ID, OccurredAt: testNow},
		})
		wantErrs(t, err, [2]string{"invalid", "[0].occurredAt"}, [2]string{"invalid", "[1].eventTypeId"})
	})

	t.Run("ErrEmpty", func(t *testing.T) {
		f := newFixture(t)
		for _, ins := range [][]model.NewEvent{nil, {}} {
			_, err := f.s.RegisterEvents(t.Context(), admin, ins)
			wantErr(t, err, model.EInvalid, "")
		}
	})

	t.Run("ErrTooMany", func(t *testing.T) {
		f := newFixture(t)
		ins := make([]model.NewEvent, model.MaxBatch+1)
		for i := range ins {
			ins[i] = model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow}
		}
		_, err := f.s.RegisterEvents(t.Context(), admin, ins)
		e := wantErr(t, err, model.EInvalid, "")
		if !strings.Contains(e.Message, "10000") {
			t.Fatalf("message %q does not state the limit", e.Message)
		}
		if n := countEvents(t, f.s); n != 0 {
			t.Fatalf("%d events registered", n)
		}
	})

	t.Run("OKMaxBatch", func(t *testing.T) {
		f := newFixture(t)
		ins := make([]model.NewEvent, model.MaxBatch)
		for i := range ins {
			ins[i] = model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: testNow.Add(-time.Duration(i) * time.Minute)}
		}
		evs := mustRegister(t, f.s, ins...)
		for i := 1; i < len(evs); i++ {
			if evs[i].ID != evs[i-1].ID+1 || !evs[i].OccurredAt.Equal(ins[i].OccurredAt) {
				t.Fatalf("event %d: %+v does not match its input (previous id %d)", i, evs[i], evs[i-1].ID)
			}
		}
		if n := countEvents(t, f.s); n != model.MaxBatch {
			t.Fatalf("%d events stored, want %d", n, model.MaxBatch)
		}
	})
}

func TestRegisterEventsIdempotency(t *testing.T) {
	in := func(f fixture, key string, at time.Time) model.NewEvent {
		return model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: at, IdempotencyKey: ptr(key)}
	}
	at := utc(2024, 6, 1, 9, 0)

	t.Run("OKRetryReturnsFirst", func(t *testing.T) {
		f := newFixture(t)
		first := mustRegister(t, f.s, in(f, "k1", at))[0]
		// The same instant in another zone and a key with blanks around it
		// are the same payload.
		again := mustRegister(t, f.s, in(f, " k1 ", at.In(mustZone(t, "America/New_York"))))[0]
		if !reflect.DeepEqual(again, first) {
			t.Fatalf("retry got\n%+v\nwant the first event\n%+v", again, first)
		}
		if n := countEvents(t, f.s); n != 1 {
			t.Fatalf("%d events stored, want 1", n)
		}
	})

	t.Run("OKRetryOfChangedEvent", func(t *testing.T) {
		f := newFixture(t)
		first := mustRegister(t, f.s, in(f, "k1", at))[0]
		if _, err := f.s.ReimburseEvents(t.Context(), admin, []int64{first.ID}); err != nil {
			t.Fatal(err)
		}
		again := mustRegister(t, f.s, in(f, "k1", at))[0]
		if again.ID != first.ID || again.Status != model.StatusReimbursed {
			t.Fatalf("retry got %+v, want event %d as it is now (REIMBURSED)", again, first.ID)
		}
	})

	t.Run("OKRetryInMixedBatch", func(t *testing.T) {
		f := newFixture(t)
		first := mustRegister(t, f.s, in(f, "k1", at))[0]
		evs := mustRegister(t, f.s, in(f, "k2", at), in(f, "k1", at), model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: at})
		if evs[1].ID != first.ID || evs[0].ID == first.ID || evs[2].ID == first.ID || evs[0].ID == evs[2].ID {
			t.Fatalf("got ids %v, want [new %d new]", eventIDs(evs), first.ID)
		}
		if evs[2].Amount != 25050 || evs[0].IdempotencyKey == nil || *evs[0].IdempotencyKey != "k2" {
			t.Fatalf("got %+v", evs)
		}
		if n := countEvents(t, f.s); n != 3 {
			t.Fatalf("%d events stored, want 3", n)
		}
	})

	for _, tc := range []struct {
		name string
		mod  func(f fixture, e *model.NewEvent)
	}{
		{"ErrOtherTime", func(f fixture, e *model.NewEvent) { e.OccurredAt = e.OccurredAt.Add(time.Microsecond) }},
		{"ErrOtherType", func(f fixture, e *model.NewEvent) { e.EventTypeID = f.et2.ID }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			first := mustRegister(t, f.s, in(f, "k1", at))[0]
			retry := in(f, "k1", at)
			tc.mod(f, &retry)
			_, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{retry})
			wantErrs(t, err, [2]string{"conflict", "[0].idempotencyKey"})
			if evs := allEvents(t, f.s, model.EventFilter{}); len(evs) != 1 || !reflect.DeepEqual(evs[0], first) {
				t.Fatalf("stored %+v, want only the first event", evs)
			}
		})
	}

	t.Run("OKDuplicateInBatch", func(t *testing.T) {
		f := newFixture(t)
		evs := mustRegister(t, f.s, in(f, "k1", at), in(f, "k2", at), in(f, "k1", at))
		if evs[0].ID != evs[2].ID || evs[0].ID == evs[1].ID || !reflect.DeepEqual(evs[0], evs[2]) {
			t.Fatalf("got %+v, want items 0 and 2 to be one event", evs)
		}
		if n := countEvents(t, f.s); n != 2 {
			t.Fatalf("%d events stored, want 2", n)
		}
	})

	t.Run("ErrDuplicateInBatchOtherPayload", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{in(f, "k1", at), in(f, "k2", at), in(f, "k1", at.Add(time.Second))})
		wantErrs(t, err, [2]string{"conflict", "[2].idempotencyKey"})
		if n := countEvents(t, f.s); n != 0 {
			t.Fatalf("%d events stored, want none", n)
		}
	})

	t.Run("ErrConflictAndInvalidTogether", func(t *testing.T) {
		f := newFixture(t)
		mustRegister(t, f.s, in(f, "k1", at))
		_, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{
			{EventTypeID: f.et1.ID, CaregiverID: 999, OccurredAt: at},
			in(f, "k1", at.Add(time.Hour)),
		})
		wantErrs(t, err, [2]string{"invalid", "[0].caregiverId"}, [2]string{"conflict", "[1].idempotencyKey"})
	})

	t.Run("OKRetryWithSubMicrosecondTime", func(t *testing.T) {
		f := newFixture(t)
		at := at.Add(1500 * time.Nanosecond) // stored at microsecond precision
		first := mustRegister(t, f.s, in(f, "k1", at))[0]
		again, err := f.s.RegisterEvents(t.Context(), admin, []model.NewEvent{in(f, "k1", at)})
		if err != nil {
			t.Fatalf("identical retry: %v", err)
		}
		if again[0].ID != first.ID {
			t.Fatalf("retry got event %d, want %d", again[0].ID, first.ID)
		}
	})
}
