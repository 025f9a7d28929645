using System.Buffers.Binary;

namespace Notify.Outbox;

/// <summary>
/// Time-ordered UUIDs (RFC 9562 version 7) that are also strictly increasing within this
/// process: the 12 bits after the millisecond timestamp are a counter rather than random
/// (RFC 9562 §6.2, method 1). Primary keys then append to their B-tree instead of
/// splitting pages, and ordering by id is ordering by creation.
/// </summary>
public static class UuidV7
{
    private static long s_last; // (unix ms << 12) | counter of the last id handed out

    /// <summary>The most deliveries one notification can have (ids 1 to 255 in the last byte).</summary>
    public const int MaxDeliveriesPerNotification = 255;

    /// <summary>
    /// A notification id: a version 7 UUID whose last byte is zero. Its deliveries' ids are
    /// the same UUID with 1, 2, … in that byte (<see cref="DeliveryId"/>), so a notification's
    /// deliveries are one range of the deliveries' primary key, [id, <see cref="LastDeliveryId"/>],
    /// and need no index of their own on the hottest insert path.
    /// </summary>
    public static Guid NewNotificationId()
    {
        Span<byte> bytes = stackalloc byte[16];
        NewGuid().TryWriteBytes(bytes, bigEndian: true, out _);
        bytes[15] = 0;
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The id of delivery <paramref name="ordinal"/> (0-based) of a notification.</summary>
    public static Guid DeliveryId(Guid notificationId, int ordinal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ordinal, MaxDeliveriesPerNotification);
        Span<byte> bytes = stackalloc byte[16];
        notificationId.TryWriteBytes(bytes, bigEndian: true, out _);
        bytes[15] = (byte)(ordinal + 1);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The upper end of a notification's delivery-id range.</summary>
    public static Guid LastDeliveryId(Guid notificationId)
    {
        Span<byte> bytes = stackalloc byte[16];
        notificationId.TryWriteBytes(bytes, bigEndian: true, out _);
        bytes[15] = 0xFF;
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// When a version 7 id was made (its first 48 bits, unix milliseconds): for a notification
    /// id, when the ingress accepted it.
    /// </summary>
    public static DateTimeOffset Timestamp(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var unixMs = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
        return DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
    }

    /// <summary>
    /// A version 7 id made at <paramref name="at"/> (millisecond precision) with a random tail:
    /// what <see cref="NewGuid"/> would have returned then. For seeding history (tests, drills)
    /// whose ids must carry an old time, as retention's range predicates read it.
    /// </summary>
    public static Guid ForTime(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        WriteTimestamp(bytes, at);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// The smallest version 7 id of the millisecond <paramref name="at"/>: every id made at or after
    /// <paramref name="at"/> sorts at or above it, every id made before sorts below. So
    /// <c>id &lt; MinForTime(t)</c> means "made before t", an index range on a UUIDv7 key.
    /// </summary>
    public static Guid MinForTime(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        WriteTimestamp(bytes, at);
        bytes[6] = 0x70;
        bytes[8] = 0x80;
        return new Guid(bytes, bigEndian: true);
    }

    private static void WriteTimestamp(Span<byte> bytes, DateTimeOffset at)
    {
        var unixMs = at.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(unixMs, nameof(at));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(unixMs, (1L << 48) - 1, nameof(at));
        BinaryPrimitives.WriteUInt16BigEndian(bytes[4..], (ushort)unixMs);
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(unixMs >> 16));
    }

    public static Guid NewGuid()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 12;
        long next;
        long last;
        do
        {
            last = Volatile.Read(ref s_last);
            // More than 4,096 ids in one millisecond borrow from the next millisecond: the
            // timestamp runs slightly ahead but order is kept.
            next = Math.Max(now, last + 1);
        }
        while (Interlocked.CompareExchange(ref s_last, next, last) != last);

        Span<byte> bytes = stackalloc byte[16];
        // Ids must be unique, not secret (every API call is authorised by tenant), so the
        // tail comes from the fast shared PRNG: a cryptographic RNG per id cost more than
        // the rest of ingest put together.
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], Random.Shared.NextInt64());
        var millis = next >> 12;
        var counter = (ushort)(next & 0xFFF);
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (ulong)millis << 16);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[6..], (ushort)(0x7000 | counter));
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // variant 10xx
        return new Guid(bytes, bigEndian: true);
    }
}
