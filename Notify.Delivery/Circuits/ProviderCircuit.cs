using Notify.Delivery.Engine;
using Notify.Delivery.Providers;
using Notify.Outbox.Claiming;
using Polly;
using Polly.CircuitBreaker;

namespace Notify.Delivery.Circuits;

/// <summary>
/// A circuit breaker around one provider (Polly): after
/// <see cref="DeliveryWorkerOptions.CircuitFailures"/> failed calls in a row (retryable or
/// credential failures: a permanent rejection is the recipient's problem, not the
/// provider's) it opens for <see cref="DeliveryWorkerOptions.CircuitBreak"/>, then lets a
/// probe through. While it is open the worker stops claiming, so deliveries keep their
/// attempts instead of burning them against a provider that is down.
/// </summary>
public sealed class ProviderCircuit
{
    private readonly ResiliencePipeline<ProviderResult> _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly CircuitBreakerManualControl _control = new();
    private int _succeededSinceReset;
    private readonly SemaphoreSlim _resetGate = new(1, 1);
    private readonly TimeProvider _time;
    private long _breakEndsAtTicks;

    public ProviderCircuit(DeliveryWorkerOptions options, TimeProvider time)
    {
        _time = time;
        _pipeline = new ResiliencePipelineBuilder<ProviderResult> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<ProviderResult>
            {
                // Every call in the window failing, with at least N calls, is "N in a row"
                // as long as the window is longer than N calls take.
                FailureRatio = 1.0,
                MinimumThroughput = options.CircuitFailures,
                SamplingDuration = TimeSpan.FromMinutes(5),
                BreakDuration = options.CircuitBreak,
                StateProvider = _state,
                OnOpened = args =>
                {
                    Volatile.Write(ref _breakEndsAtTicks, (time.GetUtcNow() + args.BreakDuration).UtcTicks);
                    return ValueTask.CompletedTask;
                },
                ShouldHandle = args => IsFailureAsync(args.Outcome),
                ManualControl = _control,
            })
            .Build();
    }

    /// <summary>
    /// Whether a call counts as a failure. Polly's breaker opens on a failure ratio over a
    /// sampling window, so one success minutes earlier would keep the ratio below 1.0 and the
    /// circuit closed however long an outage lasts. To open after N failures <em>in a row</em>,
    /// the first failure after a success clears the window (a manual close of a closed
    /// circuit only resets its counts), leaving only the current streak in it.
    /// </summary>
    /// <remarks>
    /// Calls run concurrently, so failures are decided one at a time: a failure that clears
    /// the window must finish clearing before the next failure is counted, or the clear would
    /// erase failures of the new streak and the circuit would need more than N to open.
    /// </remarks>
    private async ValueTask<bool> IsFailureAsync(Outcome<ProviderResult> outcome)
    {
        var failed = outcome switch
        {
            { Exception: not null } => true,
            { Result.Outcome: ProviderOutcome.Retryable or ProviderOutcome.Credentials } => true,
            _ => false,
        };
        if (!failed)
        {
            Volatile.Write(ref _succeededSinceReset, 1);
            return false;
        }
        await _resetGate.WaitAsync();
        try
        {
            if (Interlocked.Exchange(ref _succeededSinceReset, 0) == 1 && _state.CircuitState == CircuitState.Closed)
            {
                await _control.CloseAsync();
            }
        }
        finally
        {
            _resetGate.Release();
        }
        return true;
    }

    /// <summary>
    /// Open: do not claim. Polly moves an open circuit to half-open only when a call is
    /// attempted, and a worker that stops claiming attempts none, so "open" here ends with
    /// the break: then a claim is made and its first call is the probe.
    /// </summary>
    public bool IsOpen => _state.CircuitState switch
    {
        CircuitState.Isolated => true,
        CircuitState.Open => _time.GetUtcNow().UtcTicks < Volatile.Read(ref _breakEndsAtTicks),
        _ => false,
    };

    /// <summary>When an open circuit lets its next probe through.</summary>
    public DateTime BreakEndsAt => new(Volatile.Read(ref _breakEndsAtTicks), DateTimeKind.Utc);

    public string State => _state.CircuitState.ToString().ToLowerInvariant();

    /// <summary>
    /// Calls the provider through the breaker; null when the circuit refused the call
    /// (it opened while this batch was in flight).
    /// </summary>
    public async Task<ProviderResult?> SendAsync(IDeliveryProvider provider, ClaimedDelivery delivery, Notify.Grpc.V1.Content content, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (state, token) => await SendThroughAsync(state.provider, state.delivery, state.content, token),
                (provider, delivery, content), cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            return null;
        }
    }

    /// <summary>
    /// Calls the provider. An HTTP client's own resilience layer (a standard handler's
    /// breaker or attempt timeout) surfaces as Polly exceptions; they are the provider being
    /// unwell, not this circuit refusing the call, so they become retryable answers here.
    /// </summary>
    private static async ValueTask<ProviderResult> SendThroughAsync(IDeliveryProvider provider, ClaimedDelivery delivery,
        Notify.Grpc.V1.Content content, CancellationToken cancellationToken)
    {
        try
        {
            return await provider.SendAsync(delivery, content, cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            return new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "HTTP_CIRCUIT_OPEN",
                ErrorMessage: $"The HTTP client's circuit for {provider.Name} is open.");
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            return new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "TIMEOUT",
                ErrorMessage: $"The HTTP client timed out calling {provider.Name}.");
        }
    }
}
