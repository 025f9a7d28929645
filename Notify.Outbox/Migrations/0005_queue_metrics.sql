-- Dead letters, by error code and age. Two readers need them without touching the rest of
-- the channel's partition, which is mostly finished (SENT, DELIVERED) history:
--   * every channel process counts its DEAD rows every few seconds for the
--     notify.queue.dead gauge (an index-only count over this index);
--   * the dead-letter listing (issue 5) groups them by error code with the last occurrence
--     and filters by error code and time range.
-- Partial, like the claim and lease indexes: rows enter it only when they die and leave it
-- when they are replayed, so it costs nothing on the hot path of a delivery that succeeds.
CREATE INDEX deliveries_dead_idx ON notify.deliveries (last_error_code, updated_at)
    WHERE status = 'DEAD';
