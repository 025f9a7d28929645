-- Provider receipts (SendGrid events, Twilio status callbacks, WhatsApp statuses) as the channel
-- processes received them: the accepted ones with what they did to their delivery, and the
-- refused ones (bad signature, stale timestamp, too large…) with the reason only. Never the body.
CREATE TABLE notify.receipt_events (
    id                  uuid        PRIMARY KEY,   -- UUIDv7: time-ordered, so the index appends and retention deletes by range
    channel             text        NOT NULL,
    provider            text        NOT NULL,
    -- The provider's id for this event (SendGrid sg_event_id; Twilio's idempotency token, else
    -- MessageSid:MessageStatus; WhatsApp wamid:status). Null on refused requests: an id from a
    -- body whose signature failed is not the provider's, and must not block the real event.
    event_id            text,
    event_type          text,                      -- the provider's own name: delivered, bounce, undelivered, failed…
    kind                text,                      -- what it means for the delivery: sent, delivered, failed, info
    delivery_id         uuid,
    provider_message_id text,
    error_code          text,
    error_message       text,
    suppress_reason     text,                      -- hard_bounce, spam_report, unsubscribe, stop, marketing_opt_out
    occurred_at         timestamptz,               -- when the provider says it happened
    received_at         timestamptz NOT NULL DEFAULT now(),
    -- applied (moved its delivery), stale (the delivery was already further on), waiting (the
    -- delivery's send was still being completed: applied again shortly), informational (an
    -- event that moves nothing: open, read, deferred…), unknown_delivery, not_sent, refused.
    outcome             text        NOT NULL,
    refusal_reason      text,
    status_after        text,                      -- the delivery's status after this event
    processed_at        timestamptz
);
ALTER TABLE notify.receipt_events SET (fillfactor = 100);   -- written once; a waiting row is updated once

-- A provider retries a receipt until it gets a 2xx, and may send one twice anyway: the second
-- copy must be acknowledged and ignored. The unique key makes that the database's decision,
-- race-free across replicas.
CREATE UNIQUE INDEX receipt_events_event_key ON notify.receipt_events (provider, event_id) WHERE event_id IS NOT NULL;

-- Receipts that arrived while their delivery's send was still being completed, for the
-- channel's sweeper. Tiny: a row leaves it as soon as it is applied.
CREATE INDEX receipt_events_waiting_idx ON notify.receipt_events (channel, received_at) WHERE outcome = 'waiting';

-- Receipts of one delivery, for GetNotification and the operator looking at one message.
CREATE INDEX receipt_events_delivery_idx ON notify.receipt_events (delivery_id) WHERE delivery_id IS NOT NULL;
