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
    private readonly TimeProvider _time;
    private long _breakEndsAtTicks;

    public ProviderCircuit(DeliveryWorkerOptions options, TimeProvider time)
    {
        _time = time;
        _pipeline = new ResiliencePipelineBuilder<ProviderResult> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<ProviderResult>
            {
                // Every call in the window failing, with at least N calls, is "N in a row"
                // because each success clears the window (see SendAsync) and the window is
                // longer than N calls take.
                FailureRatio = 1.0,
                MinimumThroughput = options.CircuitFailures,
                SamplingDuration = TimeSpan.FromMinutes(5),
                BreakDuration = options.CircuitBreak,
                StateProvider = _state,
                ManualControl = _control,
                OnOpened = args =>
                {
                    Volatile.Write(ref _breakEndsAtTicks, (time.GetUtcNow() + args.BreakDuration).UtcTicks);
                    return ValueTask.CompletedTask;
                },
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null || IsFailure(args.Outcome.Result)),
            })
            .Build();
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
        ProviderResult result;
        try
        {
            result = await _pipeline.ExecuteAsync(
                static async (state, token) => await state.provider.SendAsync(state.delivery, state.content, token),
                (provider, delivery, content), cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            return null;
        }
        if (!IsFailure(result) && _state.CircuitState == CircuitState.Closed)
        {
            // Polly judges a failure ratio over its sampling window, so minutes of earlier
            // successes would keep a provider that just went down from ever reaching 100 %.
            // Closing again (a no-op but for clearing the window) after each success makes
            // the window hold only the failures since the last success: N failures in a row.
            await _control.CloseAsync(CancellationToken.None);
        }
        return result;
    }

    private static bool IsFailure(ProviderResult? result) => result?.Outcome is ProviderOutcome.Retryable or ProviderOutcome.Credentials;
}
