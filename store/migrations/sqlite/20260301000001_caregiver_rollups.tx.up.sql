-- The monthly sums per caregiver, without the event type: reports that do
-- not ask for byEventType read this table, which has one row per (month,
-- caregiver, status) instead of one per event type too (at 10M seeded
-- events over 50 types, 0.6M rows instead of 7.4M). Kept exact in the same
-- transaction as month_rollups.
CREATE TABLE month_caregiver_rollups (
  month INTEGER NOT NULL,
  caregiver_id BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'REIMBURSED')),
  event_count BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (month, caregiver_id, status)
);
--bun:split
CREATE INDEX month_caregiver_rollups_caregiver ON month_caregiver_rollups (caregiver_id, month);
--bun:split
INSERT INTO month_caregiver_rollups (month, caregiver_id, status, event_count, amount)
SELECT month, caregiver_id, status, SUM(event_count), SUM(amount)
FROM month_rollups
GROUP BY month, caregiver_id, status;
