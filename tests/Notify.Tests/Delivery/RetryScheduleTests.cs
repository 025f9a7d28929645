using Notify.Delivery.Retries;

namespace Notify.Tests.Delivery;

public sealed class RetryScheduleTests
{
    [Fact]
    public void Delays_follow_the_schedule_within_the_jitter()
    {
        var random = new Random(7);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var expected = RetrySchedule.Email.Delays[attempt - 1];
            for (var i = 0; i < 200; i++)
            {
                var delay = RetrySchedule.Email.DelayAfter(attempt, RetrySchedule.Email.MaxAttempts, null, random)!.Value;
                Assert.InRange(delay, expected * 0.8, expected * 1.2);
            }
        }
    }

    [Fact]
    public void A_providers_retry_after_wins()
    {
        var delay = RetrySchedule.Sms.DelayAfter(1, 4, TimeSpan.FromSeconds(42), new Random(1));

        Assert.Equal(TimeSpan.FromSeconds(42), delay);
    }

    [Fact]
    public void No_delay_once_attempts_are_exhausted()
    {
        Assert.Null(RetrySchedule.Sms.DelayAfter(4, 4, null, new Random(1)));
        Assert.Null(RetrySchedule.Sms.DelayAfter(4, 4, TimeSpan.FromSeconds(5), new Random(1)));
    }

    [Fact]
    public void Attempts_beyond_the_list_reuse_its_last_delay()
    {
        var schedule = new RetrySchedule([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)], Jitter: 0);

        Assert.Equal(TimeSpan.FromSeconds(10), schedule.DelayAfter(5, 10, null, new Random(1)));
    }

    [Fact]
    public void Default_schedules_match_the_documented_attempt_counts()
    {
        Assert.Equal(6, RetrySchedule.Email.MaxAttempts);
        Assert.Equal(4, RetrySchedule.Sms.MaxAttempts);
        Assert.Equal(8, RetrySchedule.Webhook.MaxAttempts);
    }
}
