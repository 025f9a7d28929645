-- Notify's outbox. Applied by DbUp at ingress start-up (see OutboxMigrator).
-- Every index and storage setting says why it exists: each one costs every insert.

CREATE SCHEMA IF NOT EXISTS notify;

-- Tenants are the callers of the API. Quotas arrive with the delivery engine.
CREATE TABLE notify.tenants (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz,
    -- Unique so `notifyctl tenant create NAME` is idempotent and names are unambiguous in logs.
    CONSTRAINT tenants_name_key UNIQUE (name)
);

-- API keys are stored as SHA-256 of the key. Keys are 256 random bits, so a fast hash
-- is enough (nothing to brute-force) and lets the ingress look a key up by its hash.
-- Several keys per tenant allow a rotation without downtime.
CREATE TABLE notify.api_keys (
    key_hash    bytea       PRIMARY KEY,
    tenant_id   uuid        NOT NULL REFERENCES notify.tenants (id),
    -- The first characters of the key, so operators can tell keys apart without the secret.
    key_prefix  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
-- Listing and revoking a tenant's keys.
CREATE INDEX api_keys_tenant_idx ON notify.api_keys (tenant_id);

-- Templates are immutable versions; a put adds version max+1. Deliveries pin a version.
CREATE TABLE notify.templates (
    tenant_id   uuid        NOT NULL REFERENCES notify.tenants (id),
    template_id text        NOT NULL,
    channel     text        NOT NULL,
    locale      text        NOT NULL,
    version     integer     NOT NULL,
    subject     text        NOT NULL DEFAULT '',
    body        text        NOT NULL DEFAULT '',
    html_body   text        NOT NULL DEFAULT '',
    description text        NOT NULL DEFAULT '',
    -- Top-level variables the template reads, computed once at put time so a Send can be
    -- checked for missing data without rendering.
    variables   text[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- The key doubles as the lookup index: "latest version for (tenant, id, channel, locale)"
    -- is a backward scan of this index.
    PRIMARY KEY (tenant_id, template_id, channel, locale, version)
);

-- One row per accepted request.
CREATE TABLE notify.notifications (
    id               uuid        PRIMARY KEY,  -- UUIDv7: time-ordered, so the index appends
    tenant_id        uuid        NOT NULL,
    idempotency_key  text        NOT NULL,
    -- SHA-256 of the canonical request, to tell a replay from a conflicting reuse of a key.
    request_hash     bytea       NOT NULL,
    template_id      text,
    locale           text,
    -- Template data and inline content as the caller sent them, serialized protobuf
    -- (google.protobuf.Struct and notify.v1.Content): written and read only by Notify,
    -- and cheaper both ways than JSON. Message bodies are not for ad-hoc SQL anyway.
    params           bytea,
    content          bytea,
    priority         smallint    NOT NULL,     -- 0 transactional, 1 bulk
    send_at          timestamptz,
    expires_at       timestamptz,
    correlation_id   text,
    metadata         jsonb,
    external_id      text,
    traceparent      text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Idempotency is the database's job: concurrent identical calls race on this
    -- constraint (INSERT ... ON CONFLICT DO NOTHING), never on a check-then-insert.
    CONSTRAINT notifications_idempotency_key UNIQUE (tenant_id, idempotency_key)
);
-- Rows are written once and rarely updated: pack pages fully.
ALTER TABLE notify.notifications SET (fillfactor = 100);

-- The outbox: one row per channel × address. Partitioned by channel so each channel
-- process claims from, vacuums and bloats only its own partition, and a backlog on one
-- channel never slows the claim query of another.
--
-- No foreign key to notifications: the ingress writes both in one statement, and an
-- FK check would take a row lock on the parent for every delivery inserted (and
-- dirty its page), which costs more than it protects here.
CREATE TABLE notify.deliveries (
    id                  uuid        NOT NULL,
    notification_id     uuid        NOT NULL,
    tenant_id           uuid        NOT NULL,
    channel             text        NOT NULL,
    recipient           text        NOT NULL,
    -- Push only: `fcm` or `apns`.
    platform            text,
    status              text        NOT NULL,
    skip_reason         text,
    priority            smallint    NOT NULL,
    template_version    integer,
    attempt_count       integer     NOT NULL DEFAULT 0,
    max_attempts        integer     NOT NULL,
    next_attempt_at     timestamptz NOT NULL,
    expires_at          timestamptz,
    locked_by           text,
    lock_expires_at     timestamptz,
    -- Fencing token: bumped at every claim; completions must present the token they
    -- were given, so a worker whose lease expired cannot overwrite the new owner's row.
    lease_token         bigint      NOT NULL DEFAULT 0,
    provider            text,
    provider_message_id text,
    last_error_code     text,
    last_error_message  text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    delivered_at        timestamptz,
    CONSTRAINT deliveries_status_check CHECK (status IN
        ('PENDING', 'SENDING', 'SENT', 'DELIVERED', 'RETRYING', 'DEAD', 'FAILED',
         'SKIPPED', 'CANCELLED', 'EXPIRED')),
    -- The partition key must be part of the key. Ids are UUIDv7, unique on their own;
    -- leading with id keeps lookups by id, and by a notification's id range, one index
    -- probe per partition.
    PRIMARY KEY (id, channel)
) PARTITION BY LIST (channel);

CREATE TABLE notify.deliveries_email    PARTITION OF notify.deliveries FOR VALUES IN ('email');
CREATE TABLE notify.deliveries_sms      PARTITION OF notify.deliveries FOR VALUES IN ('sms');
CREATE TABLE notify.deliveries_whatsapp PARTITION OF notify.deliveries FOR VALUES IN ('whatsapp');
CREATE TABLE notify.deliveries_webhook  PARTITION OF notify.deliveries FOR VALUES IN ('webhook');
CREATE TABLE notify.deliveries_push     PARTITION OF notify.deliveries FOR VALUES IN ('push');

-- A delivery row is updated 3 to 5 times in its life (claim, complete, receipt).
-- fillfactor 70 leaves room on the page so updates that touch no indexed column stay
-- HOT (no index writes); aggressive autovacuum keeps dead tuples from the churn in check
-- instead of waiting for 20% of a large table to be dead.
ALTER TABLE notify.deliveries_email    SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000);
ALTER TABLE notify.deliveries_sms      SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000);
ALTER TABLE notify.deliveries_whatsapp SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000);
ALTER TABLE notify.deliveries_webhook  SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000);
ALTER TABLE notify.deliveries_push     SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000);

