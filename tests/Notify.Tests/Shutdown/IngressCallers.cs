using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Notify.Grpc.V1;

namespace Notify.Tests.Shutdown;

/// <summary>
/// Several clients sending to the ingress at once, as a real client does: every notification
/// has its idempotency key, and a call that fails with UNAVAILABLE, a deadline or a broken
/// connection is sent again, same keys, until it is answered OK. Any other error ends the run.
/// The callers keep sending until the server has been signalled and each of them has had a few
/// calls answered that it started after the signal, so the load spans the signal however fast
/// the machine is.
/// </summary>
public sealed class IngressCallers(Uri ingress, Metadata apiKey, Func<int, SendRequest> request) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(ingress);
    private readonly ConcurrentDictionary<string, SendResponse> _accepted = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _spanningSignal = new();
    private int _answered;
    private int _replayed;
    private int _next;
    private int _inFlight;
    private int _callsAfterSignal;
    private long _signalAt = long.MaxValue;

    /// <summary>Each idempotency key answered OK, with the answer.</summary>
    public IReadOnlyDictionary<string, SendResponse> Accepted => _accepted;

    /// <summary>Every failed call before its retry, as "STATUS (what failed)".</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Calls answered OK so far.</summary>
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>Notifications answered as replays: a retried call whose first try had committed.</summary>
    public int Replayed => Volatile.Read(ref _replayed);

    /// <summary>Calls sent and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>How the calls in flight when <see cref="SignalSent"/> was called ended: "OK", "OK (replayed)" or the error.</summary>
    public IReadOnlyCollection<string> SpanningSignal => _spanningSignal;

    /// <summary>Marks the moment the server was signalled, to tell which calls it caught mid-flight.</summary>
    public void SignalSent() => Volatile.Write(ref _signalAt, System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>Notifications per SendBatch call: big enough that a call spends a while in the server (a group commit of its own).</summary>
    public const int BatchSize = 20;

    /// <summary>Notifications the callers made (each with its own idempotency key), answered or not.</summary>
    public int Issued => Volatile.Read(ref _next);

    /// <summary>Calls answered OK that were started after <see cref="SignalSent"/>, by all callers.</summary>
    public int AnsweredAfterSignal => Volatile.Read(ref _callsAfterSignal);

    /// <summary>
    /// Runs <paramref name="callers"/> clients, Send and SendBatch taking turns, until the signal
    /// is sent and each client has had <paramref name="callsAfterSignal"/> calls answered that it
    /// started after it.
    /// </summary>
    public Task RunAsync(int callers, int callsAfterSignal, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() => CallerAsync(callsAfterSignal, cancellationToken), cancellationToken)));

    private async Task CallerAsync(int callsAfterSignal, CancellationToken cancellationToken)
    {
        var client = new NotifyService.NotifyServiceClient(_channel);
        var answeredAfterSignal = 0;
        for (var call = 0; answeredAfterSignal < callsAfterSignal; call++)
        {
            var startedAfterSignal = Volatile.Read(ref _signalAt) != long.MaxValue;
            var items = Enumerable.Range(0, call % 2 == 0 ? 1 : BatchSize).Select(_ => request(Interlocked.Increment(ref _next))).ToList();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                Interlocked.Increment(ref _inFlight);
                List<SendResponse> answers;
                try
                {
                    answers = await CallAsync(client, items, cancellationToken);
                }
                catch (RpcException e) when (IsRetryable(e))
                {
                    var error = $"{e.StatusCode} ({e.Status.DebugException?.GetType().Name ?? e.Status.Detail})";
                    Ended(started, error);
                    _errors.Enqueue(error);
                    await Task.Delay(100, cancellationToken);
                    continue;
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
                for (var i = 0; i < items.Count; i++)
                {
                    _accepted[items[i].IdempotencyKey] = answers[i];
                }
                var replayed = answers.Count(a => a.Replayed);
                Interlocked.Add(ref _replayed, replayed);
                Interlocked.Increment(ref _answered);
                Ended(started, replayed > 0 ? "OK (replayed)" : "OK");
                if (startedAfterSignal)
                {
                    answeredAfterSignal++;
                    Interlocked.Increment(ref _callsAfterSignal);
                }
                break;
            }
        }
    }

    private async Task<List<SendResponse>> CallAsync(NotifyService.NotifyServiceClient client, List<SendRequest> items, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        if (items.Count == 1)
        {
            return [await client.SendAsync(items[0], apiKey, deadline, cancellationToken)];
        }
        var batch = await client.SendBatchAsync(new SendBatchRequest { Notifications = { items } }, apiKey, deadline, cancellationToken);
        return [.. batch.Results.OrderBy(r => r.Index).Select(r => r.Accepted ?? throw new InvalidOperationException($"item {r.Index} refused: {r.Error}"))];
    }

    private void Ended(long started, string outcome)
    {
        var signalAt = Volatile.Read(ref _signalAt);
        if (started < signalAt && System.Diagnostics.Stopwatch.GetTimestamp() >= signalAt)
        {
            _spanningSignal.Enqueue(outcome);
        }
    }

    /// <summary>What a client retries with the same keys: the server was away or went away mid-call.</summary>
    private static bool IsRetryable(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || (e.StatusCode is StatusCode.Internal or StatusCode.Unknown && e.Status.DebugException is HttpRequestException or IOException);

    public void Dispose() => _channel.Dispose();
}
