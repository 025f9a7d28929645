-- Tenant isolation, defence in depth (issue 6). Every query of the tenant API already says
-- `tenant_id = <the caller's tenant>`; this makes PostgreSQL say it too, so a query that forgets
-- is answered with nothing rather than with another tenant's rows.
--
-- How: the tenant API's transactions switch to the role `notify_tenant` and name their tenants
-- in the setting `notify.tenant_ids`, both transaction-local, in one statement batched with the
-- work (`Tenants/TenantScope`: no extra round trip). Row-level security lets that role see and
-- write only rows of the tenants named. Workers, receipts, retention and the admin API keep the
-- connecting (owner) role: they are cross-tenant by design.
--
-- Why a role and not FORCE ROW LEVEL SECURITY on the owner: superusers and BYPASSRLS roles ignore
-- row security even when it is forced, and the connecting role is a superuser in the harness and
-- the AppHost (and is the migrator everywhere). `SET ROLE notify_tenant` works whatever the
-- connecting role is: the tenant role is neither superuser, nor BYPASSRLS, nor the owner. FORCE
-- would only add the owner to the roles row security applies to, and the owner must see every
-- tenant (a policy `USING (true)` for it), so it would change nothing.
--
-- Re-runnable: the role is created only when missing (also when another database of the cluster
-- creates it at the same moment), grants and ENABLE are idempotent, policies are dropped and
-- created again.

-- The role is cluster-wide; privileges and policies are per database. NOLOGIN: nobody connects
-- as it, the connecting role becomes it for one transaction, so it must be a member (a superuser
-- needs no membership; a DBA may create the role and grant it beforehand, and then the migrating
-- role needs no CREATEROLE).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'notify_tenant') THEN
        BEGIN
            CREATE ROLE notify_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;   -- created by a migration of another database meanwhile
        END;
    END IF;
    IF NOT pg_has_role(current_user, 'notify_tenant', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT notify_tenant TO %I', current_user);
        EXCEPTION WHEN unique_violation THEN
            NULL;   -- granted by a migration of another database meanwhile
        END;
    END IF;
END
$$;

-- The tenants the current transaction acts for: `notify.tenant_ids`, a comma-separated list of
-- ids (one for a tenant's own call, several for a group commit of many tenants' Sends). Unset or
-- empty: no tenant, so the policies below match no row (fail closed). A malformed list is an
-- error, not an empty list. Policies call it as `(SELECT notify.current_tenant_ids())`: an
-- uncorrelated subquery is an InitPlan, evaluated once per statement instead of once per row,
-- which keeps a 1,000-row insert's checks cheap and lets `tenant_id = ANY(...)` use indexes.
CREATE OR REPLACE FUNCTION notify.current_tenant_ids() RETURNS uuid[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(string_to_array(nullif(current_setting('notify.tenant_ids', true), ''), ',')::uuid[], '{}') $$;

-- Privileges: what the tenant API does, nothing more. No access to tenants and api_keys (the
-- key lookup happens before a tenant is known, as the owner), replay_runs, audit_log, the
-- workers' tables or the archive. Deliveries: the only update is a cancel.
GRANT USAGE ON SCHEMA notify TO notify_tenant;
GRANT SELECT, INSERT ON notify.notifications TO notify_tenant;
GRANT SELECT, INSERT ON notify.deliveries TO notify_tenant;
GRANT UPDATE (status, updated_at) ON notify.deliveries TO notify_tenant;
GRANT SELECT ON notify.delivery_attempts TO notify_tenant;
GRANT SELECT ON notify.receipt_events TO notify_tenant;
GRANT SELECT, INSERT ON notify.templates TO notify_tenant;
GRANT SELECT, INSERT, DELETE ON notify.suppressions TO notify_tenant;
-- AddSuppression's `ON CONFLICT DO UPDATE SET reason = reason` returns an existing entry.
GRANT UPDATE (reason) ON notify.suppressions TO notify_tenant;

-- Row security on every table holding a tenant's rows. Only notify_tenant has policies: any
-- other role that is not the owner (nor superuser) sees nothing in these tables.
ALTER TABLE notify.notifications     ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.deliveries        ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.delivery_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.receipt_events    ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.templates         ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.suppressions      ENABLE ROW LEVEL SECURITY;
-- No policy and no grant for the tenant role: enabled so that a grant added by mistake still
-- shows nothing.
ALTER TABLE notify.api_keys          ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.replay_runs       ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.audit_log         ENABLE ROW LEVEL SECURITY;
-- The delivery partitions: the tenant role reads them only through notify.deliveries (whose
-- policy applies) and has no grant on them; enabled for the same reason as above.
ALTER TABLE notify.deliveries_email    ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.deliveries_sms      ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.deliveries_whatsapp ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.deliveries_webhook  ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify.deliveries_push     ENABLE ROW LEVEL SECURITY;

-- One policy per table for every command: USING filters what is read, updated and deleted,
-- WITH CHECK refuses a written row of a tenant not named (an error, not a silent skip).
DROP POLICY IF EXISTS tenant_rows ON notify.notifications;
CREATE POLICY tenant_rows ON notify.notifications TO notify_tenant
    USING (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]))
    WITH CHECK (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]));

DROP POLICY IF EXISTS tenant_rows ON notify.deliveries;
CREATE POLICY tenant_rows ON notify.deliveries TO notify_tenant
    USING (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]))
    WITH CHECK (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]));

DROP POLICY IF EXISTS tenant_rows ON notify.delivery_attempts;
CREATE POLICY tenant_rows ON notify.delivery_attempts TO notify_tenant
    USING (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]));

-- Receipts carry no tenant: a receipt is visible when its delivery is (the subquery reads
-- notify.deliveries as the tenant role, so under that table's policy). Refused receipts and
-- receipts of unknown deliveries name no delivery and are never visible to a tenant.
DROP POLICY IF EXISTS tenant_rows ON notify.receipt_events;
CREATE POLICY tenant_rows ON notify.receipt_events TO notify_tenant
    USING (EXISTS (SELECT FROM notify.deliveries d WHERE d.id = receipt_events.delivery_id));

DROP POLICY IF EXISTS tenant_rows ON notify.templates;
CREATE POLICY tenant_rows ON notify.templates TO notify_tenant
    USING (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]))
    WITH CHECK (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]));

DROP POLICY IF EXISTS tenant_rows ON notify.suppressions;
CREATE POLICY tenant_rows ON notify.suppressions TO notify_tenant
    USING (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]))
    WITH CHECK (tenant_id = ANY ((SELECT notify.current_tenant_ids())::uuid[]));
