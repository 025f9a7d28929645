-- Retention (Notify.Outbox/Retention/RetentionCleaner.cs): finished notifications older than
-- Notify:Retention:RetentionDays leave the live tables in short batches, copied first (same
-- statement, same transaction) into the archive below, which is purged after
-- Notify:Retention:ArchiveRetentionDays.
--
-- The deletes need no new index on the live tables: notification and receipt ids are UUIDv7,
-- so "older than the cutoff" is a range of their primary keys; a notification's deliveries and
-- attempts are the key range [id, id with 0xFF in the last byte] of their primary keys; its
-- receipts are found through receipt_events_delivery_idx. Receipts without a delivery (refused
-- requests, unknown deliveries) are found by the primary-key range too: once their neighbours
-- of the same age are gone with their notifications, that range holds little else.

CREATE SCHEMA IF NOT EXISTS notify_archive;

-- The archive: the live tables' columns as they were when the row left, after archived_at.
-- archived_at comes FIRST so the cleaner can insert `SELECT now(), deleted.*` by position: a
-- later migration that adds a column to a live table must add it to its archive table too (at
-- the end of both, which is where ADD COLUMN puts it); if it forgets, the archive insert fails
-- loudly and nothing is deleted, and RetentionTests' column check fails first.
-- No primary keys or unique constraints: a row is archived once, when it is deleted, and a
-- constraint here could only ever stop retention (say, after an operator restored a row by
-- hand and it aged out again); no foreign keys, like the live tables.
CREATE TABLE notify_archive.notifications (
    archived_at timestamptz NOT NULL DEFAULT now(),
    LIKE notify.notifications
);
CREATE TABLE notify_archive.deliveries (
    archived_at timestamptz NOT NULL DEFAULT now(),
    LIKE notify.deliveries
);
CREATE TABLE notify_archive.delivery_attempts (
    archived_at timestamptz NOT NULL DEFAULT now(),
    LIKE notify.delivery_attempts
);
CREATE TABLE notify_archive.receipt_events (
    archived_at timestamptz NOT NULL DEFAULT now(),
    LIKE notify.receipt_events
);

-- Archive rows are written once and never updated: pack pages fully.
ALTER TABLE notify_archive.notifications     SET (fillfactor = 100);
ALTER TABLE notify_archive.deliveries        SET (fillfactor = 100);
ALTER TABLE notify_archive.delivery_attempts SET (fillfactor = 100);
ALTER TABLE notify_archive.receipt_events    SET (fillfactor = 100);

-- The archive purge deletes by archived_at. Rows are appended in archived_at order, so a BRIN
-- index (a few pages for millions of rows, next to nothing per insert) finds the old ones as
-- well as a B-tree would here.
CREATE INDEX notifications_archived_at_brin     ON notify_archive.notifications     USING brin (archived_at);
CREATE INDEX deliveries_archived_at_brin        ON notify_archive.deliveries        USING brin (archived_at);
CREATE INDEX delivery_attempts_archived_at_brin ON notify_archive.delivery_attempts USING brin (archived_at);
CREATE INDEX receipt_events_archived_at_brin    ON notify_archive.receipt_events    USING brin (archived_at);

-- Looking one message up after it left the live tables (a support question about last
-- month's message): by notification id, by delivery id, and a delivery's attempts and receipts.
-- Written only by the cleaner's batches, never on the sending path.
CREATE INDEX notifications_id_idx             ON notify_archive.notifications (id);
CREATE INDEX deliveries_id_idx                ON notify_archive.deliveries (id);
CREATE INDEX delivery_attempts_delivery_idx   ON notify_archive.delivery_attempts (delivery_id);
CREATE INDEX receipt_events_delivery_idx      ON notify_archive.receipt_events (delivery_id) WHERE delivery_id IS NOT NULL;

-- Autovacuum for the tables retention now deletes from. Each run removes about one interval's
-- worth of a RetentionDays-long history (1 hour of 30 days: 0.14% of the table). At the default
-- scale factor (20% dead) a 30-day table would carry about six days of dead rows before a
-- vacuum; at 2% about half a day, and the freed space is reused by new rows instead of growing
-- the file. The higher cost limit lets that vacuum finish between runs; the same settings the
-- deliveries partitions have had since 0001.
-- delivery_attempts and receipt_events are otherwise append-only: the insert threshold keeps
-- their visibility map current (index-only scans, cheaper freezing) without waiting for 20%.
ALTER TABLE notify.notifications     SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000);
ALTER TABLE notify.delivery_attempts SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000,
                                          autovacuum_vacuum_insert_scale_factor = 0.05);
ALTER TABLE notify.receipt_events    SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000,
                                          autovacuum_vacuum_insert_scale_factor = 0.05);
