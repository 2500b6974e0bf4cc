-- Rollup sums are integers, always: SQLite turns an integer sum past int64
-- into a REAL, which reports could then not read, so these CHECKs refuse
-- it (the store answers with an overflow error and the write changes
-- nothing). The *_integer names are what the store recognizes. (A CHECK
-- on the sign would not do: SQLite checks an upsert's proposed row, whose
-- values are the increments, before it finds the conflict.) SQLite cannot
-- add a CHECK to a table, so both tables are rebuilt as
-- https://sqlite.org/lang_altertable.html describes, keeping every row and
-- index; no table references them.
CREATE TABLE month_rollups_new (
  month INTEGER NOT NULL,
  caregiver_id BIGINT NOT NULL,
  event_type_id BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'REIMBURSED')),
  event_count BIGINT NOT NULL CONSTRAINT month_rollups_count_integer CHECK (typeof(event_count) = 'integer'),
  amount BIGINT NOT NULL CONSTRAINT month_rollups_amount_integer CHECK (typeof(amount) = 'integer'),
  PRIMARY KEY (month, caregiver_id, event_type_id, status)
);
--bun:split
INSERT INTO month_rollups_new (month, caregiver_id, event_type_id, status, event_count, amount)
SELECT month, caregiver_id, event_type_id, status, event_count, amount FROM month_rollups;
--bun:split
DROP TABLE month_rollups;
--bun:split
ALTER TABLE month_rollups_new RENAME TO month_rollups;
--bun:split
CREATE INDEX month_rollups_caregiver ON month_rollups (caregiver_id, month);
--bun:split
CREATE TABLE month_caregiver_rollups_new (
  month INTEGER NOT NULL,
  caregiver_id BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'REIMBURSED')),
  event_count BIGINT NOT NULL CONSTRAINT month_caregiver_rollups_count_integer CHECK (typeof(event_count) = 'integer'),
  amount BIGINT NOT NULL CONSTRAINT month_caregiver_rollups_amount_integer CHECK (typeof(amount) = 'integer'),
  PRIMARY KEY (month, caregiver_id, status)
);
--bun:split
INSERT INTO month_caregiver_rollups_new (month, caregiver_id, status, event_count, amount)
SELECT month, caregiver_id, status, event_count, amount FROM month_caregiver_rollups;
--bun:split
DROP TABLE month_caregiver_rollups;
--bun:split
ALTER TABLE month_caregiver_rollups_new RENAME TO month_caregiver_rollups;
--bun:split
CREATE INDEX month_caregiver_rollups_caregiver ON month_caregiver_rollups (caregiver_id, month);
--bun:split
-- A bulk load that never finished left these indexes to build on the next
-- start; they were built just now.
DELETE FROM meta WHERE key IN ('bulk_index:month_rollups_caregiver', 'bulk_index:month_caregiver_rollups_caregiver');
