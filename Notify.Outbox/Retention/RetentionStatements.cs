namespace Notify.Outbox.Retention;

/// <summary>
/// The SQL of one cleanup batch. Each is a single statement: the rows it deletes are exactly the
/// rows it archives (<c>DELETE … RETURNING</c> feeding <c>INSERT INTO notify_archive…</c>), so
/// a crash at any point either keeps a row live or has it in the archive, never neither.
/// </summary>
internal static class RetentionStatements
{
    // The delivery statuses a worker may still act on. Everything else is final.
    private const string LiveStatuses = "('PENDING', 'SENDING', 'RETRYING')";

    // A notification's deliveries (and their attempts and receipts) are the key range from its
    // own id to this: the same id with 0xFF in the last byte (see UuidV7.LastDeliveryId).
    private const string LastDeliveryId = @"encode(overlay(uuid_send(n.id) PLACING '\xff'::bytea FROM 16), 'hex')::uuid";

    /// <summary>
    /// One batch of old notifications whose every delivery is final, with their deliveries,
    /// attempts and receipts, in id order after <c>@after</c>.
    /// </summary>
    /// <remarks>
    /// A notification with a delivery still PENDING, SENDING or RETRYING is never chosen, however
    /// old: its worker reads the notification's content when it claims, and a lease or retry may
    /// still be ahead, so deleting it would lose a message that was accepted. Kept, it is
    /// deleted by the first run after its last delivery finishes; nothing is lost by waiting.
    /// <para/>
    /// The choice is made on the statement's snapshot; a dead letter replayed to PENDING after
    /// that would still be deleted by the DELETE (which acts on the newest row version). The
    /// statement returns how many deleted deliveries were live, and the cleaner rolls the whole
    /// batch back when that is not zero: the next attempt no longer chooses that notification.
    /// <para/>
    /// The live-delivery check is a LATERAL subquery with LIMIT 1 rather than NOT EXISTS on
    /// purpose: PostgreSQL turns NOT EXISTS into an anti join, and for a generic plan chose to
    /// read every delivery of every partition to build it (2 s a batch on 600,000 deliveries);
    /// the LIMIT keeps it a probe of each candidate's primary-key range, so a batch costs the
    /// same however large the table or the backlog is.
    /// <para/>
    /// <c>id &lt; @cutoff_id</c> is the cheap part (a range of the primary key, UUIDv7 ids being
    /// time-ordered); <c>created_at &lt; @cutoff</c> is the rule itself, checked on each row found.
    /// </remarks>
    public const string NotificationsBatch = $"""
        WITH batch AS (
            SELECT n.id, {LastDeliveryId} AS last_id
            FROM notify.notifications n
            LEFT JOIN LATERAL (
                SELECT true AS live FROM notify.deliveries d
                WHERE d.id BETWEEN n.id AND {LastDeliveryId} AND d.status IN {LiveStatuses}
                LIMIT 1
            ) l ON true
            WHERE n.id > @after AND n.id < @cutoff_id AND n.created_at < @cutoff AND l.live IS NULL
            ORDER BY n.id
            LIMIT @limit
        ), gone_notifications AS (
            DELETE FROM notify.notifications n USING batch b WHERE n.id = b.id RETURNING n.*
        ), gone_deliveries AS (
            DELETE FROM notify.deliveries d USING batch b WHERE d.id BETWEEN b.id AND b.last_id RETURNING d.*
        ), gone_attempts AS (
            DELETE FROM notify.delivery_attempts a USING batch b WHERE a.delivery_id BETWEEN b.id AND b.last_id RETURNING a.*
        ), gone_receipts AS (
            DELETE FROM notify.receipt_events r USING batch b WHERE r.delivery_id BETWEEN b.id AND b.last_id RETURNING r.*
        ), archived_notifications AS (
            INSERT INTO notify_archive.notifications SELECT now(), g.* FROM gone_notifications g WHERE @archive RETURNING 1
        ), archived_deliveries AS (
            INSERT INTO notify_archive.deliveries SELECT now(), g.* FROM gone_deliveries g WHERE @archive RETURNING 1
        ), archived_attempts AS (
            INSERT INTO notify_archive.delivery_attempts SELECT now(), g.* FROM gone_attempts g WHERE @archive RETURNING 1
        ), archived_receipts AS (
            INSERT INTO notify_archive.receipt_events SELECT now(), g.* FROM gone_receipts g WHERE @archive RETURNING 1
        )
        SELECT (SELECT count(*) FROM batch), (SELECT id FROM batch ORDER BY id DESC LIMIT 1),
               (SELECT count(*) FROM gone_deliveries WHERE status IN {LiveStatuses}),
               (SELECT count(*) FROM gone_notifications), (SELECT count(*) FROM gone_deliveries),
               (SELECT count(*) FROM gone_attempts), (SELECT count(*) FROM gone_receipts),
               (SELECT count(*) FROM archived_notifications), (SELECT count(*) FROM archived_deliveries),
               (SELECT count(*) FROM archived_attempts), (SELECT count(*) FROM archived_receipts)
        """;

    /// <summary>
    /// One batch of old receipts that have no delivery: refused requests (no delivery id) and
    /// receipts naming a delivery that does not exist (unknown, or deleted by retention before
    /// the provider's last event came). Receipts of a delivery that still exists are left to go
    /// with it. By received_at, the primary-key range bounding the scan.
    /// </summary>
    public const string OrphanReceiptsBatch = """
        WITH batch AS (
            SELECT r.id
            FROM notify.receipt_events r
            WHERE r.id > @after AND r.id < @cutoff_id AND r.received_at < @cutoff
              AND (r.delivery_id IS NULL OR NOT EXISTS (SELECT 1 FROM notify.deliveries d WHERE d.id = r.delivery_id))
            ORDER BY r.id
            LIMIT @limit
        ), gone AS (
            DELETE FROM notify.receipt_events r USING batch b WHERE r.id = b.id RETURNING r.*
        ), archived AS (
            INSERT INTO notify_archive.receipt_events SELECT now(), g.* FROM gone g WHERE @archive RETURNING 1
        )
        SELECT (SELECT count(*) FROM batch), (SELECT id FROM batch ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM gone), (SELECT count(*) FROM archived)
        """;

    /// <summary>
    /// One batch of the archive purge: up to <c>@limit</c> rows archived before <c>@cutoff</c>
    /// from each archive table (found through its BRIN index on archived_at).
    /// </summary>
    public static readonly string ArchivePurgeBatch = $"""
        WITH purged_notifications AS ({Purge("notifications")}),
             purged_deliveries AS ({Purge("deliveries")}),
             purged_attempts AS ({Purge("delivery_attempts")}),
             purged_receipts AS ({Purge("receipt_events")})
        SELECT (SELECT count(*) FROM purged_notifications), (SELECT count(*) FROM purged_deliveries),
               (SELECT count(*) FROM purged_attempts), (SELECT count(*) FROM purged_receipts)
        """;

    private static string Purge(string table) =>
        $"DELETE FROM notify_archive.{table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM notify_archive.{table} WHERE archived_at < @cutoff LIMIT @limit)) RETURNING 1";
}
