-- One pgbench transaction = Notify's lifecycle for 100 deliveries, the statements of
-- Notify.Outbox/Claiming/DeliveryStore.cs: the claim (FOR UPDATE SKIP LOCKED, lease,
-- fencing token, joined with the notification's content), then the completion of all 100
-- in one statement (status SENT guarded by the token, one delivery_attempts row each).
-- Both are autocommit statements, prepared (pgbench -M prepared), as the engine sends them; the
-- channel and batch size are literals, as in DeliveryStore's statements. The claimed ids and tokens
-- travel back as arrays, as the engine's completion passes them.
WITH claimable AS (
    SELECT id
    FROM notify.deliveries
    WHERE channel = 'email' AND status IN ('PENDING', 'RETRYING') AND next_attempt_at <= now()
    ORDER BY priority, next_attempt_at
    LIMIT 100
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE notify.deliveries d
    SET status = 'SENDING', locked_by = 'pgbench', lock_expires_at = now() + interval '60 seconds',
        lease_token = d.lease_token + 1, updated_at = now()
    FROM notify.notifications n
    WHERE d.channel = 'email' AND d.id = ANY (ARRAY(SELECT id FROM claimable)) AND n.id = d.notification_id
    RETURNING d.id, d.notification_id, d.tenant_id, d.channel, d.recipient, d.platform, d.attempt_count,
              d.max_attempts, d.lease_token, d.lock_expires_at, d.expires_at, d.template_version,
              n.template_id, n.locale, n.params, n.content, n.traceparent
)
SELECT array_agg(id)::text AS ids, array_agg(tenant_id)::text AS tenants, array_agg(lease_token)::text AS tokens, count(*) AS claimed FROM claimed
\gset
WITH u AS (
    SELECT u.id, u.lease_token, 'SENT'::text AS status, true AS attempted, NULL::timestamptz AS next_attempt_at,
           'noop'::text AS provider, 'noop'::text AS provider_message_id, NULL::text AS error_code, NULL::text AS error_message
    FROM unnest(:ids::uuid[], :tokens::bigint[]) AS u(id, lease_token)
), done AS (
    UPDATE notify.deliveries d
    SET status = u.status,
        attempt_count = d.attempt_count + CASE WHEN u.attempted THEN 1 ELSE 0 END,
        next_attempt_at = coalesce(u.next_attempt_at, d.next_attempt_at),
        provider = coalesce(u.provider, d.provider),
        provider_message_id = coalesce(u.provider_message_id, d.provider_message_id),
        last_error_code = u.error_code,
        last_error_message = u.error_message,
        sent_at = CASE WHEN u.status = 'SENT' THEN now() ELSE d.sent_at END,
        locked_by = NULL, lock_expires_at = NULL, updated_at = now()
    FROM u
    WHERE d.channel = 'email' AND d.id = ANY (:ids::uuid[]) AND d.id = u.id AND d.lease_token = u.lease_token AND d.status = 'SENDING'
    RETURNING d.id
), attempts AS (
    INSERT INTO notify.delivery_attempts
        (delivery_id, lease_token, attempt_number, tenant_id, channel, worker_id, provider, started_at,
         duration_ms, outcome, http_status, error_code, error_message, provider_message_id, response_excerpt)
    SELECT a.delivery_id, a.lease_token, 1, a.tenant_id, 'email', 'pgbench', 'noop', now(), 0, 'sent',
           NULL, NULL, NULL, 'noop', NULL
    FROM unnest(:ids::uuid[], :tokens::bigint[], :tenants::uuid[]) AS a(delivery_id, lease_token, tenant_id)
), suppressed AS (
    INSERT INTO notify.suppressions (tenant_id, channel, address, reason, source)
    SELECT d.tenant_id, d.channel, d.recipient, s.reason, 'provider'
    FROM unnest('{}'::uuid[], '{}'::text[]) AS s(id, reason)
    JOIN notify.deliveries d ON d.channel = 'email' AND d.id = s.id
    ON CONFLICT (tenant_id, channel, address) DO NOTHING
)
SELECT count(*) FROM done;
