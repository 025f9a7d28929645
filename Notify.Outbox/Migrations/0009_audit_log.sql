-- The admin API's audit trail (issue 5): one row per admin call that passed authentication,
-- whatever became of it, refusals included (a wrong role, a bad replay signature, the rate
-- limit, a budget), so "who tried what, from where, and what happened" has one answer.
-- Written after the call by the ingress; never a secret, a token, a signature or a body.
CREATE TABLE notify.audit_log (
    -- Order of the entries: "newest first" is the primary key read backwards.
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    -- The admin JWT's `sub` and `role`, as the token said them.
    actor          text        NOT NULL,
    role           text        NOT NULL,
    -- The rpc name, e.g. ReplayDeadLetters (also for calls made over HTTP JSON).
    action         text        NOT NULL,
    -- The tenant the call concerned (a replay, a key rotation); null for calls about no one tenant.
    -- No foreign key: an entry must outlive anything it names, and a refused call may name a
    -- tenant that does not exist.
    tenant_id      uuid,
    -- text, not inet: "unknown" when the transport has no peer address (in-process hosts).
    client_address text        NOT NULL,
    -- OK or the gRPC status code name of the refusal (PERMISSION_DENIED, RESOURCE_EXHAUSTED, ...).
    outcome        text        NOT NULL,
    -- What was asked and done in a few key=value pairs, e.g. `dry_run=false count=12 key=INC-1`.
    detail         text        NOT NULL DEFAULT '',
    CONSTRAINT audit_log_text_check CHECK (btrim(actor) <> '' AND btrim(action) <> '' AND btrim(outcome) <> '')
);
-- Written once, never updated: full pages, and no room needed for HOT updates.
ALTER TABLE notify.audit_log SET (fillfactor = 100);

-- ListAuditLog's filter "only this action, newest first" without reading every other action's rows.
CREATE INDEX audit_log_action_idx ON notify.audit_log (action, id);

-- Append-only: a mistaken (or malicious) statement cannot rewrite who did what. TRUNCATE is
-- refused too, by a statement-level trigger. Removing old entries is a deliberate act by the
-- database owner (disable the trigger), never something the application can do by itself.
CREATE FUNCTION notify.audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'notify.audit_log is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON notify.audit_log
    FOR EACH ROW EXECUTE FUNCTION notify.audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON notify.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION notify.audit_log_append_only();
