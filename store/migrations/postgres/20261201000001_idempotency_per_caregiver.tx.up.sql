-- Mirrors sqlite/20261201000001_idempotency_per_caregiver.tx.up.sql.
-- Idempotency keys belong to their caregiver: unique per (caregiver_id,
-- idempotency_key), no longer over all events, so that one caregiver's key
-- neither blocks nor reveals another's.
ALTER TABLE events DROP CONSTRAINT events_idempotency_key_key;
--bun:split
ALTER TABLE events ADD CONSTRAINT events_caregiver_id_idempotency_key_key UNIQUE (caregiver_id, idempotency_key);