-- The claim query's index: only claimable rows are in it, so it stays small however
-- many finished rows the table holds, and transactional work sorts before bulk.
CREATE INDEX deliveries_claimable_idx ON notify.deliveries (priority, next_attempt_at)
    WHERE status IN ('PENDING', 'RETRYING');
-- The reaper's index: rows whose lease may have expired.
CREATE INDEX deliveries_leased_idx ON notify.deliveries (lock_expires_at)
    WHERE status = 'SENDING';
-- No index on notification_id: a notification's delivery ids are its own id with 1, 2, …
-- in the last byte (see UuidV7.DeliveryId), so reading a notification's deliveries is a
-- range scan of the primary key, and every delivery insert writes one index fewer.

-- Every provider call. Append-only.
CREATE TABLE notify.delivery_attempts (
    delivery_id         uuid        NOT NULL,
    -- The claim that made the call: each claim bumps the lease token and makes at most one
    -- provider call, so (delivery_id, lease_token) names a call exactly, including the call
    -- of a worker whose lease expired before it could complete.
    lease_token         bigint      NOT NULL,
    attempt_number      integer     NOT NULL,
    tenant_id           uuid        NOT NULL,
    channel             text        NOT NULL,
    worker_id           text        NOT NULL,
    provider            text        NOT NULL,
    started_at          timestamptz NOT NULL,
    duration_ms         integer     NOT NULL,
    outcome             text        NOT NULL,
    http_status         integer,
    error_code          text,
    error_message       text,
    provider_message_id text,
    -- A retried completion cannot write the same call twice.
    PRIMARY KEY (delivery_id, lease_token)
);
ALTER TABLE notify.delivery_attempts SET (fillfactor = 100);

-- Addresses that must not be contacted again, per tenant and channel. Addresses are
-- stored normalised (emails lower-cased) so lookups are exact matches.
CREATE TABLE notify.suppressions (
    tenant_id  uuid        NOT NULL,
    channel    text        NOT NULL,
    address    text        NOT NULL,
    reason     text        NOT NULL,  -- e.g. hard_bounce, spam_report, unsubscribe, stop, unregistered
    source     text        NOT NULL DEFAULT 'api',
    created_at timestamptz NOT NULL DEFAULT now(),
    -- The ingress checks every accepted address against this key.
    PRIMARY KEY (tenant_id, channel, address)
);
