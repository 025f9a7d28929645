-- Channel controls: an operator pauses and resumes a whole channel, or one provider of a
-- channel, on every replica at once. The state lives in the database (not in a process, not
-- in Redis) because it must survive restarts and deploys: a replica that starts while its
-- channel is paused reads this table before its first claim and stays paused.
--
-- One row per (channel, provider). provider = '' is the whole channel: a primary key cannot
-- hold NULL, and '' is no provider's name. The channel row and the provider rows are
-- independent: resuming the channel does not resume a provider paused on its own.
-- A resume keeps the row (paused = false) with who resumed it and why, so "what happened
-- last" is one lookup; the full story is in channel_control_events.
CREATE TABLE notify.channel_controls (
    channel     text        NOT NULL,
    provider    text        NOT NULL DEFAULT '',
    paused      boolean     NOT NULL,
    -- When the current pause began; a second pause of a paused control keeps it (the
    -- outage is as old as the first pause), a resume clears it.
    paused_at   timestamptz,
    -- The last action's reason and actor (the store requires both, trimmed and non-empty).
    reason      text        NOT NULL,
    actor       text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, provider),
    -- The store validates names first with a precise message; these keep a hand-written
    -- UPDATE from storing a state the workers would misread.
    CONSTRAINT channel_controls_channel_check CHECK (channel IN ('email', 'sms', 'whatsapp', 'webhook', 'push')),
    CONSTRAINT channel_controls_paused_at_check CHECK (paused = (paused_at IS NOT NULL)),
    CONSTRAINT channel_controls_reason_check CHECK (btrim(reason) <> '' AND btrim(actor) <> '')
);
-- Every channel process reads its channel's rows every ≤ 2 s: a primary-key prefix scan of
-- a handful of rows. The table is tiny and rarely written, so no other index and no tuning.

-- What was done, by whom, when and why: one row per accepted pause or resume, written in the
-- same statement as the change, so the history can never disagree with the state. Append-only:
-- the trigger below refuses UPDATE and DELETE, so a mistaken statement cannot rewrite who did
-- what. (The admin API's audit_log records the request as well; this is the control's own
-- history, kept even for changes made without the API, e.g. by notifyctl against the database.)
CREATE TABLE notify.channel_control_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,   -- order of the changes
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    action      text        NOT NULL,
    channel     text        NOT NULL,
    provider    text        NOT NULL,    -- '' for the whole channel, as in channel_controls
    reason      text        NOT NULL,
    -- The state before this action: a pause of something already paused (or a resume of
    -- something running) is recorded too, because someone asked for it, but it changed nothing.
    was_paused  boolean     NOT NULL,
    CONSTRAINT channel_control_events_action_check CHECK (action IN ('pause', 'resume'))
);
ALTER TABLE notify.channel_control_events SET (fillfactor = 100);   -- written once, never updated

-- "The last changes of this channel" (notifyctl, the admin API) without reading everyone's.
CREATE INDEX channel_control_events_channel_idx ON notify.channel_control_events (channel, id);

CREATE FUNCTION notify.channel_control_events_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'notify.channel_control_events is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER channel_control_events_append_only
    BEFORE UPDATE OR DELETE ON notify.channel_control_events
    FOR EACH ROW EXECUTE FUNCTION notify.channel_control_events_append_only();
