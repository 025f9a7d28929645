-- A claim may now call more than one provider: when the first fails transiently (or its
-- circuit is open) the channel fails over to the next one within the same claim (Email:
-- SendGrid, then SMTP). Each provider is called at most once per claim, so
-- (delivery_id, lease_token, provider) names a call exactly.
ALTER TABLE notify.delivery_attempts DROP CONSTRAINT delivery_attempts_pkey;
ALTER TABLE notify.delivery_attempts ADD PRIMARY KEY (delivery_id, lease_token, provider);

-- The start of the provider's response body (webhook endpoints), for debugging a failing
-- endpoint. Truncated by the worker; never the message body.
ALTER TABLE notify.delivery_attempts ADD COLUMN response_excerpt text;
