-- Live channel workers: one row per running channel process, upserted by its heartbeat
-- (Notify.Delivery/Heartbeats/WorkerHeartbeat) every HeartbeatInterval (5 s) and deleted when
-- the process stops cleanly. `notifyctl status` and the admin API's GetStatus
-- (Notify.Outbox/Status/SystemStatusReader) list the rows seen within the last 15 s (three
-- heartbeats): a process that was killed stops being listed by itself, with nobody to clean up.
--
-- UNLOGGED: a row is a few seconds' worth of truth, rewritten every 5 s by every worker, so
-- nothing here is worth a WAL record (and the updates cost no WAL, no replication traffic, no
-- checkpoint work). The price, accepted on purpose:
--   * after a crash of PostgreSQL (not a clean shutdown or restart) the table comes back
--     EMPTY. Each live worker writes its row again at its next heartbeat, so the status shows no
--     workers for at most one heartbeat after the database is back; nothing else reads it.
--   * it is not replicated: on a hot standby the table cannot be read. The status is read on
--     the primary, like everything the admin API does.
-- Nothing may ever depend on a row here for correctness (claims, leases and the reaper use
-- deliveries.locked_by / lock_expires_at, never this table): it is a view for people.
CREATE UNLOGGED TABLE notify.workers (
    -- DeliveryWorkerOptions.WorkerId: `{machine}-{pid}` unless configured, the value the
    -- worker writes into deliveries.locked_by and delivery_attempts, so a stuck SENDING row
    -- can be traced to its process.
    worker_id   text        PRIMARY KEY,
    channel     text        NOT NULL,
    host        text        NOT NULL,
    pid         integer     NOT NULL,
    -- When the process started (its own clock).
    started_at  timestamptz NOT NULL,
    -- The database's clock at the last heartbeat: staleness is judged with the same clock
    -- (now() in the reader), so clock skew between hosts cannot make a live worker look dead.
    seen_at     timestamptz NOT NULL DEFAULT now(),
    -- Each provider-wide circuit of the process: {"sendgrid": "closed", "smtp": "open"};
    -- states `closed`, `open`, `half_open`.
    circuits    jsonb       NOT NULL DEFAULT '{}',
    -- The controls the worker honours now, as it last read them: '' for the whole channel,
    -- otherwise the providers paused on their own (the same keys as channel_controls.provider).
    -- Comparing it with channel_controls shows whether a pause has reached every replica.
    paused      text[]      NOT NULL DEFAULT '{}',
    -- False while the worker does not claim: the channel (or every provider) paused, every
    -- provider-wide circuit open, or its controls not read yet.
    claiming    boolean     NOT NULL,
    -- Same rule as channel_controls: a hand-written row cannot name a sixth channel.
    CONSTRAINT workers_channel_check CHECK (channel IN ('email', 'sms', 'whatsapp', 'webhook', 'push'))
);
-- Every row is updated every 5 s and no indexed column changes, so the updates are HOT
-- (heap-only: no index entry per heartbeat) when the page has room for the new version:
-- half of each page is kept free for them. A few dozen rows; the reader scans them all, so
-- the primary key is the only index.
ALTER TABLE notify.workers SET (fillfactor = 50);
