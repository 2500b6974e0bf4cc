-- Mirrors sqlite/20260201000001_month_rollups.tx.up.sql.
-- Per-month sums kept exact in the same transaction as every write, so
-- reports read one row per (month, caregiver, type, status) instead of every
-- event. VOIDED events count nowhere and have no rows.
CREATE TABLE month_rollups (
  month INTEGER NOT NULL,
  caregiver_id BIGINT NOT NULL,
  event_type_id BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'REIMBURSED')),
  event_count BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (month, caregiver_id, event_type_id, status)
);
--bun:split
CREATE INDEX month_rollups_caregiver ON month_rollups (caregiver_id, month);
--bun:split
INSERT INTO month_rollups (month, caregiver_id, event_type_id, status, event_count, amount)
SELECT month, caregiver_id, event_type_id, status, COUNT(*), SUM(amount)
FROM events WHERE status <> 'VOIDED'
GROUP BY month, caregiver_id, event_type_id, status;
