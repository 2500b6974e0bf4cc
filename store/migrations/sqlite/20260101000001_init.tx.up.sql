-- Times are BIGINT microseconds since the Unix epoch, UTC. Money is BIGINT
-- minor units. month is the occurred_at month in the report time zone as
-- YYYYMM, computed in Go, so grouping by month is plain SQL.
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
--bun:split
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('ADMIN', 'ACCOUNTANT', 'CAREGIVER')),
  caregiver_id BIGINT,
  secret_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
--bun:split
CREATE TABLE caregivers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  external_ref TEXT UNIQUE,
  created_at BIGINT NOT NULL
);
--bun:split
CREATE TABLE event_types (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
--bun:split
CREATE TABLE event_type_prices (
  id INTEGER PRIMARY KEY,
  event_type_id BIGINT NOT NULL REFERENCES event_types (id),
  amount BIGINT NOT NULL CHECK (amount > 0),
  effective_from BIGINT,
  created_at BIGINT NOT NULL,
  UNIQUE (event_type_id, effective_from)
);
--bun:split
CREATE TABLE reimbursements (
  id INTEGER PRIMARY KEY,
  created_at BIGINT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES tokens (id),
  event_count BIGINT NOT NULL,
  total BIGINT NOT NULL
);
--bun:split
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  event_type_id BIGINT NOT NULL REFERENCES event_types (id),
  caregiver_id BIGINT NOT NULL REFERENCES caregivers (id),
  occurred_at BIGINT NOT NULL,
  month INTEGER NOT NULL,
  amount BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'REIMBURSED', 'VOIDED')),
  registered_at BIGINT NOT NULL,
  registered_by BIGINT NOT NULL REFERENCES tokens (id),
  reimbursed_at BIGINT,
  reimbursement_id BIGINT REFERENCES reimbursements (id),
  voided_at BIGINT,
  voided_by BIGINT REFERENCES tokens (id),
  void_reason TEXT,
  idempotency_key TEXT UNIQUE
);
--bun:split
CREATE INDEX events_occurred_at ON events (occurred_at, id);
--bun:split
CREATE INDEX events_caregiver_occurred_at ON events (caregiver_id, occurred_at, id);
--bun:split
CREATE INDEX events_reimbursement ON events (reimbursement_id, occurred_at, id) WHERE reimbursement_id IS NOT NULL;
--bun:split
CREATE INDEX events_pending ON events (caregiver_id, month) WHERE status = 'PENDING';
