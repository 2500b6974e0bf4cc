package model

import "time"

// MaxReportCaregivers bounds the caregiver list of a report.
const MaxReportCaregivers = 10000

// ReportQuery selects a report. CaregiverIDs nil means all caregivers; an
// empty non-nil slice means none.
type ReportQuery struct {
	From, To     *time.Time // [From, To) on OccurredAt; nil is unbounded
	CaregiverIDs []int64
	// ByEventType asks for the per-type breakdown; without it none is computed.
	ByEventType bool
}

// Validate rounds the period bounds to the stored precision and checks the
// period and the size of the caregiver list.
func (q *ReportQuery) Validate() error {
	q.From, q.To = ceilPtr(q.From), ceilPtr(q.To)
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		return Invalid("to", "must not be before from")
	}
	if len(q.CaregiverIDs) > MaxReportCaregivers {
		return Invalid("caregiverIds", "at most %d caregiver ids", MaxReportCaregivers)
	}
	return nil
}

// Totals are the sums over a set of non-voided events.
type Totals struct {
	EventCount int64
	Reimbursed Money
	Pending    Money
}

// Amount is the sum of reimbursed and pending amounts. Totals built by Add
// and Merge always hold it within the range of Money.
func (t Totals) Amount() Money { return t.Reimbursed + t.Pending }

// Add adds count events of amount in status to t. Voided events count
// nowhere. A sum past the range of Money, the amount's included, is an
// Overflow error and leaves t as it was.
func (t *Totals) Add(status EventStatus, count int64, amount Money) error {
	o := Totals{EventCount: count}
	switch status {
	case StatusReimbursed:
		o.Reimbursed = amount
	case StatusPending:
		o.Pending = amount
	default:
		return nil
	}
	return t.Merge(o)
}

// Merge adds o to t, checked like Add.
func (t *Totals) Merge(o Totals) error {
	r, err := t.Reimbursed.Add(o.Reimbursed)
	if err != nil {
		return err
	}
	p, err := t.Pending.Add(o.Pending)
	if err != nil {
		return err
	}
	if _, err := r.Add(p); err != nil {
		return err
	}
	t.EventCount += o.EventCount
	t.Reimbursed, t.Pending = r, p
	return nil
}

// Report is the monthly report: months ascending, caregivers by id ascending,
// event types by id ascending, only non-empty entries.
type Report struct {
	From, To *time.Time
	TimeZone string
	Currency string
	Totals   Totals
	Months   []ReportMonth
}

// ReportMonth is one calendar month of a report.
type ReportMonth struct {
	Month      YearMonth
	Totals     Totals
	Caregivers []CaregiverTotals
}

// CaregiverTotals is one caregiver's sums within a month.
type CaregiverTotals struct {
	CaregiverID int64
	Totals      Totals
	ByEventType []EventTypeTotals
}

// EventTypeTotals is one event type's sums within a caregiver's month.
type EventTypeTotals struct {
	EventTypeID int64
	Totals      Totals
}

// ReportRow is one aggregated group of events; the report is built from rows.
type ReportRow struct {
	Month       YearMonth
	CaregiverID int64
	EventTypeID int64 // 0 unless grouped by type
	Status      EventStatus
	Count       int64
	Amount      Money
}

// BuildReport assembles rows sorted by month, caregiver and event type into
// a report. Sums past the range of Money are an Overflow error saying so:
// the store keeps each caregiver's monthly sums (pending, reimbursed) in
// range, but the totals of many may not be.
func BuildReport(r *Report, rows []ReportRow) error {
	for _, row := range rows {
		if row.Status == StatusVoided || row.Count == 0 {
			continue
		}
		if n := len(r.Months); n == 0 || r.Months[n-1].Month != row.Month {
			r.Months = append(r.Months, ReportMonth{Month: row.Month})
		}
		m := &r.Months[len(r.Months)-1]
		if n := len(m.Caregivers); n == 0 || m.Caregivers[n-1].CaregiverID != row.CaregiverID {
			m.Caregivers = append(m.Caregivers, CaregiverTotals{CaregiverID: row.CaregiverID})
		}
		c := &m.Caregivers[len(m.Caregivers)-1]
		var err error
		if row.EventTypeID != 0 {
			if n := len(c.ByEventType); n == 0 || c.ByEventType[n-1].EventTypeID != row.EventTypeID {
				c.ByEventType = append(c.ByEventType, EventTypeTotals{EventTypeID: row.EventTypeID})
			}
			err = c.ByEventType[len(c.ByEventType)-1].Totals.Add(row.Status, row.Count, row.Amount)
		}
		if err == nil {
			err = c.Totals.Add(row.Status, row.Count, row.Amount)
		}
		if err == nil {
			err = m.Totals.Add(row.Status, row.Count, row.Amount)
		}
		if err == nil {
			err = r.Totals.Add(row.Status, row.Count, row.Amount)
		}
		if err != nil {
			return Overflow("the report's sums pass the largest amount, %s; ask for a shorter period or fewer caregivers", MaxMoney.Decimal())
		}
	}
	return nil
}
