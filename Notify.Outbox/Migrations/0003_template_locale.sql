-- The locale a delivery's template resolved to at ingest (pt-BR may fall back to pt or en),
-- pinned with its version: the channel process renders exactly that row at send time, even
-- if a closer locale is added later.
ALTER TABLE notify.deliveries ADD COLUMN template_locale text;
