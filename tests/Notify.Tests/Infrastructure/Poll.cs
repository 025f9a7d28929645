namespace Notify.Tests.Infrastructure;

/// <summary>Waits for something a background worker or process does, checking every 50 ms.</summary>
public static class Poll
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails the test if it does not within <paramref name="within"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {within.TotalSeconds} s.");
            await Task.Delay(50);
        }
    }
}
