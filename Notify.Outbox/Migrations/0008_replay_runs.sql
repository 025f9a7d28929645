-- Dead-letter replays (issue 5). One row per confirmed replay, written in the transaction that
-- moves the dead rows back to RETRYING, so a run on record is a run that happened and the
-- other way round. Dry runs and refused replays write nothing.
--
-- The table does three jobs:
--   * idempotency: a replay carrying a key that is already here returns this row's result
--     and replays nothing again (the key is unique, the store also takes an advisory lock
--     on it so two concurrent calls with one key do not both get past the lookup);
--   * budgets: the rows a tenant replayed today and this month are sums over its rows here;
--   * history: who replayed what, when and why (the admin API's audit_log records the
--     request as well; this is the replay's own record, kept for replays made without the API).
CREATE TABLE notify.replay_runs (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Optional: a replay without a key is not idempotent, but still counts against the budget.
    -- UNIQUE allows any number of NULLs.
    replay_key  text,
    tenant_id   uuid        NOT NULL,
    actor       text        NOT NULL,
    reason      text        NOT NULL,
    -- What was selected: {"ids": [...]} or {"channel", "error_code", "from", "to"} as the
    -- store canonicalises it, so "the same key with a different request" is a jsonb comparison.
    filter      jsonb       NOT NULL,
    -- Rows moved from DEAD to RETRYING by this run.
    count       integer     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT replay_runs_replay_key_key UNIQUE (replay_key),
    CONSTRAINT replay_runs_count_check CHECK (count >= 0),
    CONSTRAINT replay_runs_text_check CHECK (btrim(actor) <> '' AND btrim(reason) <> '')
);
-- Written once, never updated.
ALTER TABLE notify.replay_runs SET (fillfactor = 100);

-- The budget check sums a tenant's runs since the start of the month at every replay: a range
-- of this index, whatever the other tenants did.
CREATE INDEX replay_runs_tenant_idx ON notify.replay_runs (tenant_id, created_at);
