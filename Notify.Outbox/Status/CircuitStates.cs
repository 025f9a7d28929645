namespace Notify.Outbox.Status;

/// <summary>
/// A provider-wide circuit as the status shows it (<c>notify.workers.circuits</c>, the admin
/// API's <c>CircuitStatus.state</c>): <see cref="Closed"/> calls go through; <see cref="Open"/>
/// calls are refused until the break ends; <see cref="HalfOpen"/> the break is over and the next
/// call is the probe that closes or reopens it.
/// </summary>
public static class CircuitStates
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half_open";
}

/// <summary>One provider's circuit in a worker's heartbeat.</summary>
public sealed record CircuitReading(string Provider, string State);
