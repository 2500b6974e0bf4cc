-- Mirrors sqlite/20261201000002_checked_rollups.tx.up.sql, which makes
-- SQLite refuse a rollup sum that is not an integer. PostgreSQL needs no
-- change: BIGINT columns hold only integers, and a sum past int64 raises
-- numeric_value_out_of_range (SQLSTATE 22003), which the store answers
-- with an overflow error, instead of being stored.
SELECT 1;
