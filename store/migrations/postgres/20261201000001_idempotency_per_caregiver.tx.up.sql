-- Mirrors sqlite/20261201000001_idempotency_per_caregiver.tx.up.sql.
-- Idempotency keys belong to their caregiver: unique per (caregiver_id,
-- idempotency_key), no longer over all events, so that one caregiver's key
-- neither blocks nor reveals another's.
ALTER TABLE events DROP CONSTRAINT events_idempotency_key_key;
--bun:split
-- Partial, as on SQLite: events without a key never enter it.
CREATE UNIQUE INDEX events_caregiver_key ON events (caregiver_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
