using Notify.Outbox;

namespace Notify.Tests.Outbox;

public sealed class UuidV7Tests
{
    [Fact]
    public void Ids_are_version_7_and_strictly_increasing_in_database_order()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => UuidV7.NewGuid()).ToList();

        Assert.All(ids, id => Assert.Equal(7, id.Version));
        // PostgreSQL compares uuids byte by byte in RFC order (big-endian).
        var keys = ids.Select(id => Convert.ToHexString(id.ToByteArray(bigEndian: true))).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void A_notifications_delivery_ids_lie_in_its_key_range_and_no_other()
    {
        var first = UuidV7.NewNotificationId();
        var second = UuidV7.NewNotificationId();

        static string Key(Guid id) => Convert.ToHexString(id.ToByteArray(bigEndian: true));
        var deliveries = Enumerable.Range(0, 24).Select(i => UuidV7.DeliveryId(first, i)).ToList();

        Assert.All(deliveries, d => Assert.InRange(Key(d), Key(first), Key(UuidV7.LastDeliveryId(first)), StringComparer.Ordinal));
        Assert.True(string.CompareOrdinal(Key(UuidV7.LastDeliveryId(first)), Key(second)) < 0);
        Assert.Equal(24, deliveries.Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => UuidV7.DeliveryId(first, UuidV7.MaxDeliveriesPerNotification));
    }

    [Fact]
    public void A_notification_id_tells_when_it_was_made()
    {
        var before = DateTimeOffset.UtcNow.AddMilliseconds(-1);
        var id = UuidV7.NewNotificationId();
        var after = DateTimeOffset.UtcNow.AddMilliseconds(1);

        var made = UuidV7.Timestamp(id);

        Assert.InRange(made, before.AddMilliseconds(-1), after);
        Assert.Equal(made, UuidV7.Timestamp(UuidV7.DeliveryId(id, 3)));
    }
}
