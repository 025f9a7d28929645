namespace Notify.Sandbox.Faults;

/// <summary>What the fault injector decided for one request; each provider renders it in its own error shape.</summary>
public abstract record FaultDecision
{
    public static readonly FaultDecision None = new NoFault();

    private FaultDecision()
    {
    }

    public sealed record NoFault : FaultDecision;

    /// <summary>Answer 429 with <c>Retry-After</c>.</summary>
    public sealed record Throttle(int RetryAfterSeconds) : FaultDecision;

    /// <summary>Answer 500.</summary>
    public sealed record ServerError : FaultDecision;

    /// <summary>Answer 503: the provider is down until <paramref name="Until"/>.</summary>
    public sealed record Outage(DateTimeOffset Until) : FaultDecision;

    /// <summary>Hang, then carry on as if nothing happened.</summary>
    public sealed record Hang(TimeSpan Duration) : FaultDecision;
}
