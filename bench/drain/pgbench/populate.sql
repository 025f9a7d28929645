-- Rows for the pgbench baseline: :rows e-mail notifications with one PENDING delivery each,
-- shaped like the ones OutboxWriter writes (inline content of ~100 bytes, UUIDv7-like ids
-- in insertion order). Run with psql -v rows=N against a database Notify's migrations made.
INSERT INTO notify.notifications (id, tenant_id, idempotency_key, request_hash, content, priority)
SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(g), 10, '0') || '00')::uuid,
       '0195f0a0-0000-7000-8000-00000000be4c', 'pgbench-' || g, '\x42',
       convert_to(repeat('x', 100), 'UTF8'), 1
FROM generate_series(1, :rows) AS g;

INSERT INTO notify.deliveries (id, notification_id, tenant_id, channel, recipient, status, priority, max_attempts, next_attempt_at)
SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(g), 10, '0') || '01')::uuid,
       ('00000000-0000-7000-8000-' || lpad(to_hex(g), 10, '0') || '00')::uuid,
       '0195f0a0-0000-7000-8000-00000000be4c', 'email', 'user' || g || '@example.com', 'PENDING', 1, 5, now()
FROM generate_series(1, :rows) AS g;
