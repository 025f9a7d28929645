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

    [Fact]
    public void An_id_for_a_past_time_carries_that_time_and_sorts_between_its_millisecond_bounds()
    {
        var at = new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

        var ids = Enumerable.Range(0, 1_000).Select(_ => UuidV7.ForTime(at)).ToList();

        static string Key(Guid id) => Convert.ToHexString(id.ToByteArray(bigEndian: true));
        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.All(ids, id => Assert.Equal(0x80, id.ToByteArray(bigEndian: true)[8] & 0xC0));
        Assert.All(ids, id => Assert.Equal(at, UuidV7.Timestamp(id)));
        Assert.Equal(1_000, ids.Distinct().Count());
        var floor = Key(UuidV7.MinForTime(at));
        var next = Key(UuidV7.MinForTime(at.AddMilliseconds(1)));
        Assert.All(ids, id => Assert.InRange(Key(id), floor, next, StringComparer.Ordinal));
        Assert.All(ids, id => Assert.NotEqual(next, Key(id)));
        Assert.Equal(at, UuidV7.Timestamp(UuidV7.MinForTime(at)));
    }

    [Fact]
    public void Ids_made_now_sort_above_the_floor_of_an_earlier_time_and_below_a_later_one()
    {
        var id = UuidV7.NewNotificationId();

        static string Key(Guid g) => Convert.ToHexString(g.ToByteArray(bigEndian: true));
        Assert.True(string.CompareOrdinal(Key(UuidV7.MinForTime(DateTimeOffset.UtcNow.AddDays(-30))), Key(id)) < 0);
        Assert.True(string.CompareOrdinal(Key(id), Key(UuidV7.MinForTime(DateTimeOffset.UtcNow.AddSeconds(1)))) < 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => UuidV7.ForTime(DateTimeOffset.UnixEpoch.AddDays(-1)));
    }
}
