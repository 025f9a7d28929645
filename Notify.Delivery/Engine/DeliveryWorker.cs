using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notify.Delivery.Circuits;
using Notify.Delivery.Content;
using Notify.Delivery.Controls;
using Notify.Delivery.Providers;
using Notify.Delivery.RateLimiting;
using Notify.Delivery.Retries;
using Notify.Delivery.Telemetry;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Outbox.Controls;
using Npgsql;

namespace Notify.Delivery.Engine;

/// <summary>
/// The claim loop of one channel: wakes on the ingress's NOTIFY (polling as a fallback),
/// claims a batch under a lease, sends with bounded concurrency, and writes every outcome
/// back in one statement guarded by the lease tokens. On shutdown it stops claiming, lets
/// in-flight calls finish within <see cref="DeliveryWorkerOptions.ShutdownTimeout"/>, and
/// gives back the leases of deliveries it had not started.
/// </summary>
public sealed partial class DeliveryWorker(
    DeliveryStore store,
    NpgsqlDataSource dataSource,
    IEnumerable<IDeliveryProvider> providers,
    IContentResolver contentResolver,
    RetrySchedule schedule,
    IOptions<DeliveryWorkerOptions> options,
    TimeProvider time,
    ILogger<DeliveryWorker> logger,
    RedisRateLimiter? limiter = null) : BackgroundService
{
    private readonly DeliveryWorkerOptions _options = options.Value;
    // In failover order: the first whose circuit is closed gets the call; a transient failure
    // moves on to the next within the same claim.
    private readonly (IDeliveryProvider Provider, ProviderCircuits Circuits)[] _providers =
        [.. providers.Select(p => (p, new ProviderCircuits(p.Name, options.Value, time)))];
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly string _deliverSpanName = DeliveryTracing.DeliverSpanName(options.Value.Channel);
    private readonly Random _jitter = new();
    private readonly RateWaitLines _rateLines = new();
    // While the database is away: logged once, and every loop backs off (see StoreOutage).
    private readonly StoreOutage _outage = new(options.Value.PollInterval);
    // Cancelled once shutdown's time is up: ends the retries of outcome writes (see WithStoreRetriesAsync).
    private readonly CancellationTokenSource _abandon = new();
    // Pause and resume of the channel or one provider, read from the database on every replica.
    private readonly ChannelControlWatcher _controls = new(new ChannelControlStore(dataSource), dataSource, options.Value.Channel,
        [.. providers.Select(p => p.Name)], options.Value.ControlsInterval, logger);

    /// <summary>
    /// With a provider rate, a claim takes at most what the rate sends in this long. Rows beyond
    /// it would only wait in SENDING for the limiter (or be handed back once the wait outgrew
    /// the lease), held by this worker and shown as in flight when they are not: at SMS's 1/s a
    /// claim of 100 kept rows SENDING for minutes.
    /// </summary>
    private static readonly TimeSpan RateClaimHorizon = TimeSpan.FromSeconds(5);

    private readonly int _claimSize = ClaimSize(options.Value);
    private readonly int _maxClaimSize = MaxClaimSize(options.Value);
    private readonly int _batchesInFlight = BatchesInFlight(options.Value);

    /// <summary>How many deliveries one claim takes: <see cref="DeliveryWorkerOptions.BatchSize"/>, or fewer under a slow rate.</summary>
    public static int ClaimSize(DeliveryWorkerOptions options) => options.RatePerSecond > 0
        ? (int)Math.Clamp(Math.Ceiling(options.RatePerSecond * RateClaimHorizon.TotalSeconds) + options.RateBurst, 1, options.BatchSize)
        : options.BatchSize;

    /// <summary>The most one claim takes while the backlog is deep (<see cref="DeliveryWorkerOptions.MaxClaimBatches"/>); no growth under a rate.</summary>
    public static int MaxClaimSize(DeliveryWorkerOptions options) => options.RatePerSecond > 0
        ? ClaimSize(options)
        : options.BatchSize * options.MaxClaimBatches;

    /// <summary>
    /// Claims open at once (<see cref="DeliveryWorkerOptions.BatchesInFlight"/>); at most two under
    /// a rate, where each claim already holds what the rate sends in 5 s and more would only hold
    /// leases on deliveries that wait.
    /// </summary>
    public static int BatchesInFlight(DeliveryWorkerOptions options) => options.RatePerSecond > 0
        ? Math.Min(options.BatchesInFlight, RateBatchesInFlight)
        : options.BatchesInFlight;

    private const int RateBatchesInFlight = 2;

    /// <summary>The next claim's size: doubled (up to the most) after a claim that came back full, one batch after one that did not.</summary>
    public static int NextClaimSize(int current, int claimed, int first, int most)
        => claimed < current ? first : Math.Min(current * 2, most);

    /// <summary>How often a write of outcomes the database refuses (not a transient error) is tried before it is left to the reaper.</summary>
    private const int PermanentErrorTries = 5;

    /// <summary>The most outcomes one completion statement writes.</summary>
    private const int MaxOutcomesPerWrite = 1_000;

    /// <summary>
    /// How long the outcome writer waits for more when fewer than a batch are waiting and sends
    /// are still running. At 4,000 HTTP sends a second, writing each handful at once cost
    /// PostgreSQL 83–115 ms per 1,000 deliveries instead of 50–60 (each statement is planned,
    /// and its fixed cost fell on a few rows); 20 ms gathers ~80.
    /// </summary>
    private static readonly TimeSpan OutcomeLinger = TimeSpan.FromMilliseconds(20);

    // Outcomes waiting to be written, from every open claim (see WriteOutcomesAsync).
    private readonly Channel<PendingOutcome> _outcomes = Channel.CreateUnbounded<PendingOutcome>(new UnboundedChannelOptions { SingleReader = true });
    // How many wait in _outcomes (a single-reader channel cannot count), and how many sends are running.
    private int _outcomesWaiting;
    private int _sending;

    /// <summary>How long a delivery that only paused providers serve is handed back for (the channel's other deliveries keep going).</summary>
    private static readonly TimeSpan PausedProviderRecheck = TimeSpan.FromSeconds(10);

    // SIGTERM: deliveries still waiting for the rate limit are handed back instead of sent.
    private CancellationToken _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        using var observed = DeliveryMetrics.Observe(_options.Channel,
            [.. _providers.Select(p => (p.Provider.Name, (Func<string>)(() => p.Circuits.ProviderWide.State)))],
            limiter is null ? null : () => limiter.UsingFallback);
        var listening = ListenAsync(stoppingToken);
        var reaping = ReapAsync(stoppingToken);
        var watching = _controls.RunAsync(WakeUp, stoppingToken);
        // One budget of concurrent sends for every open batch: the next batch's deliveries
        // start as slots free up, not after the slowest call of the previous batch.
        using var slots = new SemaphoreSlim(_options.MaxConcurrency);
        // Batches claimed whose outcomes are not written yet, oldest first. The next claim
        // goes out as soon as a batch has been handed to the senders, so claiming, sending
        // and completing overlap instead of taking turns; at most _batchesInFlight are open.
        var open = new Queue<Task>();
        var writing = WriteOutcomesAsync();
        var claimSize = _claimSize;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                while (open.Count > 0 && (open.Count >= _batchesInFlight || open.Peek().IsCompleted))
                {
                    await open.Dequeue();
                }
                if (NothingCanSend)
                {
                    // Every provider is down or paused (or the channel is): leave the rows in
                    // the table, attempts untouched.
                    await WaitForWorkAsync(stoppingToken);
                    continue;
                }
                IReadOnlyList<ClaimedDelivery> claimed;
                try
                {
                    claimed = await store.ClaimAsync(_options.Channel, _options.WorkerId, claimSize, _options.Lease, stoppingToken);
                    StoreReachable();
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    await WaitForWorkAsync(stoppingToken, StoreFailed(ex));
                    continue;
                }
                var asked = claimSize;
                claimSize = NextClaimSize(asked, claimed.Count, _claimSize, _maxClaimSize);
                if (claimed.Count == 0)
                {
                    await WaitForWorkAsync(stoppingToken);
                    continue;
                }
                open.Enqueue(await DispatchAsync(claimed, slots, stoppingToken));
                if (claimed.Count < asked)
                {
                    // The claim took everything that was due: rather than ask again at once
                    // (and mostly find nothing), wait for the next commit's wake-up or the poll.
                    await WaitForWorkAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // In-flight calls finish (each within its call timeout) and their outcomes are written.
        await Task.WhenAll(open);
        _outcomes.Writer.TryComplete();
        await writing;
        await Task.WhenAll(listening, reaping, watching);
    }

    /// <summary>
    /// Starts the claimed deliveries as send slots free up and returns once every one has
    /// started (or shutdown stopped the rest); the returned task completes the claim: it ends
    /// once every outcome is written (see <see cref="WriteOutcomesAsync"/>) and the deliveries
    /// shutdown kept from starting are released.
    /// </summary>
    private async Task<Task> DispatchAsync(IReadOnlyList<ClaimedDelivery> claimed, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        var unstarted = new List<ClaimedDelivery>();
        var inFlight = new List<Task>(claimed.Count);
        for (var i = 0; i < claimed.Count; i++)
        {
            var delivery = claimed[i];
            try
            {
                await slots.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                unstarted.AddRange(claimed.Skip(i));
                break;
            }
            inFlight.Add(Task.Run(async () =>
            {
                DeliveryCompletion completion;
                Interlocked.Increment(ref _sending);
                // Current for everything this delivery does, so each provider call's span is its child.
                using (var span = DeliveryTracing.StartDelivery(_deliverSpanName, delivery))
                {
                    try
                    {
                        completion = Recorded(delivery, await DeliverOneAsync(delivery));
                    }
                    catch (Exception ex)
                    {
                        // A fault in one delivery (a provider bug, unreadable content) must not
                        // take the batch or the worker down: retry it on the schedule like any
                        // transient failure, and say which delivery it was.
                        LogDeliveryFault(logger, _options.Channel, delivery.Id, ex.GetType().Name);
                        var now = time.GetUtcNow().UtcDateTime;
                        var wait = schedule.DelayAfter(delivery.AttemptNumber, delivery.MaxAttempts, null, _jitter);
                        completion = new DeliveryCompletion(delivery.Id, delivery.TenantId, delivery.LeaseToken,
                            wait is null ? DeliveryStatuses.Dead : DeliveryStatuses.Retrying, now + (wait ?? TimeSpan.Zero), null, null,
                            "INTERNAL_ERROR", ex.GetType().Name,
                            [new AttemptRecord(delivery.AttemptNumber, _options.WorkerId, "notify", now, 0, "retryable", null, "INTERNAL_ERROR", ex.GetType().Name, null)]);
                    }
                    finally
                    {
                        // The next delivery may start while this outcome waits to be written.
                        Interlocked.Decrement(ref _sending);
                        slots.Release();
                    }
                    DeliveryTracing.Completed(span, completion.Status, completion.Provider, completion.ErrorCode);
                }
                var pending = new PendingOutcome(completion);
                // Unbounded and completed only after every claim has ended: the write cannot fail.
                Interlocked.Increment(ref _outcomesWaiting);
                _outcomes.Writer.TryWrite(pending);
                await pending.Written.Task;
            }, CancellationToken.None));
        }
        return CompleteClaimAsync(inFlight, unstarted);
    }

    /// <summary>Waits until a claim's outcomes are written, and gives back what shutdown kept from starting.</summary>
    private async Task CompleteClaimAsync(List<Task> inFlight, List<ClaimedDelivery> unstarted)
    {
        // In-flight calls are not cancelled by shutdown: each has its own call timeout,
        // and abandoning a call the provider may have accepted would only cause a duplicate.
        await Task.WhenAll(inFlight);
        if (unstarted.Count > 0)
        {
            var (released, refused) = await WithStoreRetriesAsync(() => store.ReleaseAsync(_options.Channel, unstarted, CancellationToken.None));
            if (refused is not null)
            {
                LogWriteRefused(logger, _options.Channel, refused);
            }
            LogReleased(logger, _options.Channel, released);
        }
    }

    /// <summary>
    /// Writes outcomes as sends end, with group commit: one statement takes every outcome that
    /// is waiting (up to <see cref="MaxOutcomesPerWrite"/>; when fewer than a batch wait while
    /// sends are running, after <see cref="OutcomeLinger"/>), and outcomes that end while it
    /// runs wait for the next. Under a backlog a statement carries hundreds of rows (its fixed
    /// cost spread over them); when sends are slow each outcome is written within about
    /// <see cref="OutcomeLinger"/> of its send's end, so a status is never held back by the
    /// slowest send of its claim, and a worker killed mid-claim has little sent and not yet
    /// recorded. One outcome the database refuses
    /// for good (a bug) must not take the others with it: a refused group is written again one
    /// outcome at a time.
    /// </summary>
    private async Task WriteOutcomesAsync()
    {
        var reader = _outcomes.Reader;
        var group = new List<PendingOutcome>(MaxOutcomesPerWrite);
        var completions = new List<DeliveryCompletion>(MaxOutcomesPerWrite);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            if (Volatile.Read(ref _outcomesWaiting) < _options.BatchSize && Volatile.Read(ref _sending) > 0)
            {
                // Fewer than a batch waiting while sends are still running: they are ending one
                // by one (a provider taking its time). Let a few more end, so statements carry
                // tens of rows rather than a few each. When nothing is being sent, nothing more
                // is coming soon: write at once.
                await Task.Delay(OutcomeLinger, time);
            }
            group.Clear();
            completions.Clear();
            while (group.Count < MaxOutcomesPerWrite && reader.TryRead(out var pending))
            {
                Interlocked.Decrement(ref _outcomesWaiting);
                group.Add(pending);
                completions.Add(pending.Completion);
            }
            try
            {
                if (!await WriteAsync(completions, group.Count == 1 ? PermanentErrorTries : 1))
                {
                    // Once each, without the back-off: a refusal is the statement's own doing and
                    // repeats, and a fault that refuses every row must not hold the writer for
                    // five backed-off tries per outcome.
                    foreach (var completion in completions)
                    {
                        await WriteAsync([completion], refusals: 1);
                    }
                }
            }
            catch (Exception ex)
            {
                // Not a database answer (a bug): the rows stay SENDING for the reaper, and the
                // claims waiting on them must still end, or the worker would stop claiming.
                LogWriteRefused(logger, _options.Channel, ex.GetType().Name);
            }
            foreach (var pending in group)
            {
                pending.Written.TrySetResult();
            }
        }
    }

    /// <summary>One completion statement with its retries; false when the database refused it (not when shutdown abandoned it).</summary>
    private async Task<bool> WriteAsync(List<DeliveryCompletion> completions, int refusals)
    {
        var (written, refused) = await WithStoreRetriesAsync(() => store.CompleteAsync(_options.Channel, completions, CancellationToken.None), refusals);
        if (refused is not null)
        {
            if (completions.Count == 1)
            {
                LogWriteRefused(logger, _options.Channel, refused);
            }
            return false;
        }
        if (written is not null && written.Count < completions.Count)
        {
            LogFenced(logger, _options.Channel, completions.Count - written.Count);
        }
        return true;
    }

    /// <summary>
    /// Retries a write of outcomes until the database takes it, backing off as every loop does
    /// while it is away (<see cref="StoreOutage"/>). Giving up would cost a duplicate: the
    /// provider has these messages, and a row left SENDING is reaped once its lease expires and
    /// sent again. Retrying is safe and bounded: nothing is claimed while the database is away,
    /// so at most <see cref="DeliveryWorkerOptions.BatchesInFlight"/> claims wait here, and the
    /// write is taken as long as the rows are still SENDING under this worker's lease tokens,
    /// which holds until a reaper runs after the lease expired. So an outage shorter than the
    /// lease costs no duplicate. Only shutdown ends the retries, after its timeout; then the
    /// rows are reaped like a crashed worker's. An error that is not transient (the statement
    /// itself is refused: a bug) is tried <paramref name="refusals"/> times and then left to the
    /// reaper (its SQLSTATE returned), so it cannot stall the channel behind a write that will
    /// never be taken.
    /// </summary>
    private async Task<(T? Written, string? Refused)> WithStoreRetriesAsync<T>(Func<Task<T>> write, int refusals = PermanentErrorTries)
    {
        for (var refused = 0; ; )
        {
            try
            {
                var written = await write();
                StoreReachable();
                return (written, null);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                if (ex is NpgsqlException { IsTransient: false } && ++refused >= refusals)
                {
                    return (default, (ex as PostgresException)?.SqlState ?? ex.GetType().Name);
                }
                var wait = StoreFailed(ex);
                try
                {
                    await Task.Delay(wait, time, _abandon.Token);
                }
                catch (OperationCanceledException)
                {
                    return (default, null);
                }
            }
        }
    }

    /// <summary>An outcome waiting for <see cref="WriteOutcomesAsync"/>; <see cref="Written"/> ends once it is written or left to the reaper.</summary>
    private sealed class PendingOutcome(DeliveryCompletion completion)
    {
        public DeliveryCompletion Completion { get; } = completion;

        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Each provider's circuits as they stand now, in failover order (for the detailed health view).</summary>
    public IReadOnlyList<ProviderCircuitState> Circuits => [.. _providers.Select(p => ProviderCircuitState.Of(p.Provider.Name, p.Circuits))];

    /// <summary>The channel's controls as this worker last read them (for the detailed health view).</summary>
    public PauseState Pauses => _controls.State;

    /// <summary>
    /// False while the worker has stopped claiming: the channel is paused (or its controls are not
    /// read yet), or every provider is paused or has its provider-wide circuit open.
    /// </summary>
    public bool IsClaiming => !NothingCanSend;

    private bool NothingCanSend
    {
        get
        {
            var pauses = _controls.State;
            if (!pauses.Known || pauses.ChannelPaused)
            {
                return true;
            }
            foreach (var (provider, circuits) in _providers)
            {
                if (!circuits.ProviderWide.IsOpen && !pauses.ProviderPaused(provider.Name))
                {
                    return false;
                }
            }
            return true;
        }
    }

    private async Task<DeliveryCompletion> DeliverOneAsync(ClaimedDelivery delivery)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (delivery.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            return new DeliveryCompletion(delivery.Id, delivery.TenantId, delivery.LeaseToken, DeliveryStatuses.Expired, null, null, null,
                "EXPIRED", "expires_at passed before the delivery could be sent.", []);
        }
        if (delivery.LockExpiresAt - now < _options.CallTimeout)
        {
            // Not enough lease left to finish a call: give it back rather than risk a duplicate.
            return HandBack(delivery, now, "LEASE_TOO_SHORT", "The lease had too little time left to start a provider call.");
        }

        if (_controls.State.ChannelPaused)
        {
            // Paused after this batch was claimed: no new call starts. Due at once, because no
            // replica claims while the channel is paused and everything goes out on resume.
            return HandBack(delivery, now, "PAUSED", $"The {_options.Channel} channel is paused.");
        }

        var resolved = await contentResolver.ResolveAsync(delivery, CancellationToken.None);
        if (resolved.Content is not { } content)
        {
            // Nothing any provider could send (a template that no longer renders, no content
            // for this channel): dead-letter it with the reason, no provider call made.
            return new DeliveryCompletion(delivery.Id, delivery.TenantId, delivery.LeaseToken, DeliveryStatuses.Dead, null, null, null,
                resolved.ErrorCode, resolved.ErrorMessage, []);
        }

        // Providers in failover order. A permanent answer ends the delivery (the recipient or
        // content is the problem, another provider would refuse it too); a transient one or
        // an open circuit moves on to the next provider.
        List<AttemptRecord>? attempts = null;
        ProviderResult? last = null;
        IDeliveryProvider? lastProvider = null;
        DeliveryCompletion? held = null;
        DateTime? circuitReopens = null;
        var paused = false;
        foreach (var (provider, circuits) in _providers)
        {
            var circuit = circuits.For(provider.CircuitKey(delivery));
            if (!provider.Handles(delivery))
            {
                continue;
            }
            if (_controls.State.Stops(provider.Name))
            {
                // A paused provider is skipped like one with an open circuit: fail over.
                paused = true;
                continue;
            }
            if (circuit.IsOpen)
            {
                circuitReopens = circuitReopens is { } earlier && earlier < circuit.BreakEndsAt ? earlier : circuit.BreakEndsAt;
                continue;
            }
            if (await WaitForRateAsync(provider, delivery) is { } throttled)
            {
                held ??= throttled;
                continue;
            }
            if (_controls.State.Stops(provider.Name))
            {
                // Paused while this delivery waited for the rate limit.
                paused = true;
                continue;
            }
            now = time.GetUtcNow().UtcDateTime;
            var started = Stopwatch.GetTimestamp();
            var result = await CallAsync(provider, circuit, delivery, content);
            if (result is null)
            {
                // The circuit refused the call (it opened during this batch): no call was made.
                circuitReopens ??= circuit.BreakEndsAt;
                continue;
            }
            if (result.Outcome == ProviderOutcome.Deferred)
            {
                // The provider made no call (a quota is spent): try the next one, or hand back.
                held ??= HandBack(delivery, now + (result.RetryAfter ?? TimeSpan.FromSeconds(1)),
                    result.ErrorCode ?? "DEFERRED", result.ErrorMessage ?? $"{provider.Name} deferred the delivery.");
                continue;
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            var durationMs = (int)elapsed.TotalMilliseconds;
            var attempt = Attempt(delivery, provider, result, now, durationMs);
            DeliveryMetrics.Attempt(_options.Channel, provider.Name, attempt.Outcome, result.ErrorCode, elapsed.TotalSeconds);
            (attempts ??= new List<AttemptRecord>(_providers.Length)).Add(attempt);
            last = result;
            lastProvider = provider;
            if (result.Throttled && limiter is not null && _options.RatePerSecond > 0)
            {
                await limiter.ThrottleAsync(RateKey(provider, delivery), Limit, result.RetryAfter ?? TimeSpan.FromSeconds(1));
            }
            if (result.Outcome is ProviderOutcome.Sent or ProviderOutcome.Permanent)
            {
                break;
            }
        }

        if (last is null || lastProvider is null)
        {
            // No call was made: the rate is spent, a quota deferred it, or every circuit that
            // serves it is open (then it is due when the first of them lets a probe through).
            if (held is not null)
            {
                return held;
            }
            if (paused)
            {
                // Due at once if the whole channel was paused meanwhile (nobody claims until it resumes).
                var due = _controls.State.ChannelPaused ? now : now + PausedProviderRecheck;
                return HandBack(delivery, due, "PAUSED", $"Every {_options.Channel} provider for this delivery is paused or its circuit is open.");
            }
            if (circuitReopens is not null)
            {
                var due = circuitReopens.Value > now ? circuitReopens.Value : now;
                return HandBack(delivery, due, "CIRCUIT_OPEN", $"The circuit of every {_options.Channel} provider for this delivery is open.");
            }
            return new DeliveryCompletion(delivery.Id, delivery.TenantId, delivery.LeaseToken, DeliveryStatuses.Dead, null, null, null,
                "NO_PROVIDER", $"No {_options.Channel} provider serves this recipient.", []);
        }
        return Complete(delivery, lastProvider, last, attempts!);
    }

    /// <summary>One provider call under its own client span (see <see cref="DeliveryTracing"/>).</summary>
    private async Task<ProviderResult?> CallAsync(IDeliveryProvider provider, ProviderCircuit circuit, ClaimedDelivery delivery, Notify.Grpc.V1.Content content)
    {
        using var span = DeliveryTracing.StartProviderCall(provider.Name, delivery);
        var result = await CallThroughCircuitAsync(provider, circuit, delivery, content);
        DeliveryTracing.Answered(span, result);
        return result;
    }

    private async Task<ProviderResult?> CallThroughCircuitAsync(IDeliveryProvider provider, ProviderCircuit circuit, ClaimedDelivery delivery, Notify.Grpc.V1.Content content)
    {
        using var timeout = new CancellationTokenSource(_options.CallTimeout, time);
        try
        {
            return await circuit.SendAsync(provider, delivery, content, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "TIMEOUT",
                ErrorMessage: $"The provider did not answer within {_options.CallTimeout.TotalSeconds:0.#} s.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "TRANSPORT", ErrorMessage: ex.GetType().Name);
        }
    }

    /// <summary>Gives a delivery back without a provider call: no attempt is used.</summary>
    private static DeliveryCompletion HandBack(ClaimedDelivery delivery, DateTime dueAt, string code, string message)
        => new(delivery.Id, delivery.TenantId, delivery.LeaseToken,
            delivery.AttemptCount == 0 ? DeliveryStatuses.Pending : DeliveryStatuses.Retrying,
            dueAt, null, null, code, message, []);

    private RateLimit Limit => new(_options.RatePerSecond, _options.RateBurst);

    private string RateKey(IDeliveryProvider provider, ClaimedDelivery delivery) => $"{_options.Channel}:{provider.RateLimitKey(delivery)}";

    /// <summary>
    /// Waits for the provider's rate limit. Null when the call may go ahead; a completion that
    /// hands the delivery back (no attempt burned) when the wait would outlast the lease.
    /// </summary>
    private async Task<DeliveryCompletion?> WaitForRateAsync(IDeliveryProvider provider, ClaimedDelivery delivery)
    {
        if (limiter is null || _options.RatePerSecond <= 0)
        {
            return null;
        }
        var limit = Limit;
        var key = RateKey(provider, delivery);
        var decision = await limiter.AcquireAsync(key, limit);
        if (decision.Allowed)
        {
            return null;
        }
        // The rate is spent: wait in this process's line for the key, so that only its head
        // asks the limiter again (see RateWaitLines), for as long as the lease allows.
        RateWaitLines.Turn? turn;
        try
        {
            turn = await _rateLines.EnterAsync(key, delivery.LockExpiresAt - _options.CallTimeout - time.GetUtcNow().UtcDateTime, _stopping);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            turn = null;
        }
        using var heldTurn = turn;
        if (turn is null)
        {
            var at = time.GetUtcNow().UtcDateTime + decision.RetryAfter;
            return HandBack(delivery, at, "RATE_LIMITED", _stopping.IsCancellationRequested
                ? "Waiting for the provider's rate limit when the worker stopped."
                : "Waiting for the provider's rate limit.");
        }
        while (true)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (now + decision.RetryAfter + _options.CallTimeout > delivery.LockExpiresAt || _stopping.IsCancellationRequested)
            {
                return HandBack(delivery, now + decision.RetryAfter, "RATE_LIMITED", "Waiting for the provider's rate limit.");
            }
            DeliveryMetrics.RateLimitWait(_options.Channel);
            try
            {
                await Task.Delay(decision.RetryAfter, time, _stopping);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // SIGTERM: no call has started, so hand it back now. Waiting on (a slow rate can
                // hold a delivery for most of its lease) would outlast the shutdown timeout, and
                // the process would exit holding the lease: the delivery stuck SENDING until the
                // reaper, an attempt spent, and a call cut off mid-way possibly sent twice.
                return HandBack(delivery, now + decision.RetryAfter, "RATE_LIMITED", "Waiting for the provider's rate limit when the worker stopped.");
            }
            decision = await limiter.AcquireAsync(key, limit);
            if (decision.Allowed)
            {
                return null;
            }
        }
    }

    /// <summary>Counts what became of a delivery in this claim.</summary>
    private DeliveryCompletion Recorded(ClaimedDelivery delivery, DeliveryCompletion completion)
    {
        switch (completion.Status)
        {
            case DeliveryStatuses.Sent or DeliveryStatuses.Delivered:
                DeliveryMetrics.Sent(_options.Channel, time.GetUtcNow().UtcDateTime - delivery.DueSince);
                DeliveryMetrics.Finish(_options.Channel, completion.Status, null);
                if (completion.Status == DeliveryStatuses.Delivered)
                {
                    DeliveryMetrics.Delivered(_options.Channel, time.GetUtcNow() - UuidV7.Timestamp(delivery.Id));
                }
                break;
            case DeliveryStatuses.Dead or DeliveryStatuses.Expired:
                DeliveryMetrics.Finish(_options.Channel, completion.Status, completion.ErrorCode);
                break;
            default:
                if (completion.Attempts.Count == 0 && completion.ErrorCode is { } reason)
                {
                    DeliveryMetrics.HandBack(_options.Channel, reason);
                }
                break;
        }
        return completion;
    }

    private AttemptRecord Attempt(ClaimedDelivery delivery, IDeliveryProvider provider, ProviderResult result, DateTime startedAt, int durationMs)
    {
        var outcome = result.Outcome switch
        {
            ProviderOutcome.Sent => "sent",
            ProviderOutcome.Permanent => "permanent",
            ProviderOutcome.Credentials => "credentials",
            _ => result.ErrorCode == "TIMEOUT" ? "timeout" : "retryable",
        };
        return new AttemptRecord(delivery.AttemptNumber, _options.WorkerId, provider.Name, startedAt, durationMs, outcome,
            result.HttpStatus, result.ErrorCode, result.ErrorMessage, result.ProviderMessageId, result.ResponseExcerpt);
    }

    /// <summary>The completion for a claim whose last provider call answered <paramref name="result"/>.</summary>
    private DeliveryCompletion Complete(ClaimedDelivery delivery, IDeliveryProvider provider, ProviderResult result, IReadOnlyList<AttemptRecord> attempts)
    {
        if (result.Outcome == ProviderOutcome.Sent)
        {
            // Webhook endpoints and push services answer for the delivery itself: no receipt follows.
            var status = _options.SuccessIsDelivered ? DeliveryStatuses.Delivered : DeliveryStatuses.Sent;
            return new DeliveryCompletion(delivery.Id, delivery.TenantId, delivery.LeaseToken, status, null, provider.Name,
                result.ProviderMessageId, null, null, attempts);
        }
        var startedAt = attempts[0].StartedAt;
        TimeSpan? delay = result.Outcome == ProviderOutcome.Permanent
            ? null
            : schedule.DelayAfter(delivery.AttemptNumber, delivery.MaxAttempts, result.RetryAfter, _jitter);
        return delay is { } wait
            ? new DeliveryCompletion(delivery.Id, delivery.TenantId, delivery.LeaseToken, DeliveryStatuses.Retrying, startedAt + wait, provider.Name,
                null, result.ErrorCode, result.ErrorMessage, attempts) { SuppressReason = result.SuppressReason }
            : new DeliveryCompletion(delivery.Id, delivery.TenantId, delivery.LeaseToken, DeliveryStatuses.Dead, null, provider.Name,
                null, result.ErrorCode, result.ErrorMessage, attempts) { SuppressReason = result.SuppressReason };
    }

    /// <summary>Ends a wait for work early (a resume, a reaped lease).</summary>
    private void WakeUp()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken, TimeSpan? wait = null)
    {
        try
        {
            await _wake.WaitAsync(wait ?? _options.PollInterval, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Holds a connection that LISTENs for the ingress's wake-ups; reconnects after failures.</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) =>
                {
                    if (_wake.CurrentCount == 0)
                    {
                        try { _wake.Release(); } catch (SemaphoreFullException) { }
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelNames.WakeUpChannel(_options.Channel)}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                StoreReachable();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
            {
                await Task.Delay(StoreFailed(ex), time, CancellationToken.None);
            }
        }
    }

    private async Task ReapAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ReapInterval, time, stoppingToken);
                var reaped = await store.ReapAsync(_options.Channel, 1_000, stoppingToken);
                StoreReachable();
                if (reaped.Count > 0)
                {
                    LogReaped(logger, _options.Channel, reaped.Count);
                    _wake.Release();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SemaphoreFullException)
            {
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                StoreFailed(ex);
            }
        }
    }

    /// <summary>Counts a database failure, logs it if it starts an outage, and says how long to wait before the next try.</summary>
    private TimeSpan StoreFailed(Exception ex)
    {
        if (_outage.Failed(out var wait))
        {
            LogStoreError(logger, _options.Channel, ex.GetType().Name);
        }
        return wait;
    }

    /// <summary>Ends an outage, if there was one, with one line.</summary>
    private void StoreReachable()
    {
        if (_outage.Succeeded() is > 0 and var failures)
        {
            LogStoreBack(logger, _options.Channel, failures);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_options.ShutdownTimeout);
        _abandon.CancelAfter(_options.ShutdownTimeout);
        await base.StopAsync(bounded.Token);
    }

    public override void Dispose()
    {
        _abandon.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "{Channel}: the database is unavailable ({Error}); retrying with back-off, logged again only once it is back")]
    private static partial void LogStoreError(ILogger logger, string channel, string error);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "{Channel}: a write of delivery outcomes failed for good ({Error}); the rows are left to the reaper")]
    private static partial void LogWriteRefused(ILogger logger, string channel, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "{Channel}: the database is reachable again after {Failures} failed tries")]
    private static partial void LogStoreBack(ILogger logger, string channel, int failures);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "{Channel}: {Count} completions refused: their leases had expired and another worker owns the rows")]
    private static partial void LogFenced(ILogger logger, string channel, int count);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "{Channel}: released {Count} leases not started before shutdown")]
    private static partial void LogReleased(ILogger logger, string channel, int count);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "{Channel}: delivery {DeliveryId} failed inside Notify ({Error}); it will be retried")]
    private static partial void LogDeliveryFault(ILogger logger, string channel, Guid deliveryId, string error);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "{Channel}: reaped {Count} deliveries whose lease expired")]
    private static partial void LogReaped(ILogger logger, string channel, int count);
}
